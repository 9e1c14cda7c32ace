package durable_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
)

var triggerDefs = []string{
	`{"kind": "table", "name": "items", "fields": [{"name": "name", "type": "text"}],
		"triggers": [{"on": ["insert", "update", "delete"], "function": "audit"}]}`,
	`{"kind": "table", "name": "audit_log", "fields": [{"name": "tbl", "type": "text"}, {"name": "action", "type": "text"},
		{"name": "new_name", "type": "text"}, {"name": "old_name", "type": "text"}]}`,
	`{"kind": "function", "name": "audit", "input": [{"name": "table", "type": "text"}, {"name": "action", "type": "text"},
		{"name": "new", "type": "json"}, {"name": "old", "type": "json"}],
		"stack": [{"type": "db.add", "table": "audit_log", "data": {"tbl": "input.table", "action": "input.action",
			"new_name": "input.new == nil ? '-' : input.new.name", "old_name": "input.old == nil ? '-' : input.old.name"}}]}`,
	`{"kind": "function", "name": "churn", "stack": [
		{"type": "db.add", "table": "items", "data": {"name": "'a'"}, "as": "it"},
		{"type": "db.patch", "table": "items", "id": "it.id", "data": {"name": "'b'"}},
		{"type": "db.delete", "table": "items", "id": "it.id"},
		{"type": "db.delete", "table": "items", "id": "it.id"}
	]}`,
	`{"kind": "function", "name": "bulk_churn", "stack": [
		{"type": "db.bulk", "table": "items", "op": "add", "items": "[{name: 'x1'}, {name: 'x2'}]"},
		{"type": "db.query", "table": "items", "where": "items.name in ['x1', 'x2']", "as": "got"},
		{"type": "db.bulk", "table": "items", "op": "patch", "items": "map(got, ({id: #.id, name: #.name + '!'}))"},
		{"type": "db.bulk", "table": "items", "op": "delete", "items": "map(got, #.id)", "as": "deleted"}
	], "response": "deleted"}`,
	`{"kind": "function", "name": "upsert_twice", "stack": [
		{"type": "db.upsert", "table": "items", "by": {"name": "'u'"}},
		{"type": "db.upsert", "table": "items", "by": {"name": "'u'"}}
	]}`,
	`{"kind": "function", "name": "rolled_back", "stack": [
		{"type": "db.transaction", "steps": [
			{"type": "db.add", "table": "items", "data": {"name": "'ghost'"}},
			{"type": "throw", "message": "undo"}
		]}
	]}`,
	`{"kind": "table", "name": "pings", "fields": [{"name": "n", "type": "int"}], "triggers": [{"on": ["insert"], "function": "pong"}]}`,
	`{"kind": "function", "name": "pong", "input": [{"name": "new", "type": "json"}],
		"stack": [{"type": "db.add", "table": "pings", "data": {"n": "input.new.n + 1"}}]}`,
	`{"kind": "function", "name": "ping", "stack": [{"type": "db.add", "table": "pings", "data": {"n": "0"}}]}`,
}

// withTables starts a node on st whose tables exist.
func withTables(t *testing.T, st *store.Store, opt durable.Options, defs ...string) *node {
	t.Helper()
	if err := st.SyncTables(context.Background(), enginetest.Parse(t, defs...), false); err != nil {
		t.Fatal(err)
	}
	return start(t, st, opt, defs...)
}

func rows(t *testing.T, st *store.Store, q string) []string {
	t.Helper()
	r, err := st.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var a, b, c string
		if err := r.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, a+" "+b+" "+c)
	}
	return out
}

