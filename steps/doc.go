// Package steps holds funcstack's step types, one file each. Every file
// registers its type with engine.Register in init: the type name, its
// fields (the parameter schema the validator and the builder UI read), an
// example, and the compile function that checks the fields and returns the
// function that runs the step.
//
// Import the package for its side effect:
//
//	import _ "github.com/funcstack/funcstack/steps"
//
// # Files
//
// A step's whole life is two files: steps/x.go holds its schema, compile
// and run; steps/x_test.go beside it holds its table tests, stacks run
// through the registry (package steps_test). Tests that need unexported
// names are in package steps, in steps/x_internal_test.go. One line per
// group below (every x.go has its x_test.go unless the line says
// otherwise):
//
//	var, set, values          variables; values.go: what steps share (conditions, assign, arguments)
//	if, switch                branches
//	for, foreach, while       loops; loopctl.go: break and continue
//	return, throw, try        ending a run, raising errors (throw, precondition), catching them
//	call, await               calls (sync, async) and awaits; call_durable.go: tested in engine/durable
//	sleep, log, http          pausing, logging, outgoing requests
//	auth_password, auth_token bcrypt passwords, JWTs; auth_secret.go (their key): auth_token_test.go
//	db_add, db_get, … db_sql  one file per db.* step (db_add.go is db.add)
//	db_build                  what the db steps share: reading tables, columns, where and values
//	                          (the table model, SQL, codec and where translator are engine/tables')
//	db_triggers               table triggers around the write steps; tested in engine/durable
//	helpers_test.go           shared test helpers: running main, db tables, SQLite and PostgreSQL stores
//	helpers_internal_test.go  the same for package steps
//	catalogue_test.go         every step type's documented example compiles, its fields are described
//	run_test.go               what no one step owns: the trace, concurrent runs, values stored everywhere
//	db_bench_test.go          the db steps beside hand-written GORM (make bench)
package steps
