package engine

import (
	"github.com/expr-lang/expr/ast"
)

// flow is one expression's names and the variable its value goes to
// ("" = anywhere else).
type flow struct {
	from []string
	to   string
}

// asyncID is a variable holding an async execution ID, and the step
// that stores it there.
type asyncID struct {
	name, path string
}

// warnUnawaited warns for every async ID variable whose value never reaches
// an await or leaves the stack.
func (dc *defCompiler) warnUnawaited() {
	if len(dc.asyncIDs) == 0 {
		return
	}
	// used: names whose value reaches a sink (an expression that is not a
	// plain copy into another variable).
	used := map[string]bool{}
	changed := true
	for changed {
		changed = false
		for _, f := range dc.flows {
			if f.to != "" && !used[f.to] {
				continue
			}
			for _, n := range f.from {
				if !used[n] {
					used[n] = true
					changed = true
				}
			}
		}
	}
	for _, a := range dc.asyncIDs {
		if !used[a.name] {
			dc.r.warnf(a.path, "unawaited_async", "the async execution ID in %s is never awaited or used; add an await step, or drop \"as\" to fire and forget", a.name)
		}
	}
}

// assignsAny reports whether any step inside sc sets one of names.
func (c *StepCompiler) assignsAny(sc *scope, names []string) bool {
	for _, n := range names {
		if sc.assigned[n] {
			return true
		}
	}
	return false
}

// WarnIfStuck warns when a while loop's condition reads no variable its
// body changes and its body never leaves the loop.
func (c *StepCompiler) WarnIfStuck(cond *Expr, body *Block, condField string) {
	if cond == nil || body == nil || body.scope == nil {
		return
	}
	sc := body.scope
	if sc.exits || exprCallsFunctions(cond) || c.assignsAny(sc, cond.names) {
		return
	}
	c.Warnf(condField, "stuck_loop", "the condition %s reads nothing the loop body changes, so it cannot become false; the loop will run until the iteration limit", cond.Source)
}

func exprCallsFunctions(e *Expr) bool {
	found := false
	node := e.program.Node()
	ast.Walk(&node, visitFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.CallNode:
			if !isOperatorCall(x) {
				found = true
			}
		case *ast.BuiltinNode:
			if x.Name == "now" {
				found = true
			}
		}
	}))
	return found
}
