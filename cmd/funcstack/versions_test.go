package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// TestVersionCommands walks a table through drafts, a refused publish
// (it would break a published function), a refused destructive change,
// a forced one and a restore, on both backends, without a server.
func TestVersionCommands(t *testing.T) {
	pg := storetest.PostgresURL(t)
	for _, backend := range [][]string{{"--data", t.TempDir()}, {"--database-url", pg}} {
		t.Run(backend[0][2:], func(t *testing.T) {
			testVersionCommands(t, backend)
		})
	}
}

func testVersionCommands(t *testing.T, backend []string) {
	ctx := context.Background()
	c := func(args ...string) (int, string, string) {
		t.Helper()
		return cli(t, append(args, backend...)...)
	}
	src := writeWorkspace(t, map[string]string{
		"things.json": `{"kind": "table", "name": "things", "fields": [{"name": "label", "type": "text"}]}`,
		"list_things.json": `{"kind": "function", "name": "list_things", "stack": [
			{"type": "db.query", "table": "things", "where": "things.label == 'a'", "as": "rows"}], "response": "rows"}`,
	})
	if code, out, errOut := c("import", "--workspace", src); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	opt := store.Options{DataDir: backend[1]}
	if backend[0] == "--database-url" {
		opt = store.Options{DatabaseURL: backend[1]}
	}
	save := func(js string) {
		t.Helper()
		st, err := store.Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var diags engine.Diagnostics
		d := engine.ParseDefinition("draft.json", []byte(js), &diags)
		if diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		if _, _, err := st.SaveDefinition(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// A draft of things without label: the published list_things reads it.
	save(`{"kind": "table", "name": "things", "fields": [{"name": "n", "type": "int"}]}`)

	code, out, errOut := c("versions", "things")
	if code != 0 || !regexp.MustCompile(`(?s)VERSION.*\n2 .*\n1 .*published 20`).MatchString(out) || strings.Contains(strings.Split(out, "\n")[1], "published") {
		t.Fatalf("versions: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = c("show", "things")
	if code != 0 || !strings.Contains(out, `"name": "n"`) || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("show newest: exit %d\n%s", code, out)
	}
	code, out, _ = c("show", "things", "--version", "1")
	if code != 0 || !strings.Contains(out, `"name": "label"`) {
		t.Fatalf("show --version 1: exit %d\n%s", code, out)
	}

	// Publishing the draft would break list_things: refused with its path.
	code, out, errOut = c("publish", "things")
	if code != 1 || !strings.Contains(errOut, "error: list_things: stack[0].where:") || !strings.Contains(errOut, "label") ||
		!strings.Contains(errOut, "publishing things version 2 would break the published workspace") {
		t.Fatalf("publish breaking: exit %d\n%s%s", code, out, errOut)
	}
	if _, out, _ = c("versions", "things"); !regexp.MustCompile(`\n1 .*published`).MatchString(out) {
		t.Fatalf("after a refused publish, version 1 stays published:\n%s", out)
	}

	// Once list_things no longer reads label, the change is only refused
	// for dropping the column, until forced.
	save(`{"kind": "function", "name": "list_things", "stack": [{"type": "db.query", "table": "things", "as": "rows"}], "response": "rows"}`)
	if code, out, errOut = c("publish", "list_things"); code != 0 || !strings.Contains(out, "published list_things version 2") {
		t.Fatalf("publish list_things: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = c("publish", "things", "--version", "2")
	if code != 1 || !strings.Contains(errOut, "column label (text) was removed") || !strings.Contains(errOut, "nothing was published") {
		t.Fatalf("publish destructive: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = c("publish", "things", "--force"); code != 0 || !strings.Contains(out, "published things version 2") {
		t.Fatalf("publish --force: exit %d\n%s%s", code, out, errOut)
	}
	st, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SQL().Exec(`INSERT INTO things (n) VALUES (7)`); err != nil {
		t.Errorf("the table has column n after the publish: %v", err)
	}
	st.Close()

	// Restore makes version 1's content the newest draft.
	code, out, errOut = c("restore", "things", "--version", "1")
	if code != 0 || !strings.Contains(out, "things version 3 now has the content of version 1") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = c("versions", "things")
	if code != 0 || !regexp.MustCompile(`\n3 .*restored from version 1\n2 .*published`).MatchString(out) {
		t.Fatalf("versions after restore:\n%s", out)
	}

	// A function calling a draft that was never published: refused in
	// words, then published with it.
	save(`{"kind": "function", "name": "helper", "response": "1"}`)
	save(`{"kind": "function", "name": "uses_helper", "stack": [{"type": "call", "function": "helper", "as": "h"}], "response": "h"}`)
	code, out, errOut = c("publish", "uses_helper")
	if want := "funcstack publish: uses_helper cannot be published alone: uses_helper calls helper, which has never been published; publish it with uses_helper; nothing was published (funcstack publish uses_helper --with-dependencies)\n"; code != 1 || errOut != want {
		t.Fatalf("publish with a draft dependency: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	code, out, errOut = c("publish", "uses_helper", "--with-dependencies")
	if want := "published helper version 1 with it: uses_helper calls helper, which has never been published\npublished uses_helper version 1 in "; code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("publish --with-dependencies: exit %d\n%s%s\nwant it to start with\n%s", code, out, errOut, want)
	}

	// Mistakes get a clear answer.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"show", "thing"}, 1, `no definition named "thing"`},
		{[]string{"show", "thing"}, 1, `did you mean "things"?`},
		{[]string{"publish", "things", "--version", "9"}, 1, "definition things has no version 9 (newest: 3)"},
		{[]string{"restore", "things"}, 2, "say which version to restore with --version N"},
		{[]string{"show", "things", "--version", "-1"}, 2, "versions are numbered from 1"},
		{[]string{"versions"}, 2, "give the definition's name"},
	} {
		code, out, errOut := c(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d (want %d)\n%s%s\nwant %q", tc.args, code, tc.code, out, errOut, tc.want)
		}
	}
}
