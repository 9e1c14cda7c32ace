package engine

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/types"
)

// Expressions obey the run's deadline and a step budget. expr's VM has no
// hook for either: it runs a program to its end. The loops of a program
// are the closures of its builtins (map, filter, count, all, any, reduce,
// sortBy, groupBy, ...), whose bodies are predicates; everything else in
// an expression runs once per node, and MaxNodes bounds the nodes. So a
// patcher puts a call of _tick before the body of every predicate:
//
//	count(l, # > x)   count(l, (_tick(⟨budget⟩); # > x))
//
// ⟨budget⟩ is a variable no expression can name (budgetName); State.Eval
// binds it to the run's exprBudget for the evaluation. _tick counts one
// step, fails past max_expr_steps, and every tickCheck steps asks the
// run's context whether its deadline passed or it was cancelled. What an
// evaluation builds (the items of ranges, lists, objects, sorts and
// builtins' results) is bounded by the VM's memory budget, the limit
// max_expr_memory (errMemory).

// budgetName is the variable of the budget: the NUL byte keeps it out of
// reach of any expression's text.
const budgetName = "\x00budget"

// tickCheck is how often, in steps, _tick asks the run's context: often
// enough to stop within a millisecond, rare enough to cost nothing.
const tickCheck = 256

// exprBudget is the budget of one evaluation.
type exprBudget struct {
	clock *runClock
	steps int
	max   int
}

var budgetType = types.TypeOf((*exprBudget)(nil))

// errSteps is the error _tick gives past max_expr_steps.
type errSteps struct{ max int }

func (e errSteps) Error() string {
	return fmt.Sprintf("the expression took more than %d steps (limit max_expr_steps); make it do less work per item, or split it over steps", e.max)
}

// tick is _tick: one step of the evaluation.
func tick(args ...any) (any, error) {
	b, ok := args[0].(*exprBudget)
	if !ok { // evaluated outside a run
		return nil, nil
	}
	b.steps++
	if b.steps > b.max {
		return nil, errSteps{b.max}
	}
	if b.steps%tickCheck == 0 && b.clock != nil {
		if err := b.clock.context().Err(); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// budgetOptions are the patcher and _tick.
func budgetOptions() []expr.Option {
	return []expr.Option{expr.Patch(tickPatcher{}), expr.Function("_tick", tick)}
}

// withBudget adds the budget's variable to env.
func withBudget(env types.Map) types.Map {
	if env == nil {
		env = types.Map{}
	}
	env[budgetName] = budgetType
	return env
}

// tickPatcher puts _tick(⟨budget⟩) before every predicate's body.
type tickPatcher struct{}

func (tickPatcher) Visit(node *ast.Node) {
	p, ok := (*node).(*ast.PredicateNode)
	if !ok || isTicked(p.Node) {
		return
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_tick"}, Arguments: []ast.Node{&ast.IdentifierNode{Value: budgetName}}}
	call.SetLocation(p.Node.Location())
	seq := &ast.SequenceNode{Nodes: []ast.Node{call, p.Node}}
	seq.SetLocation(p.Node.Location())
	p.Node = seq
}

func isTicked(n ast.Node) bool {
	seq, ok := n.(*ast.SequenceNode)
	if !ok || len(seq.Nodes) != 2 {
		return false
	}
	c, ok := seq.Nodes[0].(*ast.CallNode)
	if !ok {
		return false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	return ok && id.Value == "_tick"
}

// hasTicks reports whether a program's tree calls _tick.
func hasTicks(n ast.Node) bool {
	found := false
	ast.Walk(&n, visitFunc(func(n *ast.Node) {
		if id, ok := (*n).(*ast.IdentifierNode); ok && id.Value == budgetName {
			found = true
		}
	}))
	return found
}

// exprMemoryText is expr's error past its memory budget: expr counts what an
// evaluation builds and panics with this text past its budget ("repeat"
// returns it as an error).
const exprMemoryText = "memory budget exceeded"

// errMemory is the error past max_expr_memory.
type errMemory struct{ max uint }

func (e errMemory) Error() string {
	return fmt.Sprintf("the expression built more than %d list items, object entries and text bytes in one evaluation (limit max_expr_memory); work on fewer items at a time, for example with a foreach over them, or split it over steps", e.max)
}

// stepsError is err as the limit error of max_expr_steps, or nil.
func stepsError(err error) *errSteps {
	var e errSteps
	if errors.As(err, &e) {
		return &e
	}
	return nil
}
