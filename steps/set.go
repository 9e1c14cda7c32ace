package steps

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "set",
		Title:       "Update variable",
		Summary:     "set {name}[.{path}] = {value}",
		Category:    "variables",
		Description: "Change a declared variable, or with path one field or item inside it (other holders of the old value do not see the change).",
		Fields: []engine.FieldSpec{
			{Name: "name", Kind: engine.FieldName, Required: true, Description: "the variable to change"},
			{Name: "value", Kind: engine.FieldExpr, Required: true, Description: "the new value"},
			{Name: "path", Kind: engine.FieldString, Description: "a path inside the variable, e.g. address.city, items[0].qty, items[i].qty or counts[word]: an expression in brackets gives an index (a whole number) or a key (text); missing keys are created"},
		},
		Example: []byte(`{"type": "set", "name": "total", "value": "total + i * i"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			name := c.Assigned("name")
			value := c.ValueExpr("value", name)
			var path []segment
			if p := c.String("path"); p != "" {
				var err error
				if path, err = parsePath(c, p); err != nil {
					c.Errorf("path", "bad_path", "%s", err)
				}
			}
			if len(path) == 0 {
				if items := c.AppendItems(value, name); items != nil {
					return appendTo(c.Var(name), value, items)
				}
				return assign(c.Var(name), value)
			}
			pathField := c.Path("path")
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(value)
				if err != nil {
					return nil, err
				}
				at, err := resolvePath(s, path)
				if err != nil {
					return nil, err
				}
				nv, err := setIn(s.Get(name), at, v)
				if err != nil {
					return nil, &engine.Error{Code: engine.CodeExpression, Path: pathField, Message: fmt.Sprintf("cannot set %s%s: %s", name, formatPath(at), err)}
				}
				if err := s.Assign(name, nv); err != nil {
					return nil, err
				}
				return v, nil
			}
		},
	})
}

// segment is one step of a path: a key, an index when isIndex, or an
// expression giving either when expr is set.
type segment struct {
	key     string
	index   int
	isIndex bool
	expr    *engine.Expr
}

// parsePath parses a.b[0].c[i][key + 'x']: names after dots, and in
// brackets an index or an expression, compiled in the step's scope.
func parsePath(c *engine.StepCompiler, p string) ([]segment, error) {
	var out []segment
	pos := 0
	for pos < len(p) {
		rest := p[pos:]
		switch {
		case rest[0] == '[':
			end := bracketEnd(rest)
			if end < 0 {
				return nil, fmt.Errorf("path %q: the [ at %d has no ]", p, pos+1)
			}
			inner := rest[1:end]
			if n, err := strconv.Atoi(strings.TrimSpace(inner)); err == nil {
				out = append(out, segment{index: n, isIndex: true})
			} else {
				e := c.ExprPart("path", p, pos+1, inner)
				if e == nil {
					return nil, nil // reported
				}
				out = append(out, segment{expr: e})
			}
			pos += end + 1
		case rest[0] == '.':
			if len(out) == 0 {
				//lint:ignore ST1005 the message ends with the character it is about
				return nil, fmt.Errorf("path %q must not start with .", p)
			}
			pos++
			if pos == len(p) || p[pos] == '.' || p[pos] == '[' {
				//lint:ignore ST1005 the message ends with the character it is about
				return nil, fmt.Errorf("path %q: a name must follow each .", p)
			}
		default:
			end := strings.IndexAny(rest, ".[]")
			if end < 0 {
				end = len(rest)
			}
			if rest[end:] != "" && rest[end] == ']' {
				return nil, fmt.Errorf("path %q: the ] at %d has no [", p, pos+end+1)
			}
			out = append(out, segment{key: rest[:end]})
			pos += end
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("path %q is empty", p)
	}
	return out, nil
}

// bracketEnd returns the offset of the ] that closes the [ starting s,
// or -1: brackets nest and quoted text is skipped.
func bracketEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"', '`':
			if i = engine.QuoteEnd(s, i); i < 0 {
				return -1
			}
		case '[':
			depth++
		case ']':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// resolvePath evaluates the expressions of path: each gives an index
// (a whole number) or a key (text).
func resolvePath(s *engine.State, path []segment) ([]segment, error) {
	dynamic := false
	for _, seg := range path {
		dynamic = dynamic || seg.expr != nil
	}
	if !dynamic {
		return path, nil
	}
	out := make([]segment, len(path))
	for i, seg := range path {
		if seg.expr == nil {
			out[i] = seg
			continue
		}
		v, err := s.Eval(seg.expr)
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case string:
			out[i] = segment{key: x}
		default:
			n, ok := engine.ToInt(v)
			if !ok {
				return nil, &engine.Error{Code: engine.CodeExpression, Path: seg.expr.Path, Message: fmt.Sprintf(
					"[%s] gave %s; a path takes a whole number (an index into a list) or text (a key of an object) in brackets", seg.expr.Source, kindOf(v))}
			}
			out[i] = segment{index: n, isIndex: true}
		}
	}
	return out, nil
}

