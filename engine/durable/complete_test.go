package durable_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
)

// jobState is the River state of the job of execution id.
func jobState(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	q := `SELECT state FROM river_job WHERE args->>'id' = $1`
	if st.Dialect() == store.DialectSQLite {
		q = `SELECT state FROM river_job WHERE json_extract(args, '$.id') = ?`
	}
	var s string
	if err := st.SQL().QueryRow(q, id).Scan(&s); err != nil {
		t.Fatalf("the job of %s: %v", id, err)
	}
	return s
}

// TestEndedRunsAreNotRunAgain: a job River runs again (after a crash, or
// a node's loss) whose record an earlier attempt made final is not run a
// second time: completed when it had succeeded, cancelled when it had
// failed, its record left as it was; a job whose record had not ended
// runs.
func TestEndedRunsAreNotRunAgain(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		ctx := context.Background()
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
		defer srv.Close()
		eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
		defer eng.Close()
		eng.Load(enginetest.Compile(t, `{"kind": "function", "name": "ping", "input": [{"name": "url", "type": "text"}],
			"stack": [{"type": "http", "method": "GET", "url": "input.url", "as": "r"}], "response": "'pinged'"}`))
		r, err := durable.New(ctx, st, eng, durable.Options{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		eng.SetDurable(r)
		n := &node{eng: eng, r: r, st: st}
		in := map[string]any{"url": srv.URL}
		done, failed, open := enqueue(t, n, "ping", in, engine.DurableOptions{}), enqueue(t, n, "ping", in, engine.DurableOptions{}), enqueue(t, n, "ping", in, engine.DurableOptions{})
		// What a first attempt left when its node died before River heard
		// of its end.
		now := time.Now().UTC().Truncate(time.Millisecond)
		boom := &engine.Error{Code: "boom", Message: "it broke", ExecutionID: failed}
		ended := []*engine.ExecutionRecord{
			{ID: done, Function: "ping", Mode: engine.ModeDurable, Status: engine.StatusSucceeded, Output: "from the first attempt", Attempts: 1, CreatedAt: now, StartedAt: now, FinishedAt: now},
			{ID: failed, Function: "ping", Mode: engine.ModeDurable, Status: engine.StatusFailed, Error: boom, Attempts: 1, CreatedAt: now, StartedAt: now, FinishedAt: now},
		}
		if err := st.ExecutionRecords().ReplaceIn(ctx, st.SQL(), ended...); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SQL().Exec(`UPDATE river_job SET attempt = 1`); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			r.Stop(sctx)
		}()
		if rec := wait(t, n, open, 10*time.Second); rec.Status != engine.StatusSucceeded || rec.Output != "pinged" || rec.Attempts != 2 {
			t.Errorf("the run that had not ended: %s %v attempts %d %v", rec.Status, rec.Output, rec.Attempts, rec.Error)
		}
		// River completes jobs in batches: wait until all three have left available and running
		waitFor(t, 10*time.Second, func() bool {
			for _, id := range []string{done, failed, open} {
				if s := jobState(t, st, id); s == "available" || s == "running" {
					return false
				}
			}
			return true
		})
		if got := []string{jobState(t, st, done), jobState(t, st, failed), jobState(t, st, open)}; !reflect.DeepEqual(got, []string{"completed", "cancelled", "completed"}) {
			t.Errorf("jobs: %v, want completed, cancelled, completed", got)
		}
		for _, want := range ended {
			got, err := eng.Get(ctx, want.ID)
			if err != nil || got.Status != want.Status || got.Attempts != 1 || !reflect.DeepEqual(got.Output, want.Output) || !reflect.DeepEqual(got.Error, want.Error) {
				t.Errorf("record of %s: %+v %v, want it as the first attempt left it", want.Status, got, err)
			}
		}
		if h := hits.Load(); h != 1 {
			t.Errorf("the function ran %d times, want once (the run that had not ended)", h)
		}
	})
}

// TestSucceededRunEndsInOneTransaction: a succeeded run's record and its
// job's completion are there together; the job is completed by the
// transaction that wrote the record, not later by River.
func TestSucceededRunEndsInOneTransaction(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		n := start(t, st, durable.Options{}, double)
		var ids []string
		for i := 0; i < 50; i++ {
			ids = append(ids, enqueue(t, n, "double", map[string]any{"n": i}, engine.DurableOptions{}))
		}
		for _, id := range ids {
			rec := wait(t, n, id, 20*time.Second)
			// Read at once after the record: River's own completer batches
			// its writes and would lag behind.
			if s := jobState(t, st, id); rec.Status != engine.StatusSucceeded || s != "completed" {
				t.Fatalf("record %s, job %s", rec.Status, s)
			}
		}
	})
}
