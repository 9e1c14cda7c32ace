package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/api"
)

// TestProductCRUD walks the example shop's product endpoints as a client
// would: create (signed in), read by SKU, change a field, list with search
// and paging, delete, on both backends.
func TestProductCRUD(t *testing.T) {
	far := time.Now().Add(time.Hour).Unix()
	user := bearer(sign(t, jwt.SigningMethodHS256, []byte(jwtSecret), jwt.MapClaims{"sub": 1, "exp": far}))
	const apple = `{"id": 1, "sku": "apple", "name": "Apple", "price": 1.25, "stock": 10, "created_at": "<time>", "updated_at": "<time>"}`
	const apple2 = `{"id": 1, "sku": "apple", "name": "Apple", "price": 2.5, "stock": 10, "created_at": "<time>", "updated_at": "<time>"}`
	const pear = `{"id": 2, "sku": "pear", "name": "Pear", "price": 0.8, "stock": 0, "created_at": "<time>", "updated_at": "<time>"}`
	scenarios := []scenario{
		{name: "create needs a token", method: "POST", url: "/api/products", body: `{"sku": "apple", "name": "Apple", "price": 1.25}`, status: 401,
			want: `{"error": {"code": "unauthorized", "definition": "api_product_create",
				"message": "this endpoint needs a JWT: send Authorization: Bearer <token>, with a token made by an auth.token step"}}`},
		{name: "create", method: "POST", url: "/api/products", headers: user, body: `{"sku": "apple", "name": "Apple", "price": 1.25, "stock": 10}`,
			status: 201, want: apple, header: withID},
		{name: "create a second, stock defaults to 0", method: "POST", url: "/api/products", headers: user, body: `{"sku": "pear", "name": "Pear", "price": 0.8}`,
			status: 201, want: pear},
		{name: "SKU taken", method: "POST", url: "/api/products", headers: user, body: `{"sku": "apple", "name": "Other", "price": 1}`, status: 409,
			want: `{"error": {"code": "conflict", "message": "SKU apple is taken; choose another or PATCH /api/products/apple",
				"definition": "api_product_create", "path": "stack[1]", "execution_id": "<id>"}}`},
		{name: "create with bad fields", method: "POST", url: "/api/products", headers: user, body: `{"sku": "", "price": -1}`, status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "api_product_create", "execution_id": "<id>", "fields": [
				{"field": "sku", "code": "min", "message": "must be at least 1 character"},
				{"field": "name", "code": "required", "message": "required"},
				{"field": "price", "code": "min", "message": "must be at least 0"}]}}`},
		{name: "get by SKU", method: "GET", url: "/api/products/apple", status: 200, want: apple},
		{name: "get unknown SKU", method: "GET", url: "/api/products/kiwi", status: 404,
			want: `{"error": {"code": "not_found", "message": "no product with SKU kiwi", "definition": "api_product_get", "path": "stack[1]", "execution_id": "<id>"}}`},
		{name: "static route beside :sku", method: "GET", url: "/api/products/low-stock?below=1", status: 200,
			want: `{"items": [{"sku": "pear", "stock": 0}], "total": 1}`},
		{name: "patch one field", method: "PATCH", url: "/api/products/apple", headers: user, body: `{"price": 2.5}`, status: 200, want: apple2},
		{name: "patch nothing changes nothing", method: "PATCH", url: "/api/products/apple", headers: user, body: `{}`, status: 200, want: apple2},
		{name: "patch null into a required column", method: "PATCH", url: "/api/products/apple", headers: user, body: `{"name": null}`, status: 400,
			want: `{"error": {"code": "invalid_input", "message": "product.name is required and cannot be set to null", "definition": "api_product_update", "path": "stack[3].then[0].data", "execution_id": "<id>"}}`},
		{name: "patch unknown SKU", method: "PATCH", url: "/api/products/kiwi", headers: user, body: `{"price": 1}`, status: 404,
			want: `{"error": {"code": "not_found", "message": "no product with SKU kiwi", "definition": "api_product_update", "path": "stack[1]", "execution_id": "<id>"}}`},
		{name: "list", method: "GET", url: "/api/products", status: 200,
			want: `{"items": [` + apple2 + `, ` + pear + `], "total": 2, "page": 1, "per_page": 20}`},
		{name: "list search", method: "GET", url: "/api/products?q=ea", status: 200,
			want: `{"items": [` + pear + `], "total": 1, "page": 1, "per_page": 20}`},
		{name: "list hostile search", method: "GET", url: "/api/products?q=%27%25%20OR%201%3D1--", status: 200,
			want: `{"items": [], "total": 0, "page": 1, "per_page": 20}`},
		{name: "list second page", method: "GET", url: "/api/products?page=2&per_page=1", status: 200,
			want: `{"items": [` + pear + `], "total": 2, "page": 2, "per_page": 1}`},
		{name: "list page size over the max", method: "GET", url: "/api/products?per_page=500", status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "api_products", "execution_id": "<id>",
				"fields": [{"field": "per_page", "code": "max", "message": "must be at most 100"}]}}`},
		{name: "delete", method: "DELETE", url: "/api/products/apple", headers: user, status: 204, header: withID},
		{name: "delete again", method: "DELETE", url: "/api/products/apple", headers: user, status: 404,
			want: `{"error": {"code": "not_found", "message": "no product with SKU apple", "definition": "api_product_delete", "path": "stack[1]", "execution_id": "<id>"}}`},
		{name: "gone", method: "GET", url: "/api/products/apple", status: 404,
			want: `{"error": {"code": "not_found", "message": "no product with SKU apple", "definition": "api_product_get", "path": "stack[1]", "execution_id": "<id>"}}`},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "../workflows")
			// The writes go through current_user: the token's account (sub 1) must exist.
			if _, err := st.SQL().Exec(`INSERT INTO "user" (email, password_hash, created_at, updated_at) VALUES ('ada@example.com', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
				t.Fatal(err)
			}
			runScenarios(t, ts.URL, scenarios)
		})
	}
}

// TestShopHidesPasswordHash walks the example app's endpoints that read
// the user table (signup, login, me, orders through current_user): none
// answers with the password hash, user.password_hash being hidden, while
// the admin records browser, the operator's, still shows it.
func TestShopHidesPasswordHash(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "../workflows")
			leaks := func(what string, status, want int, body []byte) {
				t.Helper()
				if status != want {
					t.Errorf("%s: %d %s, want status %d", what, status, body, want)
				}
				if s := string(body); strings.Contains(s, "password") || strings.Contains(s, "$2a$") {
					t.Errorf("%s answers with the password hash: %s", what, s)
				}
			}
			tok := signup(t, ts.URL, "ada@example.com")
			user := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
			status, _, body := call(t, "POST", ts.URL+"/api/login", `{"email": "ada@example.com", "password": "correct horse"}`, false)
			leaks("login", status, 200, body)
			resp, body := send(t, "GET", ts.URL+"/api/me", user, "")
			leaks("me", resp.StatusCode, 200, body)
			status, _, body = call(t, "POST", ts.URL+"/api/products/apple/restock", `{"qty": 10, "name": "Apple", "price": 0.5}`, false)
			leaks("restock", status, 200, body)
			resp, body = send(t, "POST", ts.URL+"/api/orders", user, `{"lines": [{"sku": "apple", "qty": 2}]}`)
			leaks("order", resp.StatusCode, 201, body)
			resp, body = send(t, "GET", ts.URL+"/api/my-orders", user, "")
			leaks("my orders", resp.StatusCode, 200, body)

			status, body = adminCall(t, ts.URL, "GET", "/_/api/tables/user/records", "", true)
			if hash, _ := at(t, body, "items.0.password_hash").(string); status != 200 || !strings.HasPrefix(hash, "$2a$") {
				t.Errorf("the records browser: %d %s, want the user's password_hash", status, body)
			}
			status, body = adminCall(t, ts.URL, "PATCH", "/_/api/tables/user/records/1", `{"password_hash": "x"}`, true)
			if got := at(t, body, "password_hash"); status != 200 || got != "x" {
				t.Errorf("patch in the records browser: %d %s, want the record with its password_hash", status, body)
			}
			status, body = adminCall(t, ts.URL, "POST", "/_/api/tables/user/records", `{"email": "bob@example.com", "password_hash": "y"}`, true)
			if got := at(t, body, "password_hash"); status != 201 || got != "y" {
				t.Errorf("add in the records browser: %d %s, want the record with its password_hash", status, body)
			}
		})
	}
}
