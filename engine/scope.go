package engine

import (
	"fmt"
	"sort"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine/exprfn"
	"github.com/funcstack/funcstack/engine/value"
)

// Names every stack can read and none can declare.
const (
	NameInput   = "input"
	NameEnv     = "env"
	NameAuth    = "auth"
	NameRequest = "request"
	NameError   = "error"
)

// exprBuiltins are the names expressions give a meaning of their own:
// every function of the catalogue (engine/exprfn), expr's builtins and
// its word operators. A variable may not shadow one: expr would call the
// variable.
var exprBuiltins = exprfn.Reserved()

// varInfo is one name in a scope.
type varInfo struct {
	path     string
	typ      types.Type
	readonly bool
}

// scope is one lexical block of a stack.
type scope struct {
	parent      *scope
	names       map[string]*varInfo
	owner       string // the type of the step whose block this is ("" at the top)
	loop        bool   // the body of a loop: break and continue are allowed
	conditional bool   // may not run (branches, loop bodies, catch)
	// assigned and exits collect what happens anywhere inside the scope;
	// ends is set once a step in it may end the run (return, throw,
	// precondition), so that a call after it is not unconditional.
	assigned map[string]bool
	exits    bool
	ends     bool
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent, names: map[string]*varInfo{}, assigned: map[string]bool{}}
}

func (s *scope) lookup(name string) *varInfo {
	for sc := s; sc != nil; sc = sc.parent {
		if v := sc.names[name]; v != nil {
			return v
		}
	}
	return nil
}

func (s *scope) visible() map[string]*varInfo {
	out := map[string]*varInfo{}
	for sc := s; sc != nil; sc = sc.parent {
		for n, v := range sc.names {
			if _, shadowed := out[n]; !shadowed {
				out[n] = v
			}
		}
	}
	return out
}

func (s *scope) visibleNames() []string {
	var out []string
	for n := range s.visible() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *scope) inLoop() bool {
	for sc := s; sc != nil; sc = sc.parent {
		if sc.loop {
			return true
		}
	}
	return false
}

func (s *scope) isConditional() bool {
	for sc := s; sc != nil; sc = sc.parent {
		if sc.conditional {
			return true
		}
	}
	return false
}

func (s *scope) markAssigned(name string) {
	for sc := s; sc != nil; sc = sc.parent {
		sc.assigned[name] = true
	}
}

func (s *scope) markExit() {
	for sc := s; sc != nil; sc = sc.parent {
		sc.exits = true
	}
}

func (s *scope) markEnds() {
	for sc := s; sc != nil; sc = sc.parent {
		sc.ends = true
	}
}

// typeMapFor is the expr environment type src needs: the types of the
// names of the scope it mentions. Giving expr the whole scope would cost
// time in the number of names for every expression (expr converts its
// environment on each compile), which made a long stack quadratic to
// compile. A source that reads $env, or does not parse, gets the whole
// scope (expr then reports the parse error as usual).
func (s *scope) typeMapFor(src string) types.Map {
	tree, err := parser.Parse(src)
	if err != nil {
		return s.typeMap()
	}
	m := types.Map{}
	whole := false
	ast.Walk(&tree.Node, visitFunc(func(n *ast.Node) {
		id, ok := (*n).(*ast.IdentifierNode)
		if !ok || whole {
			return
		}
		if id.Value == "$env" {
			whole = true
			return
		}
		if _, done := m[id.Value]; done {
			return
		}
		if v := s.lookup(id.Value); v != nil {
			m[id.Value] = v.typ
		}
	}))
	if whole {
		return s.typeMap()
	}
	return m
}

// typeMap is the expr environment type of the scope.
func (s *scope) typeMap() types.Map {
	m := types.Map{}
	for n, v := range s.visible() {
		m[n] = v.typ
	}
	return m
}

type declInfo struct {
	path   string
	owner  string // type of the step owning the block
	loopOf string // for loop variables: the loop step's path
}

func (dc *defCompiler) rootScope() *scope {
	sc := newScope(nil)
	ro := func(name string, t types.Type) { sc.names[name] = &varInfo{typ: t, readonly: true} }
	ro(NameInput, inputTypeMap(dc.def.RunInputs()))
	ro(NameEnv, types.Map{types.Extra: types.Any})
	ro(NameAuth, types.Map{types.Extra: types.Any})
	if dc.def.Kind == KindEndpoint || dc.def.Kind == KindMiddleware {
		ro(NameRequest, types.Map{"method": types.String, "path": types.String,
			"headers": types.Map{types.Extra: types.Any}, "query": types.Map{types.Extra: types.Any},
			"params": types.Map{types.Extra: types.Any}, "ip": types.String, "body": types.String})
	}
	return sc
}

// inputTypeMap makes the expression type of input: a strict map, so that a
// misspelt input field is a compile error, and each field's type where
// its value can never be null (required, or with a default; the items of
// a list), so that input.s - 1 for a text s is a compile error too.
func inputTypeMap(fields []InputField) types.Type {
	m := types.Map{}
	for _, f := range fields {
		var t types.Type = types.Any
		switch {
		case len(f.Fields) > 0 && value.Usable(f.Type) != nil && value.Usable(f.Type).Info().Fields:
			t = inputTypeMap(f.Fields)
		case value.Usable(f.Type) == value.DecimalT:
			// Always typed, so that mixing one with a float is a
			// validate-time error (arith.go); decimal operators take nil.
			t = valueType(f.Type)
		case f.List || f.Required || len(f.Default) > 0 && string(f.Default) != "null":
			t = valueType(f.Type)
		}
		if f.List {
			t = types.Array(t)
		}
		m[f.Name] = t
	}
	return m
}

// valueType is the expression type of a value of an input or column type
// that is not null. A null value must stay untyped: expr has no type for
// "text or null", and it compiles == of two texts to a comparison that
// fails on null.
func valueType(typ string) types.Type {
	t := value.Usable(typ)
	if t == nil {
		return types.Any
	}
	return exprTypeOf(t)
}

func (dc *defCompiler) declared(name string, d declInfo) {
	if dc.decls == nil {
		dc.decls = map[string]declInfo{}
	}
	if _, ok := dc.decls[name]; !ok {
		dc.decls[name] = d
	}
}

func outOfScope(name string, d declInfo) string {
	if d.loopOf != "" {
		return fmt.Sprintf("%s is the loop variable of %s and exists only inside its steps", name, d.loopOf)
	}
	what := "declare it before the " + d.owner
	switch d.owner {
	case "if":
		what += ", or in both branches"
	case "switch":
		what += ", or in every case and in default"
	case "try":
		what += ", or in both steps and catch"
	case "foreach", "for", "while":
		what = "declare it before the loop"
	}
	return fmt.Sprintf("%s is declared at %s, inside a block, so it cannot be read here: %s", name, d.path, what)
}
