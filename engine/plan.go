package engine

import (
	"time"

	"github.com/expr-lang/expr/vm"
)

// Program is a compiled workspace: every runnable definition as a plan.
// A Program is immutable and safe for concurrent use.
type Program struct {
	// Functions holds every runnable definition (functions, endpoints,
	// tasks, middleware) by name.
	Functions map[string]*Function
	// Definitions holds every definition by name, tables included.
	Definitions map[string]*Definition
	// Uses names, for each definition, the other definitions it refers
	// to (functions it calls, tables its steps use, middleware it runs,
	// trigger functions), found or not: the dependencies of publishing it.
	Uses map[string]map[string]bool
}

// Function is the compiled plan of one runnable definition.
type Function struct {
	Name     string
	Kind     string
	Def      *Definition
	Inputs   *InputSpec
	Body     *Block
	Response *Expr
	// Output is the declared output as one field named output, or nil.
	Output *InputSpec
	// answers are the values of its return steps (nil: no value).
	answers []*Expr
	// Timeout is the definition's own timeout setting, or 0.
	Timeout time.Duration
	// vars gives each of its variable names a slot.
	vars *varTable
}

// Block is a compiled list of steps.
type Block struct {
	Steps []*Step
	// declared holds the names a block's scope holds when the block ends.
	declared map[string]bool
	// terminates is true when the block never falls through its end.
	terminates bool
	// scope is the block's compile-time scope (nil after compile errors).
	scope *scope
}

// Step is one compiled step.
type Step struct {
	Type string
	// Path is the JSON path of the step in its definition, e.g. stack[1].then[0].
	Path string
	Run  RunFunc
}

// Expr is a compiled expression.
type Expr struct {
	Source  string
	Path    string
	program *vm.Program
	fast    fastFn   // the expression without the VM, when it can be (see compileFast)
	names   []string // scope names it reads
	// vars is the table of the function the expression belongs to, and
	// slots the slot of each of names, which the VM's map needs
	// (State.syncEnv); whole is set when it reads $env, all of them.
	vars  *varTable
	slots []int
	whole bool
	// plain is set when what the program gives may be outside the data
	// model (groupBy, a range, a method): Eval runs exprfn.Plain on it.
	plain bool
	// ticks is set when it has closures, which count steps against the
	// evaluation's budget (budget.go).
	ticks bool
}

// Names returns the variable names the expression reads.
func (e *Expr) Names() []string { return e.names }
