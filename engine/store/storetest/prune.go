package storetest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

func testPrune(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	old := sampleRecord(engine.NewID())
	old.CreatedAt = time.Now().Add(-30 * 24 * time.Hour)
	oldRunning := sampleRecord(engine.NewID())
	oldRunning.CreatedAt, oldRunning.Status = old.CreatedAt, engine.StatusRunning
	fresh := sampleRecord(engine.NewID())
	for _, r := range []*engine.ExecutionRecord{old, oldRunning, fresh} {
		if err := es.Save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := es.ClaimIdempotencyKey(ctx(), "f", "gone", "fp", "x", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// API keys' links: to the old record (pruned with it), to the kept one, and an old link whose record is kept
	for _, id := range []string{old.ID, fresh.ID, oldRunning.ID} {
		if err := s.OwnExecution(ctx(), id, "key1"); err != nil {
			t.Fatal(err)
		}
	}
	// durable runs counted for an old root and a new one
	tx, err := s.SQL().BeginTx(ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{old.ID, fresh.ID} {
		if n, err := s.CountDescendantsIn(ctx(), tx, root, 2); err != nil || n != 2 {
			t.Fatalf("counting the durable runs of %s: %d %v", root, n, err)
		}
	}
	if n, err := s.CountDescendantsIn(ctx(), tx, fresh.ID, 3); err != nil || n != 5 {
		t.Fatalf("counting on: %d %v, want 5", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	at := any(store.FormatTime(old.CreatedAt))
	backdate := []string{"UPDATE funcstack_api_key_executions SET created_at = ? WHERE execution_id IN (?, ?)", "UPDATE funcstack_durable_roots SET created_at = ? WHERE root IN (?, ?)"}
	if s.Dialect() == store.DialectPostgres {
		at = old.CreatedAt
		for i := range backdate {
			backdate[i] = strings.NewReplacer("= ?", "= $1", "(?, ?)", "($2, $3)").Replace(backdate[i])
		}
	}
	for _, q := range backdate {
		if _, err := s.SQL().ExecContext(ctx(), q, at, old.ID, oldRunning.ID); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	n, err := es.Prune(ctx())
	if err != nil || n != 1 {
		t.Fatalf("prune deleted %d, %v; want 1", n, err)
	}
	if _, err := es.Get(ctx(), old.ID); !errors.Is(err, engine.ErrNoExecution) {
		t.Errorf("old record kept: %v", err)
	}
	for _, r := range []*engine.ExecutionRecord{oldRunning, fresh} {
		if _, err := es.Get(ctx(), r.ID); err != nil {
			t.Errorf("record %s (%s) pruned: %v", r.ID, r.Status, err)
		}
	}
	var keys int
	if err := s.SQL().QueryRowContext(ctx(), "SELECT count(*) FROM funcstack_idempotency_keys").Scan(&keys); err != nil || keys != 0 {
		t.Errorf("expired idempotency keys left: %d %v", keys, err)
	}
	var roots []string
	rows, err := s.SQL().QueryContext(ctx(), "SELECT root FROM funcstack_durable_roots")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		roots = append(roots, r)
	}
	rows.Close()
	if len(roots) != 1 || roots[0] != fresh.ID {
		t.Errorf("durable roots after pruning: %v, want only %s", roots, fresh.ID)
	}
	for id, want := range map[string]string{old.ID: "", fresh.ID: "key1", oldRunning.ID: "key1"} {
		if got, err := s.ExecutionOwner(ctx(), id); err != nil || got != want {
			t.Errorf("the API key of execution %s after pruning: %q %v, want %q", id, got, err, want)
		}
	}
}

// testPruneKeeps: a definition's history.keep replaces the retention
// (7 days) for its records, shorter or longer; the others keep it.
func testPruneKeeps(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	es.SetKeeps(map[string]time.Duration{"short": 12 * time.Hour, "long": 30 * 24 * time.Hour, "o'quote": time.Hour})
	ids := map[string]string{}
	add := func(fn string, age time.Duration) {
		r := sampleRecord(engine.NewID())
		r.Function, r.CreatedAt, r.Status = fn, time.Now().Add(-age), engine.StatusSucceeded
		ids[r.ID] = fmt.Sprintf("%s %s", fn, age)
		if err := es.Save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	for _, fn := range []string{"short", "long", "plain", "o'quote"} {
		for _, age := range []time.Duration{30 * time.Minute, 2 * time.Hour, 13 * time.Hour, 8 * 24 * time.Hour, 31 * 24 * time.Hour} {
			add(fn, age)
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	n, err := es.Prune(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for id, what := range ids {
		if _, err := es.Get(ctx(), id); err == nil {
			left = append(left, what)
		} else if !errors.Is(err, engine.ErrNoExecution) {
			t.Fatal(err)
		}
	}
	sort.Strings(left)
	want := "long 13h0m0s, long 192h0m0s, long 2h0m0s, long 30m0s, o'quote 30m0s, plain 13h0m0s, plain 2h0m0s, plain 30m0s, short 2h0m0s, short 30m0s"
	if got := strings.Join(left, ", "); got != want || n != 10 {
		t.Errorf("pruned %d; left\n %s\nwant\n %s", n, got, want)
	}
}
