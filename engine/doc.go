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
//
// # Files
//
// Definitions (JSON to Go):
//
//	definition.go    Definition and its parts; parsing one file
//	tabledef.go      a table definition's fields, indexes and triggers, and parsing them
//	load.go          LoadWorkspace: every definition file under a directory
//	access.go        access fields: auth methods, CORS, API keys, rate limits; the definition-field registry
//	tablecheck.go    the seam through which engine/tables checks table definitions
//	jsonobj.go       strict JSON objects with paths, the diagnostics reporter, name suggestions
//	errors.go        Error (every run error's shape) and Diagnostic(s)
//	locate.go        the line and column of a JSON path in its file
//	schema.go        the JSON Schema of the format
//
// Compiling (definitions to a plan):
//
//	compile.go       Compile, LoadAndCompile: definition by definition, checks across definitions, blocks
//	plan.go          the plan: Program, Function, Block, Step, Expr
//	scope.go         reserved names, lexical scopes, the root scope, out-of-scope hints
//	stepcompiler.go  StepCompiler, through which a step's CompileFunc reads its fields
//	compile_expr.go  compiling one expression and rendering expr's errors
//	expects.go       refusing a literal of another kind than its field expects
//	answer.go        what a function may answer: AnswerSchema, for OpenAPI
//	template.go      template fields (text with {{ }} parts), Text, the quotes hint
//	types.go         types the checker worked out, for loop variables
//	recursion.go     the warning about calls that always recurse
//	flow.go          warnings from data flow: unawaited async IDs, stuck while loops
//	fastexpr.go      evaluating simple expressions without expr's VM
//	arith.go         operators that may meet a decimal, rewritten into calls at compile time
//	numbers.go       the number model: every arithmetic operator, ArithError
//	budget.go        an expression's step budget and deadline: the _tick patcher
//	funcs.go         the expression functions: engine/exprfn's catalogue (hashing, regexes, dates, ...)
//	input.go         input specs: checking, converting and redacting inputs; number normalising
//	registry.go      the step registry: Register, field specs, the catalogue
//	vars.go          variable slots
//
// Running:
//
//	engine.go        Engine, Config, Limits; Run and Call
//	state.go         State: one run's variables, VM and errors; running blocks and loops
//	valuelimits.go   the size and depth limits a stored value is checked against (max_text_bytes, max_items, max_depth)
//	trace.go         a run's per-step trace (TraceEntry) and its log entries
//	response.go      Response: the output of a run that ended with a respond step
//	clock.go         a run's deadline and cancellation, made lazily
//	database.go      Database and Querier, what the db.* steps run on
//	async.go         async executions in this process: Start, Cancel, Await
//	durable.go       the Durable seam (package durable implements it), table triggers
//	promote.go       sync runs that turn async after promote_after
//	node.go          the node a process is, carried by the records of its in-memory runs
//	execution.go     ExecutionRecord, ExecutionStore and the in-memory MemoryStore
//	origin.go        where a record came from: version, drafts, an endpoint's request (headers redacted)
//	history.go       History: a definition's history policy, what its records keep
//	secrets.go       RedactSecrets: keeping texts marked secret out of records
//	idempotency.go   idempotency keys: input fingerprints, the reuse error
//	observe.go       Observer, told of every execution that ends
//	tracing.go       Tracer: a span per execution and per step, traceparents across calls and queues
package engine
