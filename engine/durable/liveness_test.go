package durable_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
)

// ghost is what a node that died with work in flight leaves in the
// database: durable jobs River's attempted_by says it runs, records of
// runs it held in memory, River's leadership, a heartbeat row going
// stale. The test writes them as the dead node would have.
type ghost struct {
	jobs      []string // durable executions it was running
	lastTry   string   // one running its last attempt
	cancelled string   // one whose cancel it had been asked
	async     string   // an async call it held, queued
	promoted  string   // a promoted sync run it held, running
	other     string   // an async call of another node, which lives
}

var liveDefs = []string{double, `{"kind": "function", "name": "nap", "stack": [{"type": "sleep", "ms": "10"}], "response": "'rested'"}`}

// haunt leaves the ghost of node name (ID/incarnation) in st, and
// returns it. The queue is filled through a runner that is not started.
func haunt(t *testing.T, st *store.Store, name string) *ghost {
	t.Helper()
	ctx := context.Background()
	id, inc, _ := strings.Cut(name, "/")
	eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
	defer eng.Close()
	eng.Load(enginetest.Compile(t, liveDefs...))
	r, err := durable.New(ctx, st, eng, durable.Options{NodeID: "filler", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	eng.SetDurable(r)
	g := &ghost{}
	for i := 0; i < 5; i++ {
		g.jobs = append(g.jobs, enqueue(t, &node{eng: eng, r: r, st: st}, "double", map[string]any{"n": i}, engine.DurableOptions{}))
	}
	g.lastTry, g.cancelled = g.jobs[3], g.jobs[4]
	g.jobs = g.jobs[:3]
	running := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = ARRAY['x', $1],
		metadata = CASE WHEN args->>'id' = $3 THEN '{"cancel_attempted_at": "2026-01-01T00:00:00Z"}'::jsonb ELSE metadata END,
		max_attempts = CASE WHEN args->>'id' = $2 THEN 1 ELSE max_attempts END`
	leader := `INSERT INTO river_leader (elected_at, expires_at, leader_id) VALUES (now(), now() + interval '1 hour', $1)`
	if st.Dialect() == store.DialectSQLite {
		running = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec'), attempted_by = jsonb(json_array('x', ?1)),
		metadata = CASE WHEN json_extract(args, '$.id') = ?3 THEN jsonb('{"cancel_attempted_at": "2026-01-01T00:00:00Z"}') ELSE metadata END,
		max_attempts = CASE WHEN json_extract(args, '$.id') = ?2 THEN 1 ELSE max_attempts END`
		leader = `INSERT INTO river_leader (elected_at, expires_at, leader_id) VALUES (datetime('now', 'subsec'), datetime('now', '+1 hour'), ?1)`
	}
	if _, err := st.SQL().ExecContext(ctx, running, id, g.lastTry, g.cancelled); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SQL().ExecContext(ctx, leader, id); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g.async, g.promoted, g.other = engine.NewID(), engine.NewID(), engine.NewID()
	if err := st.ExecutionRecords().WriteIn(ctx, st.SQL(),
		&engine.ExecutionRecord{ID: g.async, Function: "nap", Mode: engine.ModeAsync, Status: engine.StatusQueued, Node: name, CreatedAt: now},
		&engine.ExecutionRecord{ID: g.promoted, Function: "nap", Mode: engine.ModeSync, Status: engine.StatusRunning, Node: name, CreatedAt: now, StartedAt: now},
		&engine.ExecutionRecord{ID: g.other, Function: "nap", Mode: engine.ModeAsync, Status: engine.StatusQueued, Node: "alive/1", CreatedAt: now},
	); err != nil {
		t.Fatal(err)
	}
	if _, err := st.JoinNode(ctx, id, inc, "127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.JoinNode(ctx, "alive", "1", "127.0.0.1:2"); err != nil {
		t.Fatal(err)
	}
	// The other node lives on.
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				_ = st.Beat(ctx, "alive", "1")
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return g
}

// check asserts what recovery from ghost g of node name leaves: its jobs
// ran again and succeeded, the one on its last attempt failed and the
// cancelled one was cancelled, its in-memory runs failed with node_lost
// and awaits of them return that, the other node's run is untouched.
func (g *ghost) check(t *testing.T, n *node, because string) {
	t.Helper()
	for i, id := range g.jobs {
		rec := wait(t, n, id, 15*time.Second)
		if rec.Status != engine.StatusSucceeded || fmt.Sprint(rec.Output) != fmt.Sprint(2*i) || rec.Attempts != 2 {
			t.Errorf("job %d ran again: %s output %v attempts %d error %v", i, rec.Status, rec.Output, rec.Attempts, rec.Error)
		}
	}
	rec := wait(t, n, g.lastTry, 5*time.Second)
	if rec.Status != engine.StatusFailed || rec.Error == nil || rec.Error.Code != engine.CodeNodeLost ||
		!strings.HasPrefix(rec.Error.Message, because) || !strings.HasSuffix(rec.Error.Message, " during the last attempt of this durable run; no attempts are left (settings.retries.max_attempts)") {
		t.Errorf("the job on its last attempt: %s %+v", rec.Status, rec.Error)
	}
	rec = wait(t, n, g.cancelled, 5*time.Second)
	if want := (&engine.Error{Code: engine.CodeCancelled, Message: "run cancelled: the durable execution was cancelled", ExecutionID: g.cancelled}); rec.Status != engine.StatusCancelled || !reflect.DeepEqual(rec.Error, want) {
		t.Errorf("the cancelled job: %s %+v", rec.Status, rec.Error)
	}
	out, err := n.eng.Await(context.Background(), []string{g.async, g.promoted}, 10*time.Second)
	if err != nil {
		t.Fatalf("await of the lost runs: %v", err)
	}
	for i, id := range []string{g.async, g.promoted} {
		e := out[i].Error
		if out[i].ID != id || out[i].Status != engine.StatusFailed || e == nil || e.Code != engine.CodeNodeLost || e.ExecutionID != id || e.HTTPStatus() != 503 ||
			!strings.HasPrefix(e.Message, because) || !strings.HasSuffix(e.Message, "; this run was in its memory and is lost. Run it again (an idempotency_key makes a repeat safe), or make it durable (/async-function, call with \"durable\": true) to have it run again for you") {
			j, _ := json.Marshal(out[i])
			t.Errorf("await of lost run %d: %s", i, j)
		}
	}
	if rec, err := n.eng.Get(context.Background(), g.other); err != nil || rec.Status != engine.StatusQueued || rec.Error != nil {
		t.Errorf("the run of a live node: %+v %v", rec, err)
	}
	// The lost node's leadership (held for an hour) went with it: this
	// node is elected.
	waitFor(t, 15*time.Second, func() bool {
		var leader string
		n.st.SQL().QueryRow(`SELECT leader_id FROM river_leader`).Scan(&leader)
		return leader+"/" == n.r.Name()[:strings.Index(n.r.Name(), "/")+1]
	})
}

// TestDeadNodeIsRecoveredAfterTheGrace: a node silent for the grace is
// declared dead by a live one, which runs its durable jobs again at once
// (not after their timeout), fails its in-memory runs with node_lost so
// that awaits of them return, takes its leadership away and forgets it.
func TestDeadNodeIsRecoveredAfterTheGrace(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		g := haunt(t, st, "ghost/1")
		const grace = 2 * time.Second
		began := time.Now()
		n := start(t, st, durable.Options{NodeID: "live", Heartbeat: 200 * time.Millisecond, NodeGrace: grace}, liveDefs...)
		// Awaits begun before the node is declared dead return with it.
		type awaited struct {
			out []engine.AwaitResult
			err error
			at  time.Duration
		}
		ch := make(chan awaited, 1)
		go func() {
			out, err := n.eng.Await(context.Background(), []string{g.async}, 10*time.Second)
			ch <- awaited{out, err, time.Since(began)}
		}()
		// Before the grace the node may live: its runs are left alone,
		// and cancel leaves them to it.
		time.Sleep(100 * time.Millisecond)
		if rec, _ := n.eng.Get(context.Background(), g.async); rec.Status != engine.StatusQueued {
			t.Fatalf("closed before the grace: %+v", rec)
		}
		if n.eng.Cancel(g.promoted) {
			t.Errorf("cancel of a run whose node may live said it cancelled it")
		}
		a := <-ch
		if a.err != nil || a.out[0].Status != engine.StatusFailed || a.out[0].Error.Code != engine.CodeNodeLost {
			t.Fatalf("await begun before the node was declared dead: %+v %v", a.out, a.err)
		}
		if a.at > grace+2*time.Second {
			t.Errorf("the await returned %s after the node was last seen, grace %s", a.at, grace)
		}
		g.check(t, n, "node ghost/1 stopped: no heartbeat for ")
		nodes, err := st.Nodes(context.Background())
		if err != nil || len(nodes) != 2 || nodes[0].Name() != "alive/1" || nodes[1].Name() != n.r.Name() {
			t.Errorf("nodes after: %+v %v, want alive/1 and %s", nodes, err, n.r.Name())
		}
	})
}

