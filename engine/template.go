package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// Template is a compiled template field: text meant for people with
// {{ expression }} parts, such as "only {{product.stock}} of {{line.sku}}
// left". Each part is compiled once, in the step's scope, like any
// expression; rendering writes the text and the value of each part as
// Text writes it.
type Template struct {
	Source string
	Path   string
	parts  []templatePart
	// text is the whole result when the template has no parts.
	text string
}

// templatePart is a run of text or, when expr is set, an expression.
type templatePart struct {
	text string
	expr *Expr
}

// rawPart is a part as parsed: its text and, for an expression, its
// byte offset in the template.
type rawPart struct {
	text   string
	isExpr bool
	offset int
}

// parseTemplate splits src into text and {{ expression }} parts. An
// expression ends at the first }} outside its quotes and braces, so that
// {{ {a: 1} }} and {{ '}}' }} are one part each. To write {{ as text,
// write {{ '{{' }}.
func parseTemplate(src string) ([]rawPart, error) {
	var parts []rawPart
	rest, at := src, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				parts = append(parts, rawPart{text: rest})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, rawPart{text: rest[:i]})
		}
		start := at + i
		body := rest[i+2:]
		end := exprEnd(body)
		if end < 0 {
			line, col := position(src, start)
			return nil, fmt.Errorf("{{ at %d:%d is never closed; end the expression with }}, or write {{ '{{' }} for the text {{", line, col)
		}
		if strings.TrimSpace(body[:end]) == "" {
			line, col := position(src, start)
			return nil, fmt.Errorf("{{ }} at %d:%d is empty; put an expression inside, e.g. {{ user.name }}", line, col)
		}
		parts = append(parts, rawPart{text: body[:end], isExpr: true, offset: start + 2})
		consumed := i + 2 + end + 2
		rest, at = rest[consumed:], at+consumed
	}
}

// exprEnd returns the offset of the }} that ends the expression at the
// start of s, or -1: braces nest and quoted text is skipped.
func exprEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"', '`':
			if i = QuoteEnd(s, i); i < 0 {
				return -1
			}
		case '{':
			depth++
		case '}':
			if depth == 0 {
				if i+1 < len(s) && s[i+1] == '}' {
					return i
				}
				continue
			}
			depth--
		}
	}
	return -1
}

// QuoteEnd returns the index of the quote that closes the one at s[i]
// (', " or `, as in expressions: a backslash escapes inside ' and "), or
// -1 when none does.
func QuoteEnd(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case q:
			return j
		case '\\':
			if q != '`' {
				j++
			}
		}
	}
	return -1
}

// position returns the line and column (from 1, in characters) of byte
// offset off in src.
func position(src string, off int) (line, col int) {
	line, col = 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Template compiles a template field: text with {{ expression }} parts.
// nil when absent or invalid (and then reported).
func (c *StepCompiler) Template(field string) *Template { return c.template(field, true) }

// TextTemplate compiles a template field whose text without parts is
// taken as it is, never checked for a message written as an expression:
// for fields that were plain texts before they were templates (respond's
// content_type, where image/png or text would read as names).
func (c *StepCompiler) TextTemplate(field string) *Template { return c.template(field, false) }

// Constant is the text of a template without {{ }} parts, and whether it
// has none.
func (t *Template) Constant() (string, bool) { return t.text, t.parts == nil }

func (c *StepCompiler) template(field string, migrate bool) *Template {
	raw, ok := c.obj.raw(field)
	if !ok {
		return nil
	}
	var src string
	if err := json.Unmarshal(raw, &src); err != nil {
		c.Errorf(field, "wrong_type", "expected text, got %s; write it in quotes, e.g. %q", jsonKind(raw), strings.TrimSpace(string(raw)))
		return nil
	}
	path := c.Path(field)
	if len(src) > MaxExpressionLength {
		c.Errorf(field, "too_long", "template is %d bytes; the limit is %d", len(src), MaxExpressionLength)
		return nil
	}
	raws, err := parseTemplate(src)
	if err != nil {
		c.Errorf(field, "template", "%s", err)
		return nil
	}
	t := &Template{Source: src, Path: path}
	if len(raws) <= 1 && (len(raws) == 0 || !raws[0].isExpr) {
		if !migrate {
			t.text = src
			return t
		}
		text, ok := c.migrateTemplate(field, src)
		if !ok {
			return nil
		}
		t.text = text
		return t
	}
	failed := false
	for _, p := range raws {
		if !p.isExpr {
			t.parts = append(t.parts, templatePart{text: p.text})
			continue
		}
		e := c.ExprPart(field, src, p.offset, p.text)
		if e == nil {
			failed = true
			continue
		}
		t.parts = append(t.parts, templatePart{expr: e})
	}
	if failed {
		return nil
	}
	return t
}

// ExprPart compiles src, the expression at byte offset at of whole, the
// text of field (a template's {{ }} part, a set path's [ ] part). Its
// errors give their line and column in whole; nil when it does not
// compile (and then reported).
func (c *StepCompiler) ExprPart(field, whole string, at int, src string) *Expr {
	dc := c.dc
	if strings.TrimSpace(src) == "" {
		line, col := position(whole, at)
		c.Errorf(field, "empty_expression", "the expression at %d:%d is empty", line, col)
		return nil
	}
	prog, err := compileExprSafe(src, c.sc.typeMapFor(src))
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) && fe.Snippet != "" {
			placed := &file.Error{Location: file.Location{From: utf8.RuneCountInString(whole[:at]) + fe.From}, Message: fe.Message}
			err = placed.Bind(file.NewSource(whole))
		}
		c.Errorf(field, "expression", "%s", dc.exprErrorText(err, c.sc))
		return nil
	}
	return dc.newExpr(src, c.Path(field), prog, c.sc, "")
}

