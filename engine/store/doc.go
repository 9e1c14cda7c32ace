// Package store keeps funcstack's data in SQLite (embedded, the default) or
// PostgreSQL: definitions with versions, the user tables made from table
// definitions, and execution records (docs/design.md §8 Storage, §12.4).
//
// One *sql.DB is shared by everything: GORM (system tables), the db.* steps
// (engine.Database) and, later, River.
//
// # Files
//
//	store.go              Options, Open, Store: the connection, checkpoints, time columns
//	migrate.go            the system tables and Migrate
//	definitions.go        definitions with versions: save, publish, history, restore
//	admin.go              listings and renames for the admin API
//	tables.go             SyncTables: engine/tables' schema changes in a transaction, under
//	                      a lock, then stale statements forgotten; Table (synced columns)
//	executions.go         Executions: Save queues records, a flusher writes them in batches
//	executions_write.go   which statements a batch takes; WriteIn in a caller's transaction
//	executions_sqlite.go  SQLite records through database/sql, their values as SQL literals
//	sqlite_direct.go      SQLite records on a connection of their own, statements prepared once
//	executions_pg.go      PostgreSQL records: one unnest statement of array parameters; pgx
//	executions_read.go    Get and List of records, queued ones included
//	executions_filter.go  List's search (ID, time range, internal runs) and a record's origin column
//	notes.go              a version's note
//	idempotency.go        idempotency keys claimed for a window
//	prune.go              deleting old records and expired keys
//	keys.go               server keys shared by every node of a database
//	nodes.go              node heartbeats, dead nodes claimed once, their unfinished runs closed
//	pgstale.go            recovering from prepared statements a schema change made stale
//	json.go               stored JSON: encoding without reflection, NUL handling
//	times.go              TimeFormat text written without time.Format
//	text.go               text cleaned of what PostgreSQL refuses (bad UTF-8, NUL)
package store
