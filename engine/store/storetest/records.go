package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

func sampleRecord(id string) *engine.ExecutionRecord {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &engine.ExecutionRecord{ID: id, Function: "f", Mode: engine.ModeAsync, Status: engine.StatusFailed,
		Input:  map[string]any{"n": 3, "s": "<&>", "list": []any{1, 2.5, "x", nil, true}},
		Output: map[string]any{"big": 1 << 60, "nested": map[string]any{"k": []any{}}},
		Error:  &engine.Error{Code: "boom", Message: "it broke", Status: 502, Definition: "f", Path: "stack[0]", ExecutionID: id},
		Parent: "parent-1", Attempts: 2, IdempotencyKey: "k1",
		CreatedAt: now.Add(-time.Second), StartedAt: now.Add(-time.Millisecond), FinishedAt: now,
		Trace: []engine.TraceEntry{{Path: "stack[0]", Type: "var", Definition: "f", StartNs: 1, DurationNs: 2, Result: 7}},
		Logs:  []engine.LogEntry{{Time: now, Path: "stack[1]", Value: map[string]any{"a": "b\x00c"}}}}
}

// hostile are texts a client may send as input, chosen to break a store
// that writes records carelessly: quotes, comments, statement ends,
// backslashes, escapes of either backend, unicode, invalid UTF-8, long.
var hostile = []string{
	`'`, `''`, `\'`, `\`, `"`, "`", `'); DROP TABLE funcstack_executions; --`, `' OR '1'='1`,
	"-- comment", "/* open comment", "$1", "?", "%s", "\x00", "e'\\x41'", `\u0000`, "line\nbreak\r\t",
	"Ünïcødé ✓ 𝔘 🙂", "\u2028\u2029", "\xff\xfe invalid UTF-8 \xc3\x28", strings.Repeat("'", 10000),
	strings.Repeat("x", 200000),
}