func TestTableTriggersFireOncePerCommittedChange(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		n := withTables(t, st, durable.Options{}, triggerDefs...)
		ctx := context.Background()
		if _, err := n.eng.Run(ctx, "churn", nil, engine.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.eng.Run(ctx, "upsert_twice", nil, engine.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.eng.Run(ctx, "rolled_back", nil, engine.RunOptions{}); err == nil {
			t.Fatal("rolled_back must fail")
		}
		q := `SELECT action, new_name, old_name FROM audit_log ORDER BY id`
		waitFor(t, 10*time.Second, func() bool { return len(rows(t, st, q)) >= 5 })
		time.Sleep(500 * time.Millisecond) // nothing more may come
		got := strings.Join(rows(t, st, q), "; ")
		// Sorted by when the audit runs inserted; they may run in any order.
		for _, want := range []string{"insert a -", "update b a", "delete - b", "insert u -", "update u u"} {
			if strings.Count(got, want) != 1 {
				t.Errorf("audit log %q: want %q once", got, want)
			}
		}
		if strings.Contains(got, "ghost") || len(rows(t, st, q)) != 5 {
			t.Errorf("audit log %q: want exactly the 5 committed changes", got)
		}
		// A run's record ends in the transaction after its effects'.
		var recs []*engine.ExecutionRecord
		waitFor(t, 10*time.Second, func() bool {
			recs, _ = st.ExecutionRecords().List(ctx, store.ListOptions{Function: "audit"})
			for _, r := range recs {
				if !engine.Final(r.Status) {
					return false
				}
			}
			return len(recs) == 5
		})
		for _, r := range recs {
			in := r.Input.(map[string]any)
			if r.Status != engine.StatusSucceeded || in["table"] != "items" {
				t.Errorf("audit execution: %s %v %v", r.Status, in, r.Error)
			}
		}
	})
}

func TestTriggerDepthLimitStopsLoops(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		n := withTables(t, st, durable.Options{}, triggerDefs...)
		ctx := context.Background()
		if _, err := n.eng.Run(ctx, "ping", nil, engine.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		var failed *engine.ExecutionRecord
		waitFor(t, 20*time.Second, func() bool {
			st.ExecutionRecords().Flush(ctx)
			recs, _ := st.ExecutionRecords().List(ctx, store.ListOptions{Function: "pong", Status: engine.StatusFailed})
			if len(recs) > 0 {
				failed = recs[0]
			}
			return failed != nil
		})
		if failed.Attempts != 1 || !strings.Contains(failed.Error.Message, "trigger depth limit") || !strings.Contains(failed.Error.Message, "max_trigger_depth 8") {
			t.Errorf("the 8th trigger run: attempts %d error %v", failed.Attempts, failed.Error)
		}
		var count, top int
		st.SQL().QueryRow(`SELECT count(*), max(n) FROM pings`).Scan(&count, &top)
		// ping's insert, then the trigger runs at depths 1 to 7 insert; the
		// run at depth 8 would fire a 9th and is refused (its insert rolled
		// back with it).
		if count != 8 || top != 7 {
			t.Errorf("pings: %d rows, max n %d; want 8 and 7", count, top)
		}
	})
}

// TestExampleShopStockWatch runs the example workspace's product trigger:
// restocking a sold-out product logs that it is back in stock.
func TestExampleShopStockWatch(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		defs, diags := engine.LoadWorkspace("../../workflows")
		if diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		if err := st.SyncTables(context.Background(), defs, false); err != nil {
			t.Fatal(err)
		}
		p, diags := engine.Compile(defs)
		if diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
		eng.Load(p)
		r, err := durable.New(context.Background(), st, eng, durable.Options{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		r.Start(context.Background())
		eng.SetDurable(r)
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r.Stop(ctx)
			eng.Close()
		}()
		ctx := context.Background()
		// A sold-out product (written directly: no trigger), then a
		// restock of it: an update from 0 to 3.
		ts := "'" + store.FormatTime(time.Now()) + "'"
		if st.Dialect() == store.DialectPostgres {
			ts = "now()"
		}
		if _, err := st.SQL().Exec(`INSERT INTO product (sku, name, price, stock, created_at, updated_at) VALUES ('p1', 'Pen', 1, 0, ` + ts + `, ` + ts + `)`); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Run(ctx, "restock", map[string]any{"sku": "p1", "qty": 3}, engine.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		var rec *engine.ExecutionRecord
		waitFor(t, 10*time.Second, func() bool {
			st.ExecutionRecords().Flush(ctx)
			recs, _ := st.ExecutionRecords().List(ctx, store.ListOptions{Function: "stock_watch"})
			if len(recs) == 1 && engine.Final(recs[0].Status) {
				rec = recs[0]
			}
			return rec != nil
		})
		if rec.Status != engine.StatusSucceeded || fmt.Sprint(rec.Output) != "map[after:3 before:0 sku:p1]" {
			t.Fatalf("stock_watch: %s %v %v", rec.Status, rec.Output, rec.Error)
		}
		found := false
		for _, l := range rec.Logs {
			if l.Value == "back in stock: p1" {
				found = true
			}
		}
		if !found {
			t.Errorf("stock_watch logs: %+v", rec.Logs)
		}
	})
}

