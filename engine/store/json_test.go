package store

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// TestAppendJSON: the direct encoder writes what encoding/json writes,
// for the values records hold and for the ones it leaves to encoding/json.
func TestAppendJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", `quo"te`, `back\slash`, "tab\tnl\n", "é ünïcode ☃", "<html>&", "\u2028", "bad \xff utf8",
		0, -42, int64(1) << 60, 1.5, math.Copysign(0, -1), 1e-7, 1e21, 123456789.125, 1e300, 3.0,
		json.Number("12.50"), map[string]any(nil), map[string]any{}, []any(nil), []any{},
		map[string]any{"b": 1, "a": []any{"x", 2.5, nil, map[string]any{"z": true, "y": "w"}}, "": "empty", "é": 1},
		[]string{"typed"}, map[string]int{"k": 1}, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		&engine.Error{Code: "x", Message: "m"}, []engine.LogEntry{{Path: "p", Value: "v"}},
	}
	for _, v := range values {
		want, werr := EncodeJSON(v)
		got, gerr := AppendJSON([]byte("prefix"), v)
		if (werr == nil) != (gerr == nil) || werr == nil && string(got) != "prefix"+string(want) {
			t.Errorf("%#v: got %s (%v), want prefix%s (%v)", v, got, gerr, want, werr)
		}
	}
	// What JSON or a backend cannot hold is kept as text in a record.
	for _, c := range []struct {
		v    any
		want string
	}{
		{math.NaN(), `"NaN"`}, {math.Inf(1), `"+Inf"`}, {map[string]any{"a": math.Inf(-1)}, `{"a":"-Inf"}`},
		{[]any{json.Number("1e999999"), json.Number("1e-999999"), json.Number("2")}, `["1e999999","1e-999999",2]`},
		{[]engine.LogEntry{{Path: "p", Value: math.NaN()}}, `[{"time":"0001-01-01T00:00:00Z","path":"p","value":"NaN"}]`},
	} {
		if _, err := AppendJSON(nil, c.v); err == nil {
			t.Errorf("%v: no error", c.v)
		}
		if got := string(recordJSON(nil, c.v)); got != c.want {
			t.Errorf("%v: recordJSON wrote %s, want %s", c.v, got, c.want)
		}
	}
	if got := string(recordJSON(nil, map[string]any{"a\x00": "b\x00"})); got != `{"a�":"b�"}` {
		t.Errorf("NUL: %s", got)
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{time.Now(), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 0, 1, 2, 3000, time.Local)} {
		if got, want := string(appendTime(nil, tm)), FormatTime(tm); got != want {
			t.Errorf("%v: got %s, want %s", tm, got, want)
		}
	}
	var c timeCache // one cache across times in and out of the same second
	base := time.Date(2026, 11, 24, 0, 1, 2, 0, time.UTC)
	for _, tm := range []time.Time{base, base.Add(999 * time.Microsecond), base.Add(time.Second), base.Add(-time.Nanosecond),
		time.Unix(0, 0), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), base.Add(500 * time.Millisecond), base.In(time.FixedZone("y", -7200))} {
		if got, want := string(c.append(nil, tm)), FormatTime(tm); got != want {
			t.Errorf("cached %v: got %s, want %s", tm, got, want)
		}
	}
}

// TestSQLiteRecordLiterals: texts that SQL literals must escape (quotes)
// or cannot hold (NUL) come back as they were saved (a NUL in a text
// column as U+FFFD, the same on both backends).
func TestSQLiteRecordLiterals(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	recs := []*engine.ExecutionRecord{
		{ID: "it's", Function: "f'; DROP TABLE funcstack_executions; --", Status: engine.StatusSucceeded, Mode: engine.ModeSync,
			Input: map[string]any{"q": "it's \"x\""}, Output: "o'k", IdempotencyKey: "k\x00ey", CreatedAt: now, StartedAt: now},
		{ID: "plain", Function: "f", Status: engine.StatusFailed, Error: &engine.Error{Code: "c", Message: "it's bad"}, CreatedAt: now, FinishedAt: now},
	}
	if err := s.execs.WriteIn(ctx, s.db, recs...); err != nil {
		t.Fatal(err)
	}
	got, err := s.execs.Get(ctx, "it's")
	if err != nil {
		t.Fatal(err)
	}
	if got.Function != recs[0].Function || got.IdempotencyKey != "k\uFFFDey" || got.Output != "o'k" || got.Input.(map[string]any)["q"] != `it's "x"` ||
		!got.CreatedAt.Equal(now) || !got.StartedAt.Equal(now) || !got.FinishedAt.IsZero() {
		t.Errorf("got %+v", got)
	}
	got, err = s.execs.Get(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	if got.Error == nil || got.Error.Message != "it's bad" || got.Input != nil || got.Output != nil || !got.StartedAt.IsZero() || !got.FinishedAt.Equal(now) {
		t.Errorf("got %+v", got)
	}
}

// TestSQLiteLargeBatch: a batch larger than SQLite's compound-select limit
// (500) is written whole, and rewriting it replaces every record.
func TestSQLiteLargeBatch(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), BatchSize: 5000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	recs := make([]*engine.ExecutionRecord, 1200)
	for i := range recs {
		recs[i] = &engine.ExecutionRecord{ID: engine.NewID(), Function: "f", Status: engine.StatusRunning, Input: map[string]any{"i": i}}
	}
	for _, st := range []string{engine.StatusRunning, engine.StatusSucceeded} {
		for _, r := range recs {
			r.Status = st
		}
		if err := s.execs.write(ctx, nil, recs); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM funcstack_executions WHERE status = 'succeeded'`).Scan(&n); err != nil || n != 1200 {
		t.Fatalf("%d records succeeded (%v), want 1200", n, err)
	}
}
