// Package storetest is one test suite for every backend of package store,
// in the style of River's riverdrivertest: a backend's test calls Run with
// a function that opens a fresh, empty store.
//
// # Files
//
//	storetest.go  Run (the list of the suite's tests), repeated migrations, shared helpers
//	versions.go   definition versions: save, publish, get, delete
//	tables.go     syncing user tables: columns, indexes, refused destructive changes
//	records.go    execution records: round trips, hostile texts, idempotency keys, concurrent saves
//	prune.go      pruning records past their retention, and what pruning keeps
//	history.go    the request history's queries, records' origin, version notes
//	nodes.go      node liveness rows, closing a lost node's runs
//	admin.go      renames and table listings
//	decimals.go   decimal columns, and migrating float ones
//	dbsql.go      db.sql's typed columns
//	relations.go  ref and refs fields: include, on_delete, migrations, name caps
//	postgres.go   PostgresURL: a fresh schema on the test server
package storetest
