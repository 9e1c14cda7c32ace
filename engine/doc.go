// Package engine loads, compiles and runs funcstack definitions.
//
// A workspace is a set of JSON definitions (functions, endpoints, tasks,
// tables, middleware). Compile validates all of them together and turns every
// stack into an immutable plan: each step's fields are decoded and checked
// against the step registry, every expression is compiled once with expr, and
// every name an expression uses is resolved against the scope it appears in.
// Errors carry the definition name and the exact JSON path of the field.
//
// Running touches only the plan and a per-run State (variables, a reusable
// expr VM, the context with its deadline, an optional trace), so one plan
// serves any number of concurrent runs. Every variable name a function uses
// gets a slot when it is compiled, and a run keeps its variables in a slice
// indexed by slot (see vars.go).
//
// Step types live in package steps; each registers itself here with
// Register. The validator, the interpreter and the step catalogue all read
// that one registry.
//
// Async calls run on the Engine's bounded worker pool; each gets an
// Execution record kept behind the ExecutionStore interface, and Await
// collects their outputs from anywhere in the process.
package engine
