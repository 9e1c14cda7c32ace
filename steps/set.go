package steps

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "set",
		Category:    "variables",
		Description: "Change a declared variable, or with path one field or item inside it (other holders of the old value do not see the change).",
		Fields: []engine.FieldSpec{
			{Name: "name", Kind: engine.FieldName, Required: true, Description: "the variable to change"},
			{Name: "value", Kind: engine.FieldExpr, Required: true, Description: "the new value"},
			{Name: "path", Kind: engine.FieldString, Description: "a path inside the variable, e.g. address.city or items[0].qty"},
		},
		Example: []byte(`{"type": "set", "name": "total", "value": "total + i * i"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			name := c.Assigned("name")
			value := c.ValueExpr("value", name)
			var path []segment
			if p := c.String("path"); p != "" {
				var err error
				if path, err = parsePath(p); err != nil {
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
				nv, err := setIn(s.Get(name), path, v)
				if err != nil {
					return nil, &engine.Error{Code: engine.CodeExpression, Path: pathField, Message: fmt.Sprintf("cannot set %s.%s: %s", name, formatPath(path), err)}
				}
				if err := s.Assign(name, nv); err != nil {
					return nil, err
				}
				return v, nil
			}
		},
	})
}

// segment is one step of a path: a key, or an index when isIndex.
type segment struct {
	key     string
	index   int
	isIndex bool
}

// parsePath parses a.b[0].c.
func parsePath(p string) ([]segment, error) {
	var out []segment
	rest := p
	for rest != "" {
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: missing ]", p)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("path %q: %q is not an index (write items[0])", p, rest[1:end])
			}
			out = append(out, segment{index: n, isIndex: true})
			rest = rest[end+1:]
		case rest[0] == '.':
			if len(out) == 0 {
				//lint:ignore ST1005 the message ends with the character it is about
				return nil, fmt.Errorf("path %q must not start with .", p)
			}
			rest = rest[1:]
			if rest == "" || rest[0] == '.' || rest[0] == '[' {
				//lint:ignore ST1005 the message ends with the character it is about
				return nil, fmt.Errorf("path %q: a name must follow each .", p)
			}
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			out = append(out, segment{key: rest[:end]})
			rest = rest[end:]
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("path %q is empty", p)
	}
	return out, nil
}

func formatPath(path []segment) string {
	var b strings.Builder
	for i, s := range path {
		if s.isIndex {
			fmt.Fprintf(&b, "[%d]", s.index)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

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
		if seg.index >= len(list) {
			return nil, fmt.Errorf("index %d is past the end of a list of %d", seg.index, len(list))
		}
		child, err := setIn(list[seg.index], path[1:], v)
		if err != nil {
			return nil, err
		}
		cp := append([]any(nil), list...)
		cp[seg.index] = child
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
