package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	"github.com/funcstack/funcstack/engine/workspace"
)

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		code, out, errOut := cli(t, "migrate", "--data", dir)
		if code != 0 || !strings.Contains(out, filepath.Join(dir, "funcstack.db")+": system tables and River's tables up to date") {
			t.Fatalf("migrate #%d: exit %d\n%s%s", i+1, code, out, errOut)
		}
	}
	pg := storetest.PostgresURL(t)
	for i := 0; i < 2; i++ {
		code, out, errOut := cli(t, "migrate", "--database-url", pg)
		if code != 0 || !strings.Contains(out, "River's tables up to date") {
			t.Fatalf("migrate PostgreSQL #%d: exit %d\n%s%s", i+1, code, out, errOut)
		}
	}
	for _, db := range []store.Options{{DataDir: dir}, {DatabaseURL: pg}} {
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.SQL().QueryRow("SELECT count(*) FROM river_job").Scan(&n); err != nil {
			t.Errorf("%s: River's job table after migrate: %v", st.Where(), err)
		}
		st.Close()
	}
	code, _, errOut := cli(t, "migrate", "--database-url", "mysql://x")
	if code != 1 || !strings.Contains(errOut, "postgres://") {
		t.Errorf("bad URL: exit %d, %s", code, errOut)
	}
}

