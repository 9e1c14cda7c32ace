package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// sleeper sleeps 3 s in short naps: a cancelled run stops between steps
// (a nap in progress ends first).
const sleeper = `{"kind": "function", "name": "t_sleeper", "stack": [{"type": "for", "from": "1", "to": "300", "as": "i", "steps": [{"type": "sleep", "ms": "10"}]}], "response": "'woke'"}`

const starter = `{"kind": "function", "name": "t_starter", "stack": [{"type": "call", "function": "t_sleeper", "input": {}, "async": true, "as": "id"}], "response": "id"}`

func TestAdminRun(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			publishWorkspace(t, st, "../workflows")
			_, ts := storeServer(t, st, 0)
			runAdmin(t, ts.URL, []adminCase{
				{name: "run the draft", method: "POST", url: "/_/api/run", body: `{"name": "sum_squares", "input": {"n": 3}}`, status: 200,
					want: map[string]any{"status": "succeeded", "output": map[string]any{"total": 14, "label": "small"}, "error": nil,
						"trace.0.path": "stack[0]", "trace.0.type": "var", "trace.0.definition": "sum_squares", "trace.0.result": 0,
						"trace.1.type": "for", "trace.2.path": "stack[1].steps[0]", "trace.2.type": "set", "trace.2.result": 1, "logs": []any{}},
					afterRequest: func(t *testing.T, body []byte) {
						if ms, ok := at(t, body, "duration_ms").(float64); !ok && at(t, body, "duration_ms") != 0 || ms < 0 {
							t.Errorf("duration_ms: %v", at(t, body, "duration_ms"))
						}
						if at(t, body, "http") != nil {
							t.Errorf("a function has no http part: %s", body)
						}
					}},
				{name: "save a draft", method: "POST", url: "/_/api/definitions", body: double, status: 201},
				{name: "run it: logs", method: "POST", url: "/_/api/run", body: `{"name": "t_double", "input": {"x": 4}}`, status: 200,
					want: map[string]any{"output": map[string]any{"y": 8}, "logs.0.value": 8, "logs.0.path": "stack[1]"}},
				{name: "its published version does not exist", method: "POST", url: "/_/api/run",
					body: `{"name": "t_double", "input": {"x": 4}, "version": "published"}`, status: 404,
					contains: []string{"t_double has no published version"}},
				{name: "a new draft", method: "PUT", url: "/_/api/definitions/t_double", body: strings.Replace(double, "* 2", "* 3", 1), status: 200},
				{name: "run version 1", method: "POST", url: "/_/api/run", body: `{"name": "t_double", "input": {"x": 4}, "version": 1}`, status: 200,
					want: map[string]any{"output": map[string]any{"y": 8}}},
				{name: "run the draft (version 2)", method: "POST", url: "/_/api/run", body: `{"name": "t_double", "input": {"x": 4}}`, status: 200,
					want: map[string]any{"output": map[string]any{"y": 12}}},
				{name: "run an unsaved definition", method: "POST", url: "/_/api/run", status: 200,
					body: `{"input": {"x": 0}, "definition": {"kind": "function", "name": "t_unsaved", "input": [{"name": "x", "type": "int"}],
						"stack": [{"type": "precondition", "cond": "input.x > 0", "message": "x must be positive"}], "response": "input.x"}}`,
					want: map[string]any{"status": "failed", "output": nil, "error.code": "precondition_failed", "error.path": "stack[0]",
						"error.message": "x must be positive", "trace.0.type": "precondition", "trace.0.error": "x must be positive"}},
				{name: "an unsaved version of a saved one", method: "POST", url: "/_/api/run", status: 200,
					body: `{"name": "t_double", "input": {"x": 4}, "definition": ` + strings.Replace(double, "* 2", "* 10", 1) + `}`,
					want: map[string]any{"output": map[string]any{"y": 40}}},
				{name: "unsaved and invalid", method: "POST", url: "/_/api/run", status: 422,
					body: `{"definition": {"kind": "function", "name": "t_bad", "stack": [{"type": "var", "name": "a", "value": "b"}]}}`,
					want: map[string]any{"error.code": "invalid_definition", "error.diagnostics.0.path": "stack[0].value"}},
				{name: "names differ", method: "POST", url: "/_/api/run", body: `{"name": "x", "definition": ` + double + `}`, status: 400},
				{name: "run an endpoint: its HTTP answer", method: "POST", url: "/_/api/run", body: `{"name": "api_sum_squares", "input": {"n": "3"}}`, status: 200,
					want: map[string]any{"output": map[string]any{"total": 14, "label": "small"}, "http.status": 200,
						"http.headers.Content-Type": "application/json; charset=utf-8"}},
				{name: "an endpoint's error status", method: "POST", url: "/_/api/run", body: `{"name": "api_sum_squares", "input": {"n": "x"}}`, status: 200,
					want: map[string]any{"status": "failed", "http.status": 400, "error.code": "invalid_input", "error.fields.0.field": "n"}},
				{name: "run with auth claims", method: "POST", url: "/_/api/run", body: `{"name": "api_me", "auth": {"sub": 999}}`, status: 200,
					want: map[string]any{"status": "failed", "http.status": 401, "error.code": "unknown_user"}},
				{name: "unknown", method: "POST", url: "/_/api/run", body: `{"name": "sum_square"}`, status: 404,
					contains: []string{`did you mean \"sum_squares\"`}},
				{name: "a table", method: "POST", url: "/_/api/run", body: `{"name": "product"}`, status: 400},
				{name: "no name", method: "POST", url: "/_/api/run", body: `{}`, status: 400, contains: []string{`say what to run: \"name\"`}},
				{name: "bad version", method: "POST", url: "/_/api/run", body: `{"name": "sum_squares", "version": "latest"}`, status: 400},
				{name: "bad input", method: "POST", url: "/_/api/run", body: `{"name": "sum_squares", "input": [1]}`, status: 400},
				{name: "bad JSON", method: "POST", url: "/_/api/run", body: `{"name": `, status: 400, want: map[string]any{"error.code": "invalid_json"}},
			})
		})
	}
}