// migrateTemplate checks a template with no {{ }} parts for a message
// written as an expression, as messages were before they were templates.
// A lone quoted text ('out of stock') still means its text, with a
// warning; any other expression (one that joins quoted text, or reads a
// variable) is an error that shows the template to write instead.
func (c *StepCompiler) migrateTemplate(field, src string) (string, bool) {
	tree, err := parser.Parse(src)
	if err != nil {
		return src, true // not an expression: text
	}
	if s, ok := tree.Node.(*ast.StringNode); ok {
		c.Warnf(field, "quoted_template", "%s is text with {{ expression }} parts, so quotes are not needed around it; write %s", field, s.Value)
		return s.Value, true
	}
	quoted, reads := false, ""
	node := tree.Node
	ast.Walk(&node, visitFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.StringNode:
			quoted = true
		case *ast.IdentifierNode:
			if reads == "" && c.sc.lookup(x.Value) != nil {
				reads = x.Value
			}
		}
	}))
	if !quoted && reads == "" {
		return src, true // such as Forbidden, or 404: text
	}
	c.Errorf(field, "expression_in_template", "%s is text with {{ expression }} parts, and this reads as an expression: write %s", field, templateOf(tree.Node))
	return "", false
}

// templateOf writes the template equivalent of an expression that joins
// texts with +: its quoted texts as text, every other operand as a
// {{ }} part (string(x) as {{x}}).
func templateOf(n ast.Node) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch x := n.(type) {
		case *ast.BinaryNode:
			if x.Operator == "+" {
				walk(x.Left)
				walk(x.Right)
				return
			}
		case *ast.StringNode:
			b.WriteString(x.Value)
			return
		case *ast.BuiltinNode:
			if x.Name == "string" && len(x.Arguments) == 1 {
				n = x.Arguments[0]
			}
		case *ast.CallNode:
			if id, ok := x.Callee.(*ast.IdentifierNode); ok && id.Value == "string" && len(x.Arguments) == 1 {
				n = x.Arguments[0]
			}
		}
		b.WriteString("{{" + n.String() + "}}")
	}
	walk(n)
	return b.String()
}

// exprMessage is the message of an expression that does not compile. A
// bare word that names nothing in scope, or words that are no expression,
// get the hint that text goes in quotes.
func (dc *defCompiler) exprMessage(src string, err error, sc *scope) string {
	msg := dc.exprErrorText(err, sc)
	var fe *file.Error
	if !errors.As(err, &fe) {
		return msg
	}
	words := strings.TrimSpace(src)
	if name, ok := strings.CutPrefix(fe.Message, "unknown name "); ok {
		if name != words {
			return msg
		}
		if _, declared := dc.decls[name]; declared || closest(name, sc.visibleNames()) != "" {
			return msg
		}
		return fmt.Sprintf("unknown name %s; to write text, put it in quotes: %s", name, quoteText(words))
	}
	if _, perr := parser.Parse(src); perr != nil && strings.Contains(words, " ") && strings.IndexFunc(words, notWordRune) < 0 {
		return msg + "; to write text, put it in quotes: " + quoteText(words)
	}
	return msg
}

// notWordRune reports whether r cannot be part of plain words (letters,
// digits, spaces and . , ! ? -).
func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" _.,!?-", r)
}

// quoteText writes text as an expression's quoted text.
func quoteText(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return strconv.Quote(s)
}

// Render writes t with the value of each of its parts as Text writes it.
func (s *State) Render(t *Template) (string, error) {
	if t.parts == nil {
		return t.text, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.text)
		} else {
			v, err := s.Eval(p.expr)
			if err != nil {
				return "", err
			}
			writeText(&b, v)
		}
		if max := s.eng.cfg.Limits.MaxTextBytes; b.Len() > max {
			return "", &Error{Code: CodeLimit, Path: t.Path, Message: fmt.Sprintf(
				"the template makes more than %s of text (limit max_text_bytes); shorten the values it shows", byteSize(max))}
		}
	}
	return b.String(), nil
}

// Text is a value as a template shows it: text as it is; null as
// nothing; true and false; numbers as JSON writes them (Number); a
// timestamp in RFC 3339; lists and objects as JSON, keys sorted.
func Text(v any) string {
	var b strings.Builder
	writeText(&b, v)
	return b.String()
}

func writeText(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
	case string:
		b.WriteString(x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(Number(x))
	case time.Time:
		b.WriteString(x.Format(time.RFC3339Nano))
	case time.Duration:
		b.WriteString(x.String())
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			b.WriteString(strconv.FormatInt(rv.Int(), 10))
			return
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			b.WriteString(strconv.FormatUint(rv.Uint(), 10))
			return
		case reflect.Float32:
			b.WriteString(Number(rv.Float()))
			return
		}
		if data, err := json.Marshal(v); err == nil {
			b.Write(data)
		} else {
			fmt.Fprint(b, v)
		}
	}
}

// Number writes a number for people: as JSON writes it (1000000, 0.25,
// 1e+21; never 1e+06 or 3.0), rounded to 15 significant digits, so that
// the noise of binary fractions does not show: 0.1 + 0.2 is 0.3, not
// 0.30000000000000004. A whole number is written without a fraction.
// NaN and the infinities, which JSON cannot hold, are NaN, Infinity and
// -Infinity.
func Number(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		return "0" // and -0
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
	if a := math.Abs(r); a < 1e-6 || a >= 1e21 {
		s := strconv.FormatFloat(r, 'e', -1, 64)
		// 1e-07 as JSON writes it: 1e-7.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
		return s
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}
