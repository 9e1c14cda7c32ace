package api_test

import (
	"net/url"
	"testing"
)

// TestRecordFilters: the record browser's search and filters select the
// records a stack's where would, with values read as the column's type;
// what cannot work is 400 saying what to send.
func TestRecordFilters(t *testing.T) {
	onBackends(t, func(t *testing.T, base string) {
		table := `{"kind": "table", "name": "t_item", "fields": [{"name": "title", "type": "text"}, {"name": "qty", "type": "int"},
				{"name": "paid", "type": "bool"}, {"name": "meta", "type": "json"}]}`
		if s, body := adminCall(t, base, "POST", "/_/api/definitions?publish=true", table, true); s != 201 {
			t.Fatalf("%d %s", s, body)
		}
		for _, r := range []string{`{"title": "Red apple", "qty": 3, "paid": true}`, `{"title": "green apple", "qty": 12, "paid": false}`,
			`{"title": "pear", "qty": 7}`, `{"qty": 1, "meta": {"a": 1}}`} {
			if s, body := adminCall(t, base, "POST", "/_/api/tables/t_item/records", r, true); s != 201 {
				t.Fatalf("%d %s", s, body)
			}
		}
		rec := func(id int, title, qty, paid, meta string) string {
			return `{"id":` + itoa(id) + `,"title":` + title + `,"qty":` + qty + `,"paid":` + paid + `,"meta":` + meta + `,"created_at":"<time>","updated_at":"<time>"}`
		}
		apple := rec(1, `"Red apple"`, "3", "true", "null")
		green := rec(2, `"green apple"`, "12", "false", "null")
		pear := rec(3, `"pear"`, "7", "null", "null")
		bare := rec(4, "null", "1", "null", `{"a":1}`)
		page := func(total int, items ...string) string {
			s := `{"items":[`
			for i, it := range items {
				if i > 0 {
					s += ","
				}
				s += it
			}
			return s + `],"total":` + itoa(total) + `,"page":1,"per_page":50}`
		}
		q := func(params ...string) string {
			v := url.Values{}
			for i := 0; i < len(params); i += 2 {
				v.Add(params[i], params[i+1])
			}
			return "/_/api/tables/t_item/records?" + v.Encode()
		}
		bad := func(msg string) map[string]any {
			return map[string]any{"": `{"error":{"code":"bad_request","message":` + mustJSON(msg) + `}}`}
		}
		runAdmin(t, base, []adminCase{
			{name: "search the text columns", method: "GET", url: q("search", "apple"), status: 200, want: map[string]any{"": page(2, apple, green)}},
			{name: "search with a filter, sorted", method: "GET", url: q("search", "apple", "filter", "qty:gt:5", "sort", "-qty"), status: 200,
				want: map[string]any{"": page(1, green)}},
			{name: "a number as text is the column's number", method: "GET", url: q("filter", "qty:le:7", "sort", "-qty"), status: 200,
				want: map[string]any{"": page(3, pear, apple, bare)}},
			{name: "two filters: both hold", method: "GET", url: q("filter", "qty:ge:3", "filter", "title:startsWith:p"), status: 200,
				want: map[string]any{"": page(1, pear)}},
			{name: "a bool", method: "GET", url: q("filter", "paid:eq:false"), status: 200, want: map[string]any{"": page(1, green)}},
			{name: "empty", method: "GET", url: q("filter", "paid:empty"), status: 200, want: map[string]any{"": page(2, pear, bare)}},
			{name: "set, on json", method: "GET", url: q("filter", "meta:set"), status: 200, want: map[string]any{"": page(1, bare)}},
			{name: "by id", method: "GET", url: q("filter", "id:eq:2"), status: 200, want: map[string]any{"": page(1, green)}},
			{name: "a value that is not the column's type", method: "GET", url: q("filter", "qty:gt:abc"), status: 400,
				want: map[string]any{"": `{"error":{"code":"invalid_input","message":"filter=\"qty:gt:abc\": t_item.qty expects a whole number, got text \"abc\"","definition":"t_item"}}`}},
			{name: "no such column", method: "GET", url: q("filter", "titel:eq:x"), status: 400,
				want: bad(`filter="titel:eq:x": table t_item has no column "titel" (did you mean "title"?)`)},
			{name: "no such operator", method: "GET", url: q("filter", "qty:bigger:3"), status: 400,
				want: bad(`filter="qty:bigger:3": "bigger" is not an operator; send filter=<column>:<op>:<value>, op one of eq, ne, lt, le, gt, ge, contains, startsWith, endsWith, empty, set`)},
			{name: "an operator the type has not", method: "GET", url: q("filter", "qty:contains:3"), status: 400,
				want: bad(`filter="qty:contains:3": contains does not apply to qty, an int column; it applies to text, email columns`)},
			{name: "no value", method: "GET", url: q("filter", "qty:gt"), status: 400, want: bad(`filter="qty:gt" says no value; send qty:gt:<value>`)},
			{name: "no operator", method: "GET", url: q("filter", "qty"), status: 400,
				want: bad(`filter="qty" says no operator; send filter=<column>:<op>:<value>, op one of eq, ne, lt, le, gt, ge, contains, startsWith, endsWith, empty, set`)},
		})
	})
}

func itoa(n int) string { return mustJSON(n) }
