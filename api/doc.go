// Package api is funcstack's HTTP server (docs/design.md §9 HTTP surface): the endpoints
// generated from endpoint definitions, sync invocation of functions
// (POST /function/{name}), the admin API under /_/api and /healthz.
//
// Every error is JSON in the shape of docs/design.md §10 Errors:
//
//	{"error": {"code", "message", "definition"?, "path"?, "execution_id"?, "fields"?}}
//
// with a fitting status: engine errors take (*engine.Error).HTTPStatus.
//
// The rules for changing the stored definitions (what a change breaks,
// publishing, table sync) are package engine/workspace's; the admin
// handlers here read requests, call it and map its errors to statuses.
// Imports point one way: api → engine/workspace → engine, engine/store.
//
// Files, one concern each:
//
//	api.go             Config, Server, New, ServeHTTP, /healthz
//	routes.go          the generated endpoints' gin engine: building it, CheckRoutes, route of a request
//	endpoint.go        serving one generated endpoint: request map, running, answering
//	middleware.go      middleware definitions run before and after an endpoint
//	jwt.go             "auth": "jwt" endpoints: checking bearer tokens
//	function.go        POST /function/{name}: running a function by name
//	async.go           POST /async-function/{name}: queueing a durable run
//	promote.go         sync calls that outlive promote_after become async (202)
//	respond.go         JSON answers, the error shape, reading request bodies
//	logging.go         the access log and the logger
//	metrics.go         /metrics (Prometheus)
//	openapi.go         /openapi.json and the /docs page (its HTML is package api/docs)
//	ui.go              the builder UI under /_/ (package ui's embedded build)
//	reload.go          Reload, Watch and Status: serving what is published, across nodes
//	admin.go           the admin token, the admin route list, /_/api/steps, executions/{id}, status
//	admin_util.go      admin answers (422 with diagnostics, 409, 501) and reading bodies and queries
//	admin_defs.go      one definition: list, get, save, delete, rename, publish
//	admin_versions.go  one definition's versions, diff and restore
//	diff.go            the JSON diff of two versions (changes and unified text)
//	admin_import.go    the workspace as a whole: validate, export, import
//	admin_run.go       POST /_/api/run: debug runs of drafts and versions; compiled stack cache
//	admin_data.go      executions (list, cancel) and table records
//	history.go         the request history: an endpoint run's request, list filters, retry by version
//	records_filter.go  the record listing's search and filters, as its db.query where
//	admin_functions.go /_/api/functions: the catalogue of expression functions (engine/exprfn)
//	ADMIN_API.md       the admin API's reference
package api
