// Package workspace holds the rules for changing the stored definitions:
// what a change breaks, which definitions the server can serve, and how a
// version is published (checked against the published workspace, its
// tables synced, destructive table changes only with force). The admin
// API (package api) and the CLI (funcstack publish, import) both call it,
// so a change is judged alike however it is made.
//
// It knows nothing of HTTP: errors are typed (*Refused, *TableError
// wrapping *store.DestructiveError, *CheckError, *SaveError) and each
// caller turns them into a status or an exit code. Whether an endpoint's
// route can be served is the HTTP router's rule, so it comes in as
// Options.Routes (api.CheckRoutes, or the server's own router).
//
// Imports point one way: api and cmd import workspace; workspace imports
// engine and engine/store, never api or gin.
//
// Files:
//
//	problems.go   Merge, NewProblems, DraftProblems: what a change breaks, by compiling
//	serving.go    CompileServing, CompilePublished, RouteError: what the server serves
//	workspace.go  Workspace: the stored lists (Newest, Published), Check, Callers
//	publish.go    Prepare, Publish, Save and their errors: changing the store
//	workspace_test.go  the rules end to end, on SQLite and PostgreSQL
package workspace
