package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// testHistory: what the builder's request history reads. A record's
// origin (version, drafts, an endpoint's request) comes back whole, and
// List finds records by ID or its beginning, by time and by status, and
// leaves the admin API's own runs out unless asked.
func testHistory(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	base := time.Now().UTC().Truncate(time.Microsecond).Add(-time.Hour)
	rec := func(fn, mode, status string, minutes int) *engine.ExecutionRecord {
		at := base.Add(time.Duration(minutes) * time.Minute)
		return &engine.ExecutionRecord{ID: engine.NewID(), Function: fn, Mode: mode, Status: status, Attempts: 1,
			CreatedAt: at, StartedAt: at, FinishedAt: at.Add(time.Millisecond)}
	}
	ep := rec("get_order", engine.ModeSync, engine.StatusFailed, 10)
	ep.Version = 4
	ep.Request = &engine.RequestInfo{Method: "GET", Path: "/api/orders/7", Status: 404, Headers: map[string]string{
		"authorization": "Bearer [redacted]", "user-agent": "curl/8.5.0", "x-note": `it's "quoted" \ 'x' ✓`}}
	draft := rec("get_order", engine.ModeSync, engine.StatusSucceeded, 20)
	draft.Version, draft.Draft = 5, true
	plain := rec("other", engine.ModeAsync, engine.StatusSucceeded, 30)
	internal := rec("admin_records_add", engine.ModeInternal, engine.StatusSucceeded, 40)
	for i, r := range []*engine.ExecutionRecord{ep, draft, plain, internal} {
		save := es.Save
		if i%2 == 1 {
			save = es.Keep // the engine's own sync runs; PostgreSQL writes these another way
		}
		if err := save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	got, err := es.Get(ctx(), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":4,"request":{"method":"GET","path":"/api/orders/7","status":404,` +
		`"headers":{"authorization":"Bearer [redacted]","user-agent":"curl/8.5.0","x-note":"it's \"quoted\" \\ 'x' ✓"}}}`
	if g := originJSON(got); g != want {
		t.Errorf("an endpoint's origin\n got %s\nwant %s", g, want)
	}
	got, err = es.Get(ctx(), draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g := originJSON(got); g != `{"version":5,"draft":true}` {
		t.Errorf("a draft run's origin: %s", g)
	}
	got, err = es.Get(ctx(), plain.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g := originJSON(got); g != `{}` {
		t.Errorf("a record without an origin: %s", g)
	}

	names := map[string]string{ep.ID: "endpoint", draft.ID: "draft", plain.ID: "plain", internal.ID: "internal"}
	for _, c := range []struct {
		name string
		o    store.ListOptions
		want string
	}{
		{"all but the admin API's own runs, newest first", store.ListOptions{}, "plain draft endpoint"},
		{"the admin API's own runs too", store.ListOptions{Filter: store.Filter{Internal: true}}, "internal plain draft endpoint"},
		{"one by its ID", store.ListOptions{Filter: store.Filter{ID: draft.ID}}, "draft"},
		{"by the beginning of its ID", store.ListOptions{Filter: store.Filter{ID: ep.ID[:30]}}, "endpoint"},
		{"an ID nobody has", store.ListOptions{Filter: store.Filter{ID: "00000000-0000"}}, ""},
		{"from a time on", store.ListOptions{Filter: store.Filter{From: base.Add(20 * time.Minute)}}, "plain draft"},
		{"before a time", store.ListOptions{Filter: store.Filter{To: base.Add(20 * time.Minute)}}, "endpoint"},
		{"in a range", store.ListOptions{Filter: store.Filter{From: base.Add(15 * time.Minute), To: base.Add(35 * time.Minute)}}, "plain draft"},
		{"a range and a function", store.ListOptions{Function: "get_order", Filter: store.Filter{From: base, To: base.Add(time.Hour)}}, "draft endpoint"},
		{"a status and an internal one", store.ListOptions{Status: engine.StatusSucceeded, Filter: store.Filter{Internal: true}}, "internal plain draft"},
		{"failed", store.ListOptions{Status: engine.StatusFailed}, "endpoint"},
	} {
		list, err := es.List(ctx(), c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, r := range list {
			got = append(got, names[r.ID])
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: got %q, want %q", c.name, g, c.want)
		}
	}
}

func originJSON(r *engine.ExecutionRecord) string {
	b, _ := json.Marshal(struct {
		Version int                 `json:"version,omitempty"`
		Draft   bool                `json:"draft,omitempty"`
		Request *engine.RequestInfo `json:"request,omitempty"`
	}{r.Version, r.Draft, r.Request})
	return string(b)
}

// testMigrateOrigin migrates an executions table made before records kept
// their origin and their node: it gains the columns, its records read as
// before (no origin, no node), and new ones keep theirs.
func testMigrateOrigin(t *testing.T, s *store.Store) {
	jsonType, timeType := "TEXT", "TEXT"
	if s.Dialect() == store.DialectPostgres {
		jsonType, timeType = "JSONB", "TIMESTAMPTZ"
	}
	mustExec(t, s, `DROP TABLE funcstack_executions`)
	mustExec(t, s, `CREATE TABLE funcstack_executions (
		id TEXT PRIMARY KEY, "function" TEXT NOT NULL, mode TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
		parent TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, idempotency_key TEXT NOT NULL DEFAULT '',
		input `+jsonType+`, output `+jsonType+`, error `+jsonType+`, trace `+jsonType+`, logs `+jsonType+`,
		created_at `+timeType+` NOT NULL, started_at `+timeType+`, finished_at `+timeType+`, updated_at `+timeType+` NOT NULL)`)
	old := engine.NewID()
	var now any = time.Now().UTC()
	if s.Dialect() == store.DialectSQLite {
		now = store.FormatTime(time.Now())
	}
	mustExec(t, s, `INSERT INTO funcstack_executions (id, "function", mode, status, output, created_at, updated_at) VALUES (`+
		ph(s, 1)+`, 'f', 'sync', 'succeeded', '42', `+ph(s, 2)+`, `+ph(s, 3)+`)`, old, now, now)
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx()); err != nil {
			t.Fatalf("migrate #%d of an old executions table: %v", i+1, err)
		}
	}
	if cols := strings.Join(columns(t, s, "funcstack_executions"), ","); !strings.HasSuffix(cols, ",origin,node") {
		t.Fatalf("columns after migration: %s", cols)
	}
	es := s.ExecutionRecords()
	got, err := es.Get(ctx(), old)
	if err != nil || got.Output != 42 || originJSON(got) != `{}` || got.Node != "" {
		t.Fatalf("an old record after migration: %+v %v", got, err)
	}
	r := &engine.ExecutionRecord{ID: engine.NewID(), Function: "f", Mode: engine.ModeSync, Status: engine.StatusSucceeded,
		CreatedAt: time.Now(), Version: 2, Request: &engine.RequestInfo{Method: "POST", Path: "/api/f", Status: 201}, Node: "n/1"}
	if err := es.Save(ctx(), r); err != nil {
		t.Fatal(err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	got, err = es.Get(ctx(), r.ID)
	if want := `{"version":2,"request":{"method":"POST","path":"/api/f","status":201}}`; err != nil || originJSON(got) != want || got.Node != "n/1" {
		t.Errorf("a new record after migration: %s %v, want %s", originJSON(got), err, want)
	}
	list, err := es.List(ctx(), store.ListOptions{Function: "f"})
	if err != nil || len(list) != 2 {
		t.Errorf("both listed: %d %v", len(list), err)
	}
}

// testNotes: a version's note is set, replaced and cleared; an unknown
// version or a note too long is refused, saying why.
func testNotes(t *testing.T, s *store.Store) {
	d := parse(t, `{"kind": "function", "name": "noted", "stack": [], "response": "1"}`)
	if _, _, err := s.SaveDefinition(ctx(), d); err != nil {
		t.Fatal(err)
	}
	notes := func() string {
		h, err := s.History(ctx(), "noted")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range h {
			out = append(out, v.Note)
		}
		return strings.Join(out, "|")
	}
	for _, n := range []string{"first cut: returns 1", "it's \"quoted\"", ""} {
		if err := s.SetNote(ctx(), "noted", 1, n); err != nil {
			t.Fatal(err)
		}
		if got := notes(); got != n {
			t.Errorf("note %q reads back as %q", n, got)
		}
	}
	wantErr(t, s.SetNote(ctx(), "noted", 7, "x"), "noting definition noted: it has no version 7; see its history")
	wantErr(t, s.SetNote(ctx(), "noted", 1, strings.Repeat("é", 201)), "the note of noted version 1 has 201 characters; keep it to 200")
}
