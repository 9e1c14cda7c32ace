package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/store/storetest"
)

// TestServeHotReload runs two serve processes on one PostgreSQL database:
// an endpoint published through one node's admin API is served by that
// node at once and by the other within about a second.
func TestServeHotReload(t *testing.T) {
	t.Setenv("FUNCSTACK_ADMIN_TOKEN", "reload-token")
	t.Setenv("FUNCSTACK_JWT_SECRET", "jwt-secret-for-reload-0123456789abcdef")
	url := storetest.PostgresURL(t)
	a, _, _ := startServe(t, "--database-url", url)
	b, _, _ := startServe(t, "--database-url", url, "--reload-interval", "200ms")
	def := `{"kind": "endpoint", "name": "hello_api", "method": "GET", "path": "/api/hello/:who",
		"input": [{"name": "who", "type": "text"}], "stack": [], "response": "'hello ' + input.who"}`
	if code, body := get(t, "POST", a+"/_/api/definitions?publish=true", "reload-token", def); code != 201 {
		t.Fatalf("publishing on A: %d %s", code, body)
	}
	published := time.Now()
	if code, body := get(t, "GET", a+"/api/hello/ada", "", ""); code != 200 || body != `"hello ada"` {
		t.Errorf("A right after publishing: %d %s", code, body)
	}
	for {
		code, body := get(t, "GET", b+"/api/hello/ada", "", "")
		if code == 200 && body == `"hello ada"` {
			break
		}
		if time.Since(published) > 3*time.Second {
			t.Fatalf("B does not serve the new endpoint after 3s: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("B served it %s after A published it (--reload-interval 200ms)", time.Since(published).Round(time.Millisecond))
}

// TestServeReloadSchedulesTasks publishes a scheduled task through the
// admin API of a running server: it starts running on its schedule
// without a restart, and stops once deleted.
func TestServeReloadSchedulesTasks(t *testing.T) {
	t.Setenv("FUNCSTACK_ADMIN_TOKEN", "reload-token")
	t.Setenv("FUNCSTACK_JWT_SECRET", "jwt-secret-for-reload-0123456789abcdef")
	base, _, _ := startServe(t, "--data", t.TempDir())
	task := `{"kind": "task", "name": "tick_tock", "schedule": {"every": "1s"}, "stack": [], "response": "'tock'"}`
	if code, body := get(t, "POST", base+"/_/api/definitions?publish=true", "reload-token", task); code != 201 {
		t.Fatalf("publishing the task: %d %s", code, body)
	}
	runs := func() int {
		code, body := get(t, "GET", base+"/_/api/executions?function=tick_tock", "reload-token", "")
		if code != 200 {
			t.Fatalf("listing executions: %d %s", code, body)
		}
		var list struct {
			Items []struct{ Status, Output any }
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}
	deadline := time.Now().Add(20 * time.Second)
	for runs() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the task published through the admin API never ran")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := get(t, "DELETE", base+"/_/api/definitions/tick_tock", "reload-token", ""); code != 204 {
		t.Fatalf("deleting the task: %d %s", code, body)
	}
	time.Sleep(1500 * time.Millisecond) // a run queued before may still end
	n := runs()
	time.Sleep(2500 * time.Millisecond)
	if m := runs(); m != n {
		t.Errorf("the deleted task still runs: %d runs, then %d", n, m)
	}
}

// TestServeAdminRecordsFireTriggers edits records through the admin API
// of a running server: the table's triggers run, as for the db.* steps.
func TestServeAdminRecordsFireTriggers(t *testing.T) {
	t.Setenv("FUNCSTACK_ADMIN_TOKEN", "reload-token")
	t.Setenv("FUNCSTACK_JWT_SECRET", "jwt-secret-for-reload-0123456789abcdef")
	base, _, _ := startServe(t, "--data", t.TempDir())
	code, body := get(t, "POST", base+"/_/api/tables/product/records", "reload-token", `{"sku": "fig", "name": "Fig", "stock": 5}`)
	if code != 201 {
		t.Fatalf("adding a record: %d %s", code, body)
	}
	var rec struct{ ID int }
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, "PATCH", base+"/_/api/tables/product/records/"+strconv.Itoa(rec.ID), "reload-token", `{"stock": 0}`); code != 200 {
		t.Fatalf("patching the record: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := get(t, "GET", base+"/_/api/executions?function=stock_watch&status=succeeded", "reload-token", "")
		if strings.Contains(body, `"output":{"after":0,"before":5,"sku":"fig"}`) && strings.Contains(body, "sold out: fig") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the product trigger did not run after the admin API's edit: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
