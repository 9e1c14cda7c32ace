// Package exprfn is the catalogue of the functions a funcstack expression
// can call: funcstack's own (hashing, regexes, padding, dates, ...) and
// expr's builtins, each with its signature, a one-line description and an
// example whose exact JSON result a test checks.
//
// One registry serves every reader: the engine compiles expressions with
// Options and reserves the names of Reserved; the admin API
// (GET /_/api/functions), `funcstack functions`, docs/functions.md and
// the builder's completion list Catalogue.
//
// The functions are pure: they read their arguments only (no run state),
// are safe for concurrent use, never panic on bad arguments (an error
// names the function and what to pass), and bound what they make by
// MaxTextBytes and MaxItems.
//
// Values follow funcstack's data model (see Plain): nil, bool, int,
// float64, string, time.Time, []any and map[string]any.
package exprfn
