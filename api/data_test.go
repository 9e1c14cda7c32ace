package api_test

import (
	"testing"

	"github.com/funcstack/funcstack/api"
)

// TestDataRequests: a small CRUD API over d_note, as a new user writes it;
// what a client without the admin token is told when a db step refuses a
// value (docs/design.md §10, §21), and inputs from queries and forms, on
// both backends.
func TestDataRequests(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "testdata/data")
			runIOCases(t, ts.URL, []ioCase{
				{name: "add", method: "POST", url: "/d/notes", ctype: jsonType, body: `{"title": "a", "price": 2.5}`, status: 201,
					want: `{"id": 1, "title": "a", "price": 2.5, "due": null, "created_at": "<time>", "updated_at": "<time>"}`},
				{name: "a timestamp as Unix milliseconds in a form field", method: "POST", url: "/d/notes", ctype: form, body: "title=b&due=1767225600000", status: 201,
					want: `{"id": 2, "title": "b", "price": 0, "due": "<time>", "created_at": "<time>", "updated_at": "<time>"}`},
				{name: "a third", method: "POST", url: "/d/notes", ctype: jsonType, body: `{"title": "c"}`, status: 201,
					want: `{"id": 3, "title": "c", "price": 0, "due": null, "created_at": "<time>", "updated_at": "<time>"}`},
				{name: "a required column set to null names it", method: "PATCH", url: "/d/notes/1", ctype: jsonType, body: `{"changes": {"price": null}}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "d_note.price is required and cannot be set to null", "definition": "d_note_patch", "path": "stack[0].data", "execution_id": "<id>"}}`},
				{name: "a value that does not fit names the column", method: "PATCH", url: "/d/notes/1", ctype: jsonType, body: `{"changes": {"due": "soon"}}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "d_note.due expects a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds), got text \"soon\"", "definition": "d_note_patch", "path": "stack[0].data", "execution_id": "<id>"}}`},
				{name: "an unknown column", method: "PATCH", url: "/d/notes/1", ctype: jsonType, body: `{"changes": {"titel": "b"}}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "table d_note has no column \"titel\" (did you mean \"title\"?)", "definition": "d_note_patch", "path": "stack[0].data", "execution_id": "<id>"}}`},
				{name: "a where's value that does not fit names the column", method: "GET", url: "/d/notes/due?before=soon", status: 400,
					want: `{"error": {"code": "invalid_input", "message": "in \u0060d_note.due < input.before\u0060: d_note.due expects a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds), got text \"soon\"", "definition": "d_notes_due", "path": "stack[0].where", "execution_id": "<id>"}}`},
				{name: "a list input's items as ids[]", method: "GET", url: "/d/notes/by-ids?ids%5B%5D=2&ids%5B%5D=3", status: 200,
					want: `{"ids": [2, 3], "q": null, "query": {"ids[]": ["2", "3"]}}`},
				{name: "ids and ids[] together", method: "GET", url: "/d/notes/by-ids?ids%5B%5D=3&ids=1", status: 200,
					want: `{"ids": [1, 3], "q": null, "query": {"ids": "1", "ids[]": "3"}}`},
				{name: "ids[] in a form body", method: "GET", url: "/d/notes/by-ids", ctype: form, body: "ids[]=1&ids[]=2", status: 200,
					want: `{"ids": [1, 2], "q": null, "query": {}}`},
				{name: "q[] is not a list input: left as it is", method: "GET", url: "/d/notes/by-ids?q%5B%5D=x", status: 200,
					want: `{"ids": [1, 2, 3], "q": null, "query": {"q[]": "x"}}`},
			})
		})
	}
}