// testHostileRecords: every hostile text, as input, output, log value,
// error message and idempotency key, comes back as it went in (invalid
// UTF-8 as U+FFFD, as encoding/json writes it), in batches of one and of
// many, and the table is still there.
func testHostileRecords(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	ids := make([]string, len(hostile))
	for i, h := range hostile {
		ids[i] = engine.NewID()
		rec := &engine.ExecutionRecord{ID: ids[i], Function: "f", Mode: engine.ModeSync, Status: engine.StatusFailed,
			Input: map[string]any{h: h, "list": []any{h}}, Output: h, IdempotencyKey: h, Parent: h,
			Error:     &engine.Error{Code: "c", Message: h, ExecutionID: ids[i]},
			Logs:      []engine.LogEntry{{Time: time.Now().UTC(), Path: "stack[0]", Value: h}},
			CreatedAt: time.Now().UTC(), StartedAt: time.Now().UTC(), FinishedAt: time.Now().UTC()}
		if err := es.Save(ctx(), rec); err != nil {
			t.Fatal(err)
		}
		if i == 3 { // a batch of a few, then one of the rest
			if err := es.Flush(ctx()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		// What encoding/json makes of h: NUL and invalid UTF-8 are the
		// only changes a store may make.
		b, _ := json.Marshal(h)
		var want string
		_ = json.Unmarshal(b, &want)
		want = strings.ReplaceAll(want, "\x00", "\uFFFD")
		key := strings.ReplaceAll(strings.ToValidUTF8(h, "\uFFFD"), "\x00", "\uFFFD") // text columns
		got, err := es.Get(ctx(), ids[i])
		if err != nil {
			t.Fatalf("hostile text %d: %v", i, err)
		}
		in, _ := got.Input.(map[string]any)
		short := h
		if len(short) > 40 {
			short = short[:40] + "…"
		}
		if got.Output != want || in == nil || in[want] != want || got.Error == nil || got.Error.Message != want ||
			len(got.Logs) != 1 || got.Logs[0].Value != want || got.IdempotencyKey != key || got.Parent != key {
			t.Errorf("hostile text %d (%q) did not come back as it went in: output %q, error %+v", i, short, got.Output, got.Error)
		}
	}
	// Hostile idempotency keys claim and find their execution.
	for i, h := range hostile {
		first, err := es.ClaimIdempotencyKey(ctx(), "f", h, h, ids[i], time.Hour)
		if err != nil || first != ids[i] {
			t.Fatalf("claiming hostile key %d: %q %v", i, first, err)
		}
		again, err := es.ClaimIdempotencyKey(ctx(), "f", h, h, engine.NewID(), time.Hour)
		if err != nil || again != ids[i] {
			t.Errorf("hostile key %d claimed again: %q %v, want %s", i, again, err, ids[i])
		}
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), "SELECT count(*) FROM funcstack_executions").Scan(&n); err != nil || n != len(hostile) {
		t.Errorf("the table holds %d records (%v), want %d", n, err, len(hostile))
	}
}

func testExecRoundTrip(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	id := engine.NewID()
	rec := sampleRecord(id)
	if err := es.Save(ctx(), rec); err != nil {
		t.Fatal(err)
	}
	rec.Status = "mutated after save" // the store must have copied it
	// Still in the batch (the flusher waits FlushInterval).
	got, err := es.Get(ctx(), id)
	if err != nil || got.Status != engine.StatusFailed {
		t.Fatalf("get of a queued record: %+v %v", got, err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	got, err = es.Get(ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRecord(id)
	want.CreatedAt, want.StartedAt, want.FinishedAt = rec.CreatedAt, rec.StartedAt, rec.FinishedAt
	want.Logs[0].Time = rec.Logs[0].Time
	want.Logs[0].Value = map[string]any{"a": "b\uFFFDc"} // NUL cannot be stored
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		t.Errorf("round trip\n got %s\nwant %s", gj, wj)
	}
	if n, ok := got.Input.(map[string]any)["n"].(int); !ok || n != 3 {
		t.Errorf("numbers come back as int: %T", got.Input.(map[string]any)["n"])
	}
	// Update in place.
	rec = sampleRecord(id)
	rec.Status, rec.Error, rec.Output = engine.StatusSucceeded, nil, "done"
	if err := es.Save(ctx(), rec); err != nil {
		t.Fatal(err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	got, err = es.Get(ctx(), id)
	if err != nil || got.Status != engine.StatusSucceeded || got.Error != nil || got.Output != "done" {
		t.Fatalf("updated: %+v %v", got, err)
	}
	if _, err := es.Get(ctx(), "nope"); !errors.Is(err, engine.ErrNoExecution) {
		t.Errorf("unknown id: %v", err)
	}
	list, err := es.List(ctx(), store.ListOptions{Function: "f"})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("list: %v %v", list, err)
	}
}

func testIdempotency(t *testing.T, s *store.Store) {
	es := s.Executions()
	got, err := es.ClaimIdempotencyKey(ctx(), "f", "key", "fp1", "id1", time.Hour)
	if err != nil || got != "id1" {
		t.Fatalf("first claim: %q %v", got, err)
	}
	got, err = es.ClaimIdempotencyKey(ctx(), "f", "key", "fp1", "id2", time.Hour)
	if err != nil || got != "id1" {
		t.Fatalf("second claim with the same input: %q %v", got, err)
	}
	// The same key with another input is refused, naming the key, the
	// function and the first execution.
	got, err = es.ClaimIdempotencyKey(ctx(), "f", "key", "fp2", "id2b", time.Hour)
	e := engine.AsError(err)
	want := `the idempotency key "key" was first used for function f with a different input, by execution id1; ` +
		`a key stays bound to its first input for 1h. Send a new key for a new run, or send the first input again to get execution id1`
	if err == nil || got != "id1" || e.Code != engine.CodeIdempotencyKeyReused || e.HTTPStatus() != 422 || e.ExecutionID != "id1" || e.Message != want {
		t.Fatalf("claim with another input: %q %+v", got, e)
	}
	if got, _ = es.ClaimIdempotencyKey(ctx(), "g", "key", "fp2", "id3", time.Hour); got != "id3" {
		t.Errorf("other scope: %q", got)
	}
	// Expiry frees the key for any input.
	if got, _ = es.ClaimIdempotencyKey(ctx(), "f", "short", "fp1", "id4", 30*time.Millisecond); got != "id4" {
		t.Fatalf("short claim: %q", got)
	}
	time.Sleep(60 * time.Millisecond)
	if got, err = es.ClaimIdempotencyKey(ctx(), "f", "short", "fp2", "id5", time.Hour); got != "id5" || err != nil {
		t.Errorf("claim after expiry: %q %v, want id5", got, err)
	}
	if got, err = es.ClaimIdempotencyKey(ctx(), "f", "short", "fp1", "id6", time.Hour); got != "id5" || err == nil {
		t.Errorf("the claim after expiry keeps its own input: %q %v, want id5 and an error", got, err)
	}
	// Racing claims: exactly one wins.
	var wg sync.WaitGroup
	res := make([]string, 16)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], _ = es.ClaimIdempotencyKey(ctx(), "f", "race", "fp", fmt.Sprint("r", i), time.Hour)
		}()
	}
	wg.Wait()
	for _, r := range res {
		if r != res[0] || r == "" {
			t.Fatalf("racing claims disagree: %v", res)
		}
	}
}

// testMigrateIdempotencyKeys migrates a key table made before input
// fingerprints were kept: it gains the column, and a key claimed then
// keeps giving its execution for any input.
func testMigrateIdempotencyKeys(t *testing.T, s *store.Store) {
	timeType := "TEXT"
	if s.Dialect() == store.DialectPostgres {
		timeType = "TIMESTAMPTZ"
	}
	mustExec(t, s, `DROP TABLE funcstack_idempotency_keys`)
	mustExec(t, s, `CREATE TABLE funcstack_idempotency_keys (
		scope TEXT NOT NULL,
		"key" TEXT NOT NULL,
		execution_id TEXT NOT NULL,
		expires_at `+timeType+` NOT NULL,
		PRIMARY KEY (scope, "key"))`)
	// A key claimed by an older funcstack.
	es := s.Executions()
	var expires any = time.Now().Add(time.Hour).UTC()
	if s.Dialect() == store.DialectSQLite {
		expires = store.FormatTime(time.Now().Add(time.Hour))
	}
	mustExec(t, s, `INSERT INTO funcstack_idempotency_keys (scope, "key", execution_id, expires_at) VALUES (`+
		ph(s, 1)+`, `+ph(s, 2)+`, `+ph(s, 3)+`, `+ph(s, 4)+`)`, "f", "old", "id-old", expires)
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx()); err != nil {
			t.Fatalf("migrate #%d of an old key table: %v", i+1, err)
		}
	}
	if cols := strings.Join(columns(t, s, "funcstack_idempotency_keys"), ","); !strings.Contains(cols, "fingerprint") {
		t.Fatalf("columns after migration: %s", cols)
	}
	for _, fp := range []string{"fp1", "fp2"} {
		if got, err := es.ClaimIdempotencyKey(ctx(), "f", "old", fp, engine.NewID(), time.Hour); err != nil || got != "id-old" {
			t.Errorf("an old key claimed again with input %s: %q %v, want id-old", fp, got, err)
		}
	}
	// New keys keep their input.
	if got, err := es.ClaimIdempotencyKey(ctx(), "f", "new", "fp1", "id-new", time.Hour); err != nil || got != "id-new" {
		t.Fatalf("a new key: %q %v", got, err)
	}
	if _, err := es.ClaimIdempotencyKey(ctx(), "f", "new", "fp2", engine.NewID(), time.Hour); engine.AsError(err).Code != engine.CodeIdempotencyKeyReused {
		t.Errorf("a new key with another input: %v", err)
	}
}