func TestBulkChangesFireTriggersPerRecord(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		n := withTables(t, st, durable.Options{}, triggerDefs...)
		res, err := n.eng.Run(context.Background(), "bulk_churn", nil, engine.RunOptions{})
		if err != nil || fmt.Sprint(res.Output) != "2" {
			t.Fatalf("bulk_churn: %v %v", res, err)
		}
		q := `SELECT action, new_name, old_name FROM audit_log ORDER BY id`
		waitFor(t, 10*time.Second, func() bool { return len(rows(t, st, q)) >= 6 })
		time.Sleep(300 * time.Millisecond)
		got := strings.Join(rows(t, st, q), "; ")
		for _, want := range []string{"insert x1 -", "insert x2 -", "update x1! x1", "update x2! x2", "delete - x1!", "delete - x2!"} {
			if strings.Count(got, want) != 1 {
				t.Errorf("audit log %q: want %q once", got, want)
			}
		}
		if len(rows(t, st, q)) != 6 {
			t.Errorf("audit log %q: want 6 entries", got)
		}
	})
}

// TestTriggerRecordsLeaveHiddenColumnsOut: a trigger's new and old are the
// records the steps give back, without the table's hidden columns
// (docs/design.md §19.4), from db.add, db.patch, db.bulk and db.delete.
func TestTriggerRecordsLeaveHiddenColumnsOut(t *testing.T) {
	defs := []string{
		`{"kind": "table", "name": "vault", "fields": [{"name": "name", "type": "text"}, {"name": "secret", "type": "text", "hidden": true}],
			"triggers": [{"on": ["insert", "update", "delete"], "function": "peek"}]}`,
		`{"kind": "table", "name": "peeks", "fields": [{"name": "action", "type": "text"}, {"name": "new_keys", "type": "text"}, {"name": "old_keys", "type": "text"}]}`,
		`{"kind": "function", "name": "peek", "input": [{"name": "table", "type": "text"}, {"name": "action", "type": "text"},
			{"name": "new", "type": "json"}, {"name": "old", "type": "json"}],
			"stack": [{"type": "db.add", "table": "peeks", "data": {"action": "input.action",
				"new_keys": "input.new == nil ? '-' : join(sort(keys(input.new)), ',')", "old_keys": "input.old == nil ? '-' : join(sort(keys(input.old)), ',')"}}]}`,
		`{"kind": "function", "name": "vault_churn", "stack": [
			{"type": "db.add", "table": "vault", "data": {"name": "'a'", "secret": "'s'"}, "as": "v"},
			{"type": "db.patch", "table": "vault", "id": "v.id", "data": {"secret": "'t'"}},
			{"type": "db.bulk", "table": "vault", "op": "patch", "items": "[{id: v.id, secret: 'u'}]"},
			{"type": "db.delete", "table": "vault", "id": "v.id"}
		]}`,
	}
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		n := withTables(t, st, durable.Options{}, defs...)
		if _, err := n.eng.Run(context.Background(), "vault_churn", nil, engine.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		q := `SELECT action, new_keys, old_keys FROM peeks ORDER BY id`
		waitFor(t, 10*time.Second, func() bool { return len(rows(t, st, q)) >= 4 })
		got := strings.Join(rows(t, st, q), "; ")
		const rec = "created_at,id,name,updated_at"
		for want, count := range map[string]int{"insert " + rec + " -": 1, "update " + rec + " " + rec: 2, "delete - " + rec: 1} {
			if strings.Count(got, want) != count {
				t.Errorf("trigger records %q: want %q %d times", got, want, count)
			}
		}
	})
}
