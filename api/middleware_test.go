package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/value"
)

// TestAdminRunMiddlewareInput: run & debug of an endpoint runs its middleware
// as a request does: a before-middleware rejects or adds to the input, an
// after-middleware reshapes the answer.
func TestAdminRunMiddlewareInput(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			publishWorkspace(t, st, "../workflows", "testdata/ws")
			_, ts := storeServer(t, st, 0)
			runAdmin(t, ts.URL, []adminCase{
				{name: "before-middleware rejects", method: "POST", url: "/_/api/run", body: `{"name": "t_guarded", "input": {"user": "eve"}}`, status: 200,
					want: map[string]any{"status": "failed", "http.status": 403, "error.code": "precondition_failed", "error.definition": "t_guard"}},
				{name: "middleware adds to the input, after-middleware wraps", method: "POST", url: "/_/api/run", body: `{"name": "t_doubled", "input": {"n": "5"}}`,
					status: 200, want: map[string]any{"status": "succeeded", "http.status": 201, "output": map[string]any{"data": 10, "status": 201}}},
				{name: "middleware throws", method: "POST", url: "/_/api/run", body: `{"name": "t_doubled", "input": {"n": 7}}`, status: 200,
					want: map[string]any{"status": "failed", "http.status": 422, "error.code": "unlucky", "error.definition": "t_limit"}},
			})
		})
	}
}

// TestMyOrders walks the example's current_user middleware: it gives
// GET /api/my-orders the signed-in user's ID, whatever the client sends,
// keeps in its own record the input the request gave, and refuses a token
// whose account is gone.
func TestMyOrders(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "../workflows")
			ada, bob := signup(t, ts.URL, "ada@example.com"), signup(t, ts.URL, "bob@example.com")
			if status, _, body := call(t, "POST", ts.URL+"/api/products/apple/restock", `{"qty": 10, "name": "Apple", "price": 0.5}`, false); status != 200 {
				t.Fatalf("restock: %d %s", status, body)
			}
			order := func(tok, lines string) {
				req, _ := http.NewRequest("POST", ts.URL+"/api/orders", strings.NewReader(`{"lines": `+lines+`}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 201 {
					t.Fatalf("order: %d", resp.StatusCode)
				}
			}
			order(ada, `[{"sku": "apple", "qty": 2}]`)
			order(bob, `[{"sku": "apple", "qty": 1}]`)
			order(ada, `[{"sku": "apple", "qty": 3}]`)
			mine := func(tok, query string) (int, string) {
				req, _ := http.NewRequest("GET", ts.URL+"/api/my-orders"+query, nil)
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, normalise(t, b)
			}
			want := normalise(t, []byte(`{"items": [
				{"id": 3, "total": 1.5, "status": "placed", "lines": [{"sku": "apple", "name": "Apple", "qty": 3, "amount": 1.5}], "created_at": "<time>"},
				{"id": 1, "total": 1, "status": "placed", "lines": [{"sku": "apple", "name": "Apple", "qty": 2, "amount": 1}], "created_at": "<time>"}]}`))
			for _, q := range []string{"", "?user_id=2"} { // the client's user_id is replaced
				if status, got := mine(ada, q); status != 200 || got != want {
					t.Errorf("ada's orders%s: %d\n got %s\nwant %s", q, status, got, want)
				}
			}
			// The middleware's own execution record holds the input it was
			// given, not the one its answer made for the endpoint (the
			// record is written after the request).
			if err := st.ExecutionRecords().Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, list := adminCall(t, ts.URL, "GET", "/_/api/executions?function=current_user&limit=1", "", true)
			if got := at(t, list, "items.0.input.user_id"); got != "2" {
				t.Errorf("current_user's record shows input.user_id %v, want \"2\" as the request gave it: %s", got, list)
			}
			if status, got := mine("", ""); status != 401 || !strings.Contains(got, `"code":"unauthorized"`) {
				t.Errorf("without a token: %d %s", status, got)
			}
			if _, err := st.SQL().Exec(`DELETE FROM "user" WHERE email = 'bob@example.com'`); err != nil {
				t.Fatal(err)
			}
			if status, got := mine(bob, ""); status != 401 || !strings.Contains(got, `"code":"unknown_user","definition":"current_user"`) {
				t.Errorf("account gone: %d %s", status, got)
			}
			// Nor can a token whose account is gone place an order (it would
			// belong to nobody).
			req, _ := http.NewRequest("POST", ts.URL+"/api/orders", strings.NewReader(`{"lines": [{"sku": "apple", "qty": 1}]}`))
			req.Header.Set("Authorization", "Bearer "+bob)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(got), `"code":"unknown_user"`) {
				t.Errorf("order with the token of an account that is gone: %d %s", resp.StatusCode, got)
			}
			var n int
			if err := st.SQL().QueryRow(`SELECT count(*) FROM "order"`).Scan(&n); err != nil || n != 3 {
				t.Errorf("orders after the refused one: %d %v, want 3", n, err)
			}
			// The product writes need a live account too; a live one still writes.
			for _, w := range []struct {
				tok, method, path, body string
				status                  int
			}{
				{bob, "POST", "/api/products", `{"sku": "pear", "name": "Pear", "price": 1}`, 401},
				{bob, "PATCH", "/api/products/apple", `{"price": 9}`, 401},
				{bob, "DELETE", "/api/products/apple", ``, 401},
				{ada, "POST", "/api/products", `{"sku": "pear", "name": "Pear", "price": 1}`, 201},
				{ada, "PATCH", "/api/products/pear", `{"price": 2}`, 200},
				{ada, "DELETE", "/api/products/pear", ``, 204},
			} {
				req, _ := http.NewRequest(w.method, ts.URL+w.path, strings.NewReader(w.body))
				req.Header.Set("Authorization", "Bearer "+w.tok)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != w.status {
					t.Errorf("%s %s: %d %s; want %d", w.method, w.path, resp.StatusCode, got, w.status)
				}
			}
			var stored any
			serr := st.SQL().QueryRow(`SELECT price FROM product WHERE sku = 'apple'`).Scan(&stored)
			price, derr := value.DecimalT.Decode(stored)
			if serr != nil || derr != nil || fmt.Sprint(price) != "0.5" {
				t.Errorf("apple's price after the refused PATCH: %v %v %v, want 0.5", price, serr, derr)
			}
		})
	}
}

// signup signs email up on the example app at base and returns its token.
func signup(t *testing.T, base, email string) string {
	t.Helper()
	status, _, body := call(t, "POST", base+"/api/signup", `{"email": "`+email+`", "password": "correct horse"}`, false)
	if status != 201 {
		t.Fatalf("signup: %d %s", status, body)
	}
	var r struct{ Token string }
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r.Token
}