func TestAdminExecutions(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			publishWorkspace(t, st, "../workflows")
			_, ts := storeServer(t, st, 0)
			for _, d := range []string{sleeper, starter} {
				if s, body := adminCall(t, ts.URL, "POST", "/_/api/definitions?publish=true", d, true); s != 201 {
					t.Fatalf("%d %s", s, body)
				}
			}
			var ids []string
			for n := 1; n <= 3; n++ {
				s, body := adminCall(t, ts.URL, "POST", "/_/api/run", `{"name": "sum_squares", "input": {"n": `+string(rune('0'+n))+`}}`, true)
				if s != 200 {
					t.Fatalf("%d %s", s, body)
				}
				ids = append(ids, at(t, body, "execution_id").(string))
			}
			adminCall(t, ts.URL, "POST", "/function/collatz", `{"n": 0}`, true)
			waitFor(t, "the records to be written", 5*time.Second, func() bool { // listings show written records only
				_, body := adminCall(t, ts.URL, "GET", "/_/api/executions?function=sum_squares", "", true)
				items, _ := at(t, body, "items").([]any)
				_, failed := adminCall(t, ts.URL, "GET", "/_/api/executions?status=failed", "", true)
				return len(items) == 3 && at(t, failed, "items.0") != nil
			})
			var next string
			runAdmin(t, ts.URL, []adminCase{
				{name: "list by function, newest first, no trace", method: "GET", url: "/_/api/executions?function=sum_squares", status: 200,
					want: map[string]any{"items.0.id": ids[2], "items.2.id": ids[0], "items.0.trace": nil, "items.0.status": "succeeded",
						"items.0.input": map[string]any{"n": 3}, "next": nil}},
				{name: "a page", method: "GET", url: "/_/api/executions?function=sum_squares&limit=2", status: 200,
					want:         map[string]any{"items.0.id": ids[2], "items.1.id": ids[1], "next": ids[1]},
					afterRequest: func(t *testing.T, body []byte) { next, _ = at(t, body, "next").(string) }},
				{name: "by status", method: "GET", url: "/_/api/executions?status=failed", status: 200,
					want: map[string]any{"items.0.function": "collatz", "items.0.status": "failed", "items.1": nil}},
				{name: "bad status", method: "GET", url: "/_/api/executions?status=broken", status: 400, contains: []string{"use one of queued, running"}},
				{name: "bad before", method: "GET", url: "/_/api/executions?before=x", status: 400},
				{name: "bad limit", method: "GET", url: "/_/api/executions?limit=0", status: 400},
				{name: "get with trace", method: "GET", url: "/_/api/executions/" + ids[0], status: 200,
					want: map[string]any{"id": ids[0], "function": "sum_squares", "mode": "sync", "trace.0.type": "var", "output.total": 1}},
				{name: "get unknown", method: "GET", url: "/_/api/executions/01a20aa4-7e6f-70ab-99da-1c0dd05dacc4", status: 404},
				{name: "cancel a finished one", method: "POST", url: "/_/api/executions/" + ids[0] + "/cancel", status: 409,
					contains: []string{"already ended (succeeded)"}},
				{name: "cancel unknown", method: "POST", url: "/_/api/executions/nope/cancel", status: 404},
			})
			s, body := adminCall(t, ts.URL, "GET", "/_/api/executions?function=sum_squares&limit=2&before="+next, "", true)
			if s != 200 || at(t, body, "items.0.id") != ids[0] || at(t, body, "next") != nil {
				t.Errorf("the next page: %d %s", s, body)
			}

			// Retry: the same function and input, async.
			s, body = adminCall(t, ts.URL, "POST", "/_/api/executions/"+ids[1]+"/retry", "", true)
			if s != 202 {
				t.Fatalf("retry: %d %s", s, body)
			}
			rid := at(t, body, "id").(string)
			if at(t, body, "status_url") != "/_/api/executions/"+rid {
				t.Errorf("retry: %s", body)
			}
			waitFor(t, "the retry to finish", 5*time.Second, func() bool {
				_, body := adminCall(t, ts.URL, "GET", "/_/api/executions/"+rid, "", true)
				return at(t, body, "status") == "succeeded" && at(t, body, "output.total") == 5 && at(t, body, "mode") == "async"
			})

			// Cancel a running async execution.
			s, body = adminCall(t, ts.URL, "POST", "/function/t_starter", `{}`, true)
			if s != 200 {
				t.Fatalf("starting: %d %s", s, body)
			}
			var aid string
			if err := jsonUnmarshal(body, &aid); err != nil {
				t.Fatal(err)
			}
			started := time.Now()
			s, body = adminCall(t, ts.URL, "POST", "/_/api/executions/"+aid+"/cancel", "", true)
			if s != 200 || at(t, body, "status") != "cancelled" {
				t.Fatalf("cancel: %d %s", s, body)
			}
			if d := time.Since(started); d > 2*time.Second {
				t.Errorf("cancelling took %s; the sleep should stop at once", d)
			}
			if s, body = adminCall(t, ts.URL, "POST", "/_/api/executions/"+aid+"/cancel", "", true); s != 409 {
				t.Errorf("cancel again: %d %s", s, body)
			}
		})
	}
}