// testNewRecords: records kept as new (Keep: the engine's sync runs,
// which PostgreSQL inserts without ON CONFLICT) end as their last version
// whatever follows them: a version saved while the new one waits in the
// batch, one saved after it is written; and a record kept as new whose ID
// is in the table already (a broken promise) still replaces it, without
// losing the other records of its batch.
func testNewRecords(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	rec := func(id, status string) *engine.ExecutionRecord {
		return &engine.ExecutionRecord{ID: id, Function: "f", Mode: engine.ModeSync, Status: status, CreatedAt: time.Now(), Output: status}
	}
	pendingThenSaved, writtenThenSaved, there, alone := engine.NewID(), engine.NewID(), engine.NewID(), engine.NewID()
	if err := es.Save(ctx(), rec(there, engine.StatusQueued)); err != nil {
		t.Fatal(err)
	}
	if err := es.Keep(ctx(), rec(writtenThenSaved, engine.StatusRunning)); err != nil {
		t.Fatal(err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*engine.ExecutionRecord{rec(pendingThenSaved, engine.StatusRunning), rec(there, engine.StatusSucceeded), rec(alone, engine.StatusSucceeded)} {
		if err := es.Keep(ctx(), k); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*engine.ExecutionRecord{rec(pendingThenSaved, engine.StatusSucceeded), rec(writtenThenSaved, engine.StatusSucceeded)} {
		if err := es.Save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{pendingThenSaved, writtenThenSaved, there, alone} {
		var status, output string
		if err := s.SQL().QueryRowContext(ctx(), "SELECT status, output FROM funcstack_executions WHERE id = "+ph(s, 1), id).Scan(&status, &output); err != nil {
			t.Fatalf("record %s: %v", id, err)
		}
		if status != engine.StatusSucceeded || output != `"succeeded"` {
			t.Errorf("record %s: status %s, output %s; want succeeded", id, status, output)
		}
	}
}

func testConcurrent(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	const goroutines, each = 32, 100
	var wg sync.WaitGroup
	ids := make([][]string, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := engine.NewID()
				ids[g] = append(ids[g], id)
				r := &engine.ExecutionRecord{ID: id, Function: "f", Status: engine.StatusQueued, CreatedAt: time.Now(), Input: map[string]any{"g": g, "i": i}}
				if err := es.Save(ctx(), r); err != nil {
					t.Error(err)
					return
				}
				r2 := *r
				r2.Status, r2.Output = engine.StatusSucceeded, i
				if err := es.Save(ctx(), &r2); err != nil {
					t.Error(err)
					return
				}
				if got, err := es.Get(ctx(), id); err != nil || got.Status != engine.StatusSucceeded {
					t.Errorf("get right after save: %v %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), "SELECT count(*) FROM funcstack_executions WHERE status = 'succeeded'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != goroutines*each {
		t.Errorf("%d succeeded records written, want %d", n, goroutines*each)
	}
	got, err := es.Get(ctx(), ids[3][7])
	if err != nil || got.Output != 7 {
		t.Errorf("a record: %+v %v", got, err)
	}
}
