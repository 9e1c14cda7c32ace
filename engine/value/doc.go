// Package value is the registry of funcstack's value types: text, int,
// decimal, bool, timestamp, json, uuid, email, object, ref, refs and file. Each type is
// one Go type in a file of its own (type_<name>.go, with a test beside it),
// registered in init, and says everything funcstack does with its values:
//
//   - Coerce: an input's value (decoded JSON, or a Go value from a call)
//     made the value a stack holds, with the error text a caller sees;
//   - Column: the SQL column type on each dialect (SQLite, PostgreSQL);
//   - Encode and Decode: a stack value as a bound parameter of its column,
//     and a scanned column value back as a stack value;
//   - Literal: a column default as a SQL literal;
//   - Schema: the JSON Schema of one value (the OpenAPI document);
//   - Info: the builder's catalogue entry (GET /_/api/types): its editor,
//     which input settings and where operators apply.
//
// Nothing outside this package switches on type names: the engine
// (inputs), engine/tables (DDL, codec, where), the API (OpenAPI, the type
// catalogue) ask the registry. The package imports nothing of funcstack
// but engine/exprfn (decoded JSON numbers), so every other package may
// use it.
//
// # Files
//
//	type.go           Type, Info, the registry, Dialect
//	kinds.go          names of Go values in messages; ToInt
//	sqlio.go          what columns share: JSON and time text, NUL and UTF-8 checks
//	decimal.go        Decimal, the exact decimal number stack values hold
//	type_<name>.go    one file per type
package value
