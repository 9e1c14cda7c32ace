package exprfn

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
)

// CheckLiterals checks the arguments of a call that are written as text
// literals, when the engine compiles the expression: a regex pattern
// (compiled now, and kept for the runs), a date layout, a timezone, an
// amount of time, an HMAC encoding. validate then reports a bad one at its
// JSON path, with the error the run would give, instead of the first run
// failing. The error is a *file.Error at the argument, for the caller to
// bind to the source (file.Error.Bind) like expr's own. Calls of other
// functions and arguments that are not literals pass.
func CheckLiterals(call *ast.CallNode) *file.Error {
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil
	}
	fn := id.Value
	var err error
	arg := -1
	literal := func(i int) (string, bool) {
		if i >= len(call.Arguments) || err != nil {
			return "", false
		}
		arg = i
		switch n := call.Arguments[i].(type) {
		case *ast.StringNode:
			return n.Value, true
		case *ast.ConstantNode:
			s, ok := n.Value.(string)
			return s, ok
		}
		return "", false
	}
	switch fn {
	case "regexMatch", "regexFind", "regexFindAll", "regexReplace":
		if p, ok := literal(1); ok {
			_, err = CompilePattern(fn, p)
		}
	case "formatDate", "parseDate":
		if l, ok := literal(1); ok {
			if _, isGo := goLayoutOf(l); !isGo {
				_, err = readLayout(fn, l)
			}
		}
		if tz, ok := literal(2); ok {
			_, err = location(fn, []any{tz}, 0, "")
		}
	case "dateAdd":
		if a, ok := literal(1); ok {
			if _, _, _, _, perr := parseAmount(a); perr != nil {
				err = amountError(a, perr)
			}
		}
	case "hmacSha256", "hmacSha1":
		if enc, ok := literal(2); ok {
			_, err = Lookup(fn).Func("", "", enc)
		}
	}
	if err == nil {
		return nil
	}
	return &file.Error{Location: call.Arguments[arg].Location(), Message: err.Error()}
}
