package engine

// Every variable name a function uses is known when it is compiled: the
// names its steps declare and assign, the names its expressions read, and
// input, env, auth and request. The compiler gives each a slot, an index
// into the run's slots (State.slots), where its value lives. The fast path
// of expressions (compileFast) and the hot steps (set, var, for, foreach,
// call) reach a variable by its slot, without hashing its name.
//
// expr's VM reads variables from a map (State.env). Before the VM runs an
// expression, the slots that expression reads are copied into the map
// (State.syncEnv); nothing else needs to be, because an expression cannot
// change a variable. A name that has no slot (one a step sets at run time
// under a name the compiler never saw) lives in the map alone.

// The slots every function's table starts with, in this order.
const (
	slotInput = iota
	slotEnv
	slotAuth
	slotRequest
)

// varTable gives each variable name of one function its slot.
type varTable struct {
	names []string
	index map[string]int
}

func newVarTable() *varTable {
	t := &varTable{index: map[string]int{}}
	for _, n := range []string{NameInput, NameEnv, NameAuth, NameRequest} {
		t.slot(n)
	}
	return t
}

// slot returns name's slot, giving it one if it has none yet.
func (t *varTable) slot(name string) int {
	if k, ok := t.index[name]; ok {
		return k
	}
	k := len(t.names)
	t.names = append(t.names, name)
	t.index[name] = k
	return k
}

// emptyVars is the table of a function that was not compiled (it has only
// the fixed names).
var emptyVars = newVarTable()

// Var is a variable resolved when a step is compiled (StepCompiler.Var):
// State.GetVar, SetVar and AssignVar reach it by its slot.
type Var struct {
	// Name is the variable's name.
	Name string
	tab  *varTable
	slot int
}