func TestImportExport(t *testing.T) {
	data := t.TempDir()
	src := writeWorkspace(t, map[string]string{
		"f.json": `{"kind": "function", "name": "f", "stack": [{"type": "return", "value": "1"}]}`,
		"t.json": `{"kind": "table", "name": "things", "fields": [{"name": "label", "type": "text"}]}`,
	})
	code, out, errOut := cli(t, "import", "--workspace", src, "--data", data)
	if code != 0 || !strings.Contains(out, "imported 2 definitions") || !strings.Contains(out, "2 new version(s), 0 unchanged, 2 published, 1 table(s) synced") {
		t.Fatalf("first import: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "import", "--workspace", src, "--data", data)
	if code != 0 || !strings.Contains(out, "0 new version(s), 2 unchanged, 0 published") {
		t.Fatalf("second import: exit %d\n%s", code, out)
	}
	// A destructive table change is refused, then forced.
	if err := os.WriteFile(filepath.Join(src, "t.json"), []byte(`{"kind": "table", "name": "things", "fields": [{"name": "n", "type": "int"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, "import", "--workspace", src, "--data", data)
	if code != 1 || !strings.Contains(errOut, "table things: column label (text) was removed") {
		t.Fatalf("destructive import: exit %d\n%s", code, errOut)
	}
	code, out, errOut = cli(t, "import", "--workspace", src, "--data", data, "--force")
	if code != 0 || !strings.Contains(out, "1 new version(s), 1 unchanged, 1 published") {
		t.Fatalf("forced import: exit %d\n%s%s", code, out, errOut)
	}

	dst := filepath.Join(t.TempDir(), "out")
	code, out, errOut = cli(t, "export", dst, "--data", data)
	if code != 0 || !strings.Contains(out, "exported 2 definitions") {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dst, "things.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"fields\": [\n    {\n      \"name\": \"n\",\n      \"type\": \"int\"\n    }\n  ],\n  \"kind\": \"table\",\n  \"name\": \"things\"\n}\n"
	if string(b) != want {
		t.Errorf("things.json\n got %s\nwant %s", b, want)
	}
	// The export imports back without changes.
	code, out, _ = cli(t, "import", "--workspace", dst, "--data", data)
	if code != 0 || !strings.Contains(out, "0 new version(s), 2 unchanged") {
		t.Errorf("re-import of the export: exit %d\n%s", code, out)
	}
	if code, _, errOut := cli(t, "export", "--data", data); code != 2 || !strings.Contains(errOut, "give the folder") {
		t.Errorf("export without folder: exit %d %s", code, errOut)
	}
	// A broken workspace is not imported.
	bad := writeWorkspace(t, map[string]string{"a.json": `{"kind": "function", "name": "a", "stack": [`})
	if code, _, errOut := cli(t, "import", "--workspace", bad, "--data", data); code != 1 || !strings.Contains(errOut, "invalid JSON") {
		t.Errorf("broken workspace: exit %d %s", code, errOut)
	}
}

// runBoth runs the same command on SQLite and PostgreSQL and checks both
// give want on stdout.
func runBoth(t *testing.T, want string, args ...string) {
	t.Helper()
	pg := storetest.PostgresURL(t)
	for _, backend := range [][]string{{"--data", t.TempDir()}, {"--database-url", pg}} {
		code, out, errOut := cli(t, append(append([]string{}, args...), backend...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", backend[0], code, errOut)
		}
		if got := strings.TrimSpace(out); got != want {
			t.Errorf("%s: response\n got %s\nwant %s", backend[0], got, want)
		}
	}
}

func TestRunBothBackends(t *testing.T) {
	runBoth(t, `{"lines":[{"price":2,"qty":4,"sku":"apple"},{"price":0.5,"qty":2,"sku":"banana"}],"total":2.5}`,
		"run", "--workspace", ws, "quote_order", "--input", `{"lines": [{"sku": "apple", "qty": 4}, {"sku": "banana", "qty": 2}]}`)
}

func TestRunWithTable(t *testing.T) {
	dir := writeWorkspace(t, map[string]string{
		"notes.json": `{"kind": "table", "name": "notes", "fields": [{"name": "body", "type": "text", "required": true}, {"name": "n", "type": "int"}]}`,
		"add_note.json": `{"kind": "function", "name": "add_note", "input": [{"name": "body", "type": "text"}],
			"stack": [
				{"type": "db.add", "table": "notes", "data": {"body": "input.body", "n": "2"}, "as": "note"},
				{"type": "db.query", "table": "notes", "where": "notes.n == 2", "count": true, "as": "rows"}],
			"response": "{body: note.body, id: note.id, total: rows.total}"}`,
	})
	runBoth(t, `{"body":"hi","id":1,"total":1}`, "run", "--workspace", dir, "add_note", "--input", `{"body": "hi"}`)
}

// The example shop's stock functions give the same answers, run after run,
// on both backends.
func TestWorkflowsStock(t *testing.T) {
	steps := []workflowStep{
		{"restock", `{"sku": "apple", "name": "Apple", "price": 0.5, "qty": 3}`, `{"sku":"apple","stock":3}`},
		{"restock", `{"sku": "pear", "name": "Pear", "qty": 10}`, `{"sku":"pear","stock":10}`},
		{"restock", `{"sku": "apple", "qty": 1}`, `{"sku":"apple","stock":4}`},
		{"low_stock", `{}`, `{"items":[{"sku":"apple","stock":4}],"total":1}`},
		{"low_stock", `{"below": 100}`, `{"items":[{"sku":"apple","stock":4},{"sku":"pear","stock":10}],"total":2}`},
		{"stock_report", `{}`, `1`}, // the hourly task, run by hand
		// The product table's trigger function, given what a trigger passes.
		{"stock_watch", `{"table": "product", "action": "update", "new": {"sku": "pear", "stock": 0}, "old": {"sku": "pear", "stock": 10}}`,
			`{"after":0,"before":10,"sku":"pear"}`},
	}
	pg := storetest.PostgresURL(t)
	for _, backend := range [][]string{{"--data", t.TempDir()}, {"--database-url", pg}} {
		runSteps(t, backend, steps)
		code, _, errOut := cli(t, append([]string{"run", "--workspace", ws, "restock", "--input", `{"sku": "kiwi", "qty": 1}`}, backend...)...)
		if code != 1 || !strings.Contains(errOut, `"message":"a new product needs a name","status":400,"definition":"restock","path":"stack[0].steps[1].then[0]"`) {
			t.Errorf("%v: a new product without a name: exit %d, %s", backend[0], code, errOut)
		}
	}
}

// The example shop's order: stock taken in one transaction, lines priced in
// parallel, all or nothing, the same on both backends.
func TestWorkflowsOrder(t *testing.T) {
	steps := []workflowStep{
		{"restock", `{"sku": "apple", "name": "Apple", "price": 0.5, "qty": 30}`, `{"sku":"apple","stock":30}`},
		{"restock", `{"sku": "pear", "name": "Pear", "price": 1.25, "qty": 5}`, `{"sku":"pear","stock":5}`},
		// No user_id: order.user_id is a ref to user, and this database
		// has no users (the endpoints add them; see api's TestShop).
		{"place_order", `{"lines": [{"sku": "apple", "qty": 12}, {"sku": "pear", "qty": 2}]}`,
			`{"id":1,"lines":[{"amount":5.4,"qty":12,"sku":"apple"},{"amount":2.5,"qty":2,"sku":"pear"}],"status":"placed","total":7.9}`},
		{"low_stock", `{"below": 100}`, `{"items":[{"sku":"pear","stock":3},{"sku":"apple","stock":18}],"total":2}`},
	}
	pg := storetest.PostgresURL(t)
	for _, backend := range [][]string{{"--data", t.TempDir()}, {"--database-url", pg}} {
		runSteps(t, backend, steps)
		// Short of pears: nothing is taken, not even the apple.
		code, _, errOut := cli(t, append([]string{"run", "--workspace", ws, "place_order", "--input",
			`{"lines": [{"sku": "apple", "qty": 1}, {"sku": "pear", "qty": 9}]}`}, backend...)...)
		if code != 1 || !strings.Contains(errOut, `"code":"out_of_stock","message":"only 3 of pear left","status":409,"definition":"place_order","path":"stack[3].steps[0].steps[2]"`) {
			t.Errorf("%v: short order: exit %d, %s", backend[0], code, errOut)
		}
		code, out, _ := cli(t, append([]string{"run", "--workspace", ws, "low_stock", "--input", `{"below": 100}`}, backend...)...)
		if want := `{"items":[{"sku":"pear","stock":3},{"sku":"apple","stock":18}],"total":2}`; code != 0 || strings.TrimSpace(out) != want {
			t.Errorf("%v: after the refused order: %s, want %s", backend[0], strings.TrimSpace(out), want)
		}
	}
}

// workflowStep is one run of an example function and its whole response.
type workflowStep struct{ name, input, want string }

// runSteps runs steps in order on one backend, stopping at the first wrong
// response.
func runSteps(t *testing.T, backend []string, steps []workflowStep) {
	t.Helper()
	for _, st := range steps {
		code, out, errOut := cli(t, append([]string{"run", "--workspace", ws, st.name, "--input", st.input}, backend...)...)
		if code != 0 || strings.TrimSpace(out) != st.want {
			t.Fatalf("%v %s %s: exit %d\n got %s\nwant %s\n%s", backend[0], st.name, st.input, code, strings.TrimSpace(out), st.want, errOut)
		}
	}
}

// TestServeKeepsAdminEdits restarts serve over a definition edited in the
// admin API: unchanged files leave the edit alone, a changed file is
// refused naming it, and --force imports it.
func TestServeKeepsAdminEdits(t *testing.T) {
	data := t.TempDir()
	ws := writeWorkspace(t, map[string]string{
		"greet.json": `{"kind": "function", "name": "greet", "stack": [], "response": "'hello'"}`,
	})
	start := func(args ...string) (int, string, string) {
		t.Helper()
		return cli(t, append([]string{"run", "--workspace", ws, "--data", data, "greet"}, args...)...)
	}
	if code, out, errOut := start(); code != 0 || !strings.Contains(out, `"hello"`) {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	// an edit in the admin API, as the builder makes it
	st, err := store.Open(context.Background(), store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workspace.New(st, workspace.Options{}).Save(context.Background(), enginetest.Parse(t, `{"kind": "function", "name": "greet", "stack": [], "response": "'edited'"}`), true); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// a restart over unchanged files keeps the edit
	if code, _, errOut := start(); code != 0 {
		t.Fatalf("run over unchanged files: exit %d\n%s", code, errOut)
	}
	st, err = store.Open(context.Background(), store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.GetPublished(context.Background(), "greet")
	st.Close()
	if err != nil || d.Response != "'edited'" {
		t.Fatalf("greet after a restart over unchanged files: %v %v", d, err)
	}
	if err := os.WriteFile(filepath.Join(ws, "greet.json"), []byte(`{"kind": "function", "name": "greet", "stack": [], "response": "'hello again'"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "serve", "--workspace", ws, "--data", data, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "1 definition(s) whose files changed were also edited in the admin API since the workspace was last imported: greet (version 2 of ") ||
		!strings.Contains(errOut, "to replace them with the files, run again with --force") {
		t.Fatalf("serve over an admin edit with a changed file: exit %d\n%s", code, errOut)
	}
	if code, out, errOut := start("--force"); code != 0 || !strings.Contains(out, `"hello again"`) {
		t.Fatalf("run --force: exit %d\n%s%s", code, out, errOut)
	}
}