// formatPath writes path as it follows a variable's name: .key, [index],
// and ['key'] for a key that is not a name.
func formatPath(path []segment) string {
	var b strings.Builder
	for _, s := range path {
		switch {
		case s.isIndex:
			fmt.Fprintf(&b, "[%d]", s.index)
		case identRE.MatchString(s.key):
			b.WriteString("." + s.key)
		default:
			b.WriteString("[" + strconv.Quote(s.key) + "]")
		}
	}
	return b.String()
}

// identRE matches the keys formatPath writes after a dot.
var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// setIn returns a copy of cur with v stored at path. Every object or list
// on the path is copied, so values shared with other variables stay as
// they were. Missing objects on the path are created.
func setIn(cur any, path []segment, v any) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	seg := path[0]
	if seg.isIndex {
		list, ok := cur.([]any)
		if !ok {
			return nil, fmt.Errorf("[%d] needs a list, found %s", seg.index, kindOf(cur))
		}
		i := seg.index
		if i < 0 {
			i += len(list) // from the end, as l[-1] reads
		}
		switch {
		case seg.index >= len(list):
			return nil, fmt.Errorf("index %d is past the end of a list of %d", seg.index, len(list))
		case i < 0:
			return nil, fmt.Errorf("index %d is before the start of a list of %d", seg.index, len(list))
		}
		child, err := setIn(list[i], path[1:], v)
		if err != nil {
			return nil, err
		}
		cp := append([]any(nil), list...)
		cp[i] = child
		return cp, nil
	}
	var m map[string]any
	switch x := cur.(type) {
	case nil:
		m = nil
	case map[string]any:
		m = x
	default:
		return nil, fmt.Errorf("%s needs an object, found %s", seg.key, kindOf(cur))
	}
	child, err := setIn(m[seg.key], path[1:], v)
	if err != nil {
		return nil, err
	}
	cp := make(map[string]any, len(m)+1)
	for k, e := range m {
		cp[k] = e
	}
	cp[seg.key] = child
	return cp, nil
}

// appendTo runs set name = append(name, items...) without copying the list
// each time. A variable that holds no list falls back to the expression,
// which reports the error.
func appendTo(to engine.Var, value *engine.Expr, items []*engine.Expr) engine.RunFunc {
	name := to.Name
	return func(s *engine.State) (any, error) {
		switch s.GetVar(to).(type) {
		case []any, nil:
		default:
			return assign(to, value)(s)
		}
		if len(items) == 1 {
			v, err := s.Eval(items[0])
			if err != nil {
				return nil, err
			}
			return s.Append(name, v)
		}
		vals := make([]any, len(items))
		for i, it := range items {
			v, err := s.Eval(it)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		return s.Append(name, vals...)
	}
}