// TestRestartTakesOverAtOnce: a node starting again under its ID takes
// over what its earlier start left at once, without waiting for the
// grace.
func TestRestartTakesOverAtOnce(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		g := haunt(t, st, "n1/old")
		began := time.Now()
		n := start(t, st, durable.Options{NodeID: "n1", NodeGrace: time.Hour}, liveDefs...)
		for _, id := range []string{g.async, g.promoted} {
			if rec, err := n.eng.Get(context.Background(), id); err != nil || rec.Status != engine.StatusFailed {
				t.Fatalf("run %s of the earlier start once started again: %+v %v", id, rec, err)
			}
		}
		g.check(t, n, "node n1 restarted (now "+n.r.Name()+"; its earlier start n1/old beat ")
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("took over in %s", d)
		}
		if !strings.HasPrefix(n.r.Name(), "n1/") || n.eng.Node() != n.r.Name() {
			t.Errorf("node name %q, engine's %q", n.r.Name(), n.eng.Node())
		}
	})
}

// TestCancelOfARunWhoseNodeIsGone: a run held by a node that is gone
// (no heartbeat row, or another start of it) is cancelled where asked.
func TestCancelOfARunWhoseNodeIsGone(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		n := start(t, st, durable.Options{NodeGrace: time.Hour}, liveDefs...)
		id := engine.NewID()
		if err := st.ExecutionRecords().WriteIn(context.Background(), st.SQL(),
			&engine.ExecutionRecord{ID: id, Function: "nap", Mode: engine.ModeAsync, Status: engine.StatusRunning, Node: "gone/1", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if !n.eng.Cancel(id) {
			t.Fatal("cancel of a run whose node is gone: not cancelled")
		}
		rec, err := n.eng.Get(context.Background(), id)
		want := &engine.Error{Code: engine.CodeCancelled, Message: "run cancelled: its node gone/1 had stopped, so it was no longer running", ExecutionID: id}
		if err != nil || rec.Status != engine.StatusCancelled || !reflect.DeepEqual(rec.Error, want) {
			t.Errorf("record: %+v %v", rec, err)
		}
		if n.eng.Cancel(id) {
			t.Errorf("a second cancel said it cancelled it again")
		}
	})
}

// TestNodeIDsAreChecked: a node ID that would make record node names
// ambiguous, or a grace shorter than two heartbeats, is refused.
func TestNodeIDsAreChecked(t *testing.T) {
	st := backends()[0].open(t)
	eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
	defer eng.Close()
	for _, c := range []struct {
		opt  durable.Options
		want string
	}{
		{durable.Options{NodeID: "a/b"}, `node ID "a/b": use at most 100 letters, digits and . _ - : (no slash or space) (--node-id, FUNCSTACK_NODE_ID)`},
		{durable.Options{NodeID: "a", Heartbeat: time.Second, NodeGrace: 1500 * time.Millisecond}, "a node grace of 1.5s is less than two heartbeats of 1s: a node would be declared dead while it lives; raise --node-grace"},
	} {
		if _, err := durable.New(context.Background(), st, eng, c.opt); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %s", c.opt, err, c.want)
		}
	}
}