func TestAdminTables(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			publishWorkspace(t, st, "../workflows")
			_, ts := storeServer(t, st, 0)
			product := `{"kind": "table", "name": "product", "fields": [
				{"name": "sku", "type": "text", "required": true, "unique": true}, {"name": "name", "type": "text", "required": true},
				{"name": "price", "type": "decimal", "required": true, "default": 0}, {"name": "stock", "type": "int", "required": true, "default": 0}%s],
				"indexes": [{"fields": ["stock"]}]}`
			runAdmin(t, ts.URL, []adminCase{
				{name: "tables", method: "GET", url: "/_/api/tables", status: 200, want: map[string]any{
					"items.1.name":      "order_line",
					"items.1.columns.1": map[string]any{"name": "order", "type": "ref", "ref": "order", "required": true},
					"items.2.name":      "product", "items.2.id_type": "int", "items.2.rows": 0,
					"items.2.columns.0": map[string]any{"name": "id", "type": "int", "required": true, "unique": true},
					"items.2.columns.1": map[string]any{"name": "sku", "type": "text", "required": true, "unique": true},
					"items.2.indexes":   []any{map[string]any{"fields": []any{"stock"}}}}},
				{name: "add", method: "POST", url: "/_/api/tables/product/records", body: `{"sku": "apple", "name": "Apple", "price": 0.5}`, status: 201,
					want: map[string]any{"id": 1, "sku": "apple", "name": "Apple", "price": 0.5, "stock": 0}},
				{name: "add another", method: "POST", url: "/_/api/tables/product/records", body: `{"sku": "pear", "name": "Pear", "stock": 4}`, status: 201,
					want: map[string]any{"id": 2, "price": 0}},
				{name: "add unknown columns", method: "POST", url: "/_/api/tables/product/records", body: `{"sku": "x", "nmae": "X", "id": 7}`, status: 400,
					want: map[string]any{"error.fields.0.field": "id", "error.fields.1.field": "nmae",
						"error.fields.1.message": `table product has no writable column "nmae" (did you mean "name"?)`}},
				{name: "add without a required column", method: "POST", url: "/_/api/tables/product/records", body: `{"sku": "x"}`, status: 400,
					contains: []string{"name"}},
				{name: "add a duplicate", method: "POST", url: "/_/api/tables/product/records", body: `{"sku": "apple", "name": "Again"}`, status: 409},
				{name: "add a wrong type", method: "POST", url: "/_/api/tables/product/records", body: `{"sku": "y", "name": "Y", "stock": "many"}`, status: 400,
					contains: []string{"stock"}},
				{name: "add to an unknown table", method: "POST", url: "/_/api/tables/produkt/records", body: `{}`, status: 404,
					contains: []string{`did you mean \"product\"`}},
				{name: "browse", method: "GET", url: "/_/api/tables/product/records?sort=-id&per_page=1", status: 200,
					want: map[string]any{"items.0.sku": "pear", "items.1": nil, "total": 2, "page": 1, "per_page": 1}},
				{name: "browse page 2", method: "GET", url: "/_/api/tables/product/records?sort=-id&per_page=1&page=2", status: 200,
					want: map[string]any{"items.0.sku": "apple", "total": 2, "page": 2}},
				{name: "browse by a column", method: "GET", url: "/_/api/tables/product/records?sort=name", status: 200,
					want: map[string]any{"items.0.sku": "apple", "items.1.sku": "pear"}},
				{name: "browse bad sort", method: "GET", url: "/_/api/tables/product/records?sort=nmae", status: 400,
					contains: []string{`(did you mean \"name\"?)`}},
				{name: "browse bad page", method: "GET", url: "/_/api/tables/product/records?page=0", status: 400},
				{name: "patch", method: "PATCH", url: "/_/api/tables/product/records/1", body: `{"stock": 5}`, status: 200,
					want: map[string]any{"id": 1, "stock": 5, "name": "Apple"}},
				{name: "patch missing", method: "PATCH", url: "/_/api/tables/product/records/99", body: `{"stock": 5}`, status: 404,
					want: map[string]any{"error.message": "table product has no record with id 99"}},
				{name: "patch bad id", method: "PATCH", url: "/_/api/tables/product/records/abc", body: `{"stock": 5}`, status: 400},
				{name: "patch unknown column", method: "PATCH", url: "/_/api/tables/product/records/1", body: `{"created_at": "x"}`, status: 400,
					want: map[string]any{"error.fields.0.message": "created_at is kept by funcstack and cannot be set"}},
				{name: "the endpoints see the edits", method: "GET", url: "/api/products/low-stock?below=10", status: 200,
					want: map[string]any{"total": 2}},
				{name: "delete", method: "DELETE", url: "/_/api/tables/product/records/1", status: 204, wantNoBody: true},
				{name: "delete again", method: "DELETE", url: "/_/api/tables/product/records/1", status: 404},
				{name: "rows counted", method: "GET", url: "/_/api/tables", status: 200, want: map[string]any{"items.2.rows": 1}},

				// Table definitions: publishing syncs the table.
				{name: "add a column", method: "PUT", url: "/_/api/definitions/product?publish=true", status: 200,
					body: strings.Replace(product, "%s", `, {"name": "color", "type": "text"}`, 1)},
				{name: "it is there", method: "GET", url: "/_/api/tables", status: 200,
					want: map[string]any{"items.2.columns.5.name": "color"}},
				{name: "it can be written", method: "PATCH", url: "/_/api/tables/product/records/2", body: `{"color": "green"}`, status: 200,
					want: map[string]any{"color": "green"}},
				{name: "dropping it is refused", method: "PUT", url: "/_/api/definitions/product?publish=true", status: 409,
					body:     strings.Replace(product, "%s", "", 1),
					want:     map[string]any{"error.code": "destructive_change"},
					contains: []string{"product", "color", "?force=true"}},
				{name: "nothing changed", method: "GET", url: "/_/api/tables/product/records", status: 200,
					want: map[string]any{"items.0.color": "green"}},
				{name: "forced", method: "PUT", url: "/_/api/definitions/product?publish=true&force=true", status: 200,
					body: strings.Replace(product, "%s", "", 1)},
				{name: "gone", method: "GET", url: "/_/api/tables/product/records", status: 200,
					want: map[string]any{"items.0.color": nil, "items.0.sku": "pear"}},
			})
		})
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestAdminRunMiddleware runs an endpoint with middleware in run & debug:
// they run around it as over HTTP.
func TestAdminRunMiddleware(t *testing.T) {
	st := backends[0].open(t)
	publishWorkspace(t, st, "../workflows", "testdata/ws")
	_, ts := storeServer(t, st, 0)
	runAdmin(t, ts.URL, []adminCase{
		{name: "before-middleware refuses", method: "POST", url: "/_/api/run", body: `{"name": "t_guarded"}`, status: 200,
			want: map[string]any{"status": "failed", "http.status": 403, "error.definition": "t_guard", "output": nil}},
		{name: "before adds, after wraps", method: "POST", url: "/_/api/run", status: 200,
			body: `{"name": "t_guarded", "headers": {"X-Key": "ok", "X-User": "ada"}}`,
			want: map[string]any{"status": "succeeded", "http.status": 200, "output": map[string]any{"data": map[string]any{"user": "ada"}, "status": 200},
				"trace": []any{}}},
		{name: "no user header: nothing added", method: "POST", url: "/_/api/run", status: 200,
			body: `{"name": "t_guarded", "headers": {"X-Key": "ok"}}`,
			want: map[string]any{"output.data": map[string]any{"user": nil}}},
		{name: "a draft of the after-middleware", method: "PUT", url: "/_/api/definitions/t_wrap", status: 200,
			body: `{"kind": "middleware", "name": "t_wrap", "stage": "after", "stack": [], "response": "{wrapped: input.response}"}`},
		{name: "the draft runs around the draft", method: "POST", url: "/_/api/run", status: 200,
			body: `{"name": "t_guarded", "headers": {"X-Key": "ok", "X-User": "ada"}}`,
			want: map[string]any{"output": map[string]any{"wrapped": map[string]any{"user": "ada"}}}},
		{name: "the published one around the published", method: "POST", url: "/_/api/run", status: 200,
			body: `{"name": "t_guarded", "version": "published", "headers": {"X-Key": "ok", "X-User": "ada"}}`,
			want: map[string]any{"output": map[string]any{"data": map[string]any{"user": "ada"}, "status": 200}}},
	})
}
