package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/exprfn"
)

// TestFunctionsRoute checks GET /_/api/functions, the shape the builder's
// completion reads: an array of {name, category, signature, description,
// example, result}, sorted by category then name, every function of the
// catalogue once.
func TestFunctionsRoute(t *testing.T) {
	ws := t.TempDir()
	ts := newServer(t, backends[0].open(t), api.Config{}, ws)
	runScenarios(t, ts.URL, []scenario{
		{name: "functions without token", method: "GET", url: "/_/api/functions", status: 401,
			want: `{"error": {"code": "unauthorized", "message": "the admin API needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
	})
	resp, body := send(t, "GET", ts.URL+"/_/api/functions", map[string]string{"Authorization": "Bearer " + token}, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var got []map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("the body is not an array of objects of texts: %v", err)
	}
	if len(got) != len(exprfn.Catalogue()) {
		t.Fatalf("%d functions, the catalogue has %d", len(got), len(exprfn.Catalogue()))
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool {
		if got[i]["category"] != got[j]["category"] {
			return got[i]["category"] < got[j]["category"]
		}
		return got[i]["name"] < got[j]["name"]
	}) {
		t.Errorf("the functions are not sorted by category then name")
	}
	for _, f := range got {
		if len(f) != 6 {
			t.Errorf("%s has the fields %v; want name, category, signature, description, example, result", f["name"], f)
		}
		if f["name"] == "hmacSha256" {
			want := map[string]string{"name": "hmacSha256", "category": "security", "signature": "hmacSha256(text, key, encoding?) → text",
				"description": "The HMAC-SHA256 signature of the text with the key, in hex, or in 'base64' or 'base64url' (to check a webhook's signature, compare with secureCompare).",
				"example":     `hmacSha256('{"id":1}', 'secret', 'base64')`, "result": `"A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc="`}
			if !reflect.DeepEqual(f, want) {
				t.Errorf("hmacSha256:\n got  %v\n want %v", f, want)
			}
		}
	}
}

// TestEndpointReturnsBuiltinValues is issue 15's item 6 over HTTP: an
// endpoint answers what groupBy, fromPairs and keys make (before, groupBy
// and fromPairs failed with output_not_json), keys in order every time.
func TestEndpointReturnsBuiltinValues(t *testing.T) {
	ws := t.TempDir()
	def := `{"kind": "endpoint", "name": "grouped", "method": "GET", "path": "/grouped",
		"stack": [{"type": "var", "name": "g", "value": "groupBy([{k: 'b', v: 1}, {k: 'a', v: 2}, {k: 'b', v: 3}], .k)"}],
		"response": "{g: g, p: fromPairs([['y', 1], ['x', 2]]), k: keys({e: 1, d: 2, c: 3, b: 4, a: 5}), s: string(date('2026-03-01'))}"}`
	if err := os.WriteFile(filepath.Join(ws, "grouped.json"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, backends[0].open(t), api.Config{}, ws)
	const want = `{"g":{"a":[{"k":"a","v":2}],"b":[{"k":"b","v":1},{"k":"b","v":3}]},"k":["a","b","c","d","e"],"p":{"x":2,"y":1},"s":"2026-03-01T00:00:00Z"}`
	for i := 0; i < 5; i++ {
		resp, body := send(t, "GET", ts.URL+"/grouped", nil, "")
		if resp.StatusCode != 200 || string(body) != want {
			t.Fatalf("GET /grouped: %d\n got  %s\n want %s", resp.StatusCode, body, want)
		}
	}
}
