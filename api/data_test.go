package api_test

import (
	"testing"

	"github.com/funcstack/funcstack/api"
)

// TestDataErrors: what a client without the admin token is told when a
// db step refuses a value (docs/design.md §10, §21), on both backends.
func TestDataErrors(t *testing.T) {
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
				{name: "a required column set to null names it", method: "PATCH", url: "/d/notes/1", ctype: jsonType, body: `{"changes": {"price": null}}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "d_note.price is required and cannot be set to null", "definition": "d_note_patch", "path": "stack[0].data", "execution_id": "<id>"}}`},
				{name: "a value that does not fit names the column", method: "PATCH", url: "/d/notes/1", ctype: jsonType, body: `{"changes": {"due": "soon"}}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "d_note.due expects a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds), got text \"soon\"", "definition": "d_note_patch", "path": "stack[0].data", "execution_id": "<id>"}}`},
				{name: "an unknown column", method: "PATCH", url: "/d/notes/1", ctype: jsonType, body: `{"changes": {"titel": "b"}}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "table d_note has no column \"titel\" (did you mean \"title\"?)", "definition": "d_note_patch", "path": "stack[0].data", "execution_id": "<id>"}}`},
				{name: "a where's value that does not fit names the column", method: "GET", url: "/d/notes/due?before=soon", status: 400,
					want: `{"error": {"code": "invalid_input", "message": "in \u0060d_note.due < input.before\u0060: d_note.due expects a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds), got text \"soon\"", "definition": "d_notes_due", "path": "stack[0].where", "execution_id": "<id>"}}`},
			})
		})
	}
}
