package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/funcstack/funcstack/api"
)

// TestShopOrderStatusValues: the example shop's order.status lists its
// values. GET /_/api/tables gives them with the column, and the admin
// records API, which writes through db.add and db.patch, takes a listed
// status and refuses another with the column and the allowed values.
func TestShopOrderStatusValues(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "../workflows")
			tok := signup(t, ts.URL, "ada@example.com")
			user := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
			if status, _, body := call(t, "POST", ts.URL+"/api/products/apple/restock", `{"qty": 10, "name": "Apple", "price": 0.5}`, false); status != 200 {
				t.Fatalf("restock: %d %s", status, body)
			}
			if resp, body := send(t, "POST", ts.URL+"/api/orders", user, `{"lines": [{"sku": "apple", "qty": 2}]}`); resp.StatusCode != 201 || at(t, body, "status") != "placed" {
				t.Fatalf("order: %d %s, want 201 and status placed", resp.StatusCode, body)
			}

			status, body := adminCall(t, ts.URL, "GET", "/_/api/tables", "", true)
			var list struct {
				Items []struct {
					Name    string            `json:"name"`
					Columns []json.RawMessage `json:"columns"`
				} `json:"items"`
			}
			if err := json.Unmarshal(body, &list); status != 200 || err != nil {
				t.Fatalf("GET /_/api/tables: %d %s (%v)", status, body, err)
			}
			var col string
			for _, it := range list.Items {
				if it.Name == "order" {
					for _, c := range it.Columns {
						if at(t, c, "name") == "status" {
							col = string(c)
						}
					}
				}
			}
			if want := `{"name":"status","type":"text","required":true,"values":["placed","paid","shipped","cancelled"]}`; col != want {
				t.Errorf("order.status in GET /_/api/tables:\n got  %s\n want %s", col, want)
			}

			bad := func(what string, status int, body []byte) {
				t.Helper()
				const want = `{"error":{"code":"invalid_input","message":"order.status must be one of placed, paid, shipped, cancelled; got \"sent\"","definition":"order"}}`
				if status != 400 || string(body) != want {
					t.Errorf("%s:\n got  %d %s\n want 400 %s", what, status, body, want)
				}
			}
			status, body = adminCall(t, ts.URL, "PATCH", "/_/api/tables/order/records/1", `{"status": "paid"}`, true)
			if status != 200 || at(t, body, "status") != "paid" {
				t.Errorf("patch to paid: %d %s", status, body)
			}
			status, body = adminCall(t, ts.URL, "PATCH", "/_/api/tables/order/records/1", `{"status": "sent"}`, true)
			bad("patch to sent", status, body)
			status, body = adminCall(t, ts.URL, "POST", "/_/api/tables/order/records", `{"total": 1, "status": "sent"}`, true)
			bad("add with sent", status, body)
			status, body = adminCall(t, ts.URL, "POST", "/_/api/tables/order/records", `{"total": 1}`, true)
			if status != 201 || at(t, body, "status") != "placed" {
				t.Errorf("add without a status: %d %s, want 201 and the default placed", status, body)
			}
			status, body = adminCall(t, ts.URL, "GET", "/_/api/tables/order/records?sort=id", "", true)
			if status != 200 || at(t, body, "items.0.status") != "paid" || fmt.Sprint(at(t, body, "total")) != "2" {
				t.Errorf("the records after: %d %s, want order 1 paid and 2 records", status, body)
			}
		})
	}
}
