// Package tables owns user tables: the tables that table definitions
// describe. It holds their model (a table's columns and their value
// types), their schema on each database (DDL, and the plan of changes
// that brings a table from the schema last applied to its definition),
// the SQL the db.* steps run (one Builder, one QuoteIdent, one dialect
// model: value.Dialect), the codec between stack values and columns (each
// value type's Encode and Decode), and the where translator (an
// expression over <table>.<column> turned into parameterised SQL).
//
// The steps in package steps read their fields and call this package;
// package store runs Sync in its transaction. Imports go one way:
// steps → tables → engine, value; store → tables. Nothing here opens a
// database: every function takes the connection or transaction to use.
//
// # Files
//
//	model.go        Table and Column, read from a table definition (Of, cached per definition)
//	schema.go       Spec: a definition's schema (Specs) and its DDL per dialect
//	migrate.go      Sync: the plan of changes from the applied schema to the definition, and applying it
//	applied.go      the schema as last applied: Applied, Columns (for the admin API), RowCount
//	foreignkeys.go  ref columns' foreign keys: adding them, orphan checks, CheckForeignKeys
//	check.go        Check: a table definition against the workspace (relations, name lengths)
//	sql.go          Builder, QuoteIdent, SelectList, Rebind; INSERT, UPDATE and SELECT by id
//	codec.go        Encode, Decode (columns), EncodeAny, DecodeAny (db.sql)
//	scan.go         rows as records
//	errors.go       CodecError, DBError (driver errors with the table and what to do)
//	where.go        the where translator: an expression's syntax tree to nodes
//	where_nodes.go  the nodes, which write SQL and bind values on each run
//	where_ref.go    where conditions that read through ref fields (docs/design.md §24.3)
//	include.go      include: embedding the records ref and refs fields point to (docs/design.md §24.2)
package tables
