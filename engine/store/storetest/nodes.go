package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// testNodes: a node joins, beats, is declared dead by another once silent
// for the grace (claimed once, claimed again when its claimer was itself
// silent), and a new start of the same node ID replaces its row and is
// handed the one it replaced.
func testNodes(t *testing.T, s *store.Store) {
	// grace is long beside a beat-to-claim round trip on a loaded machine
	// (b beats just before each claim and must not count as silent), and
	// wait a little longer than it.
	const grace, wait = 400 * time.Millisecond, 450 * time.Millisecond
	prev, err := s.JoinNode(ctx(), "a", "inc1", "127.0.0.1:1")
	if err != nil || prev != nil {
		t.Fatalf("first join: %+v %v", prev, err)
	}
	if _, err := s.JoinNode(ctx(), "b", "inc1", "127.0.0.1:2"); err != nil {
		t.Fatal(err)
	}
	if err := s.Beat(ctx(), "a", "inc1"); err != nil {
		t.Fatalf("beat: %v", err)
	}
	if err := s.Beat(ctx(), "a", "other"); !errors.Is(err, store.ErrNodeReplaced) {
		t.Fatalf("beat of an incarnation not in the table: %v, want ErrNodeReplaced", err)
	}
	if got, err := s.ClaimDeadNodes(ctx(), "b/inc1", time.Hour); err != nil || len(got) != 0 {
		t.Fatalf("nobody is silent for an hour: %+v %v", got, err)
	}
	time.Sleep(wait)
	if err := s.Beat(ctx(), "b", "inc1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimDeadNodes(ctx(), "b/inc1", grace)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim of a silent node: %+v %v", got, err)
	}
	if g := got[0]; g.Node != "a" || g.Incarnation != "inc1" || g.Addr != "127.0.0.1:1" || g.Name() != "a/inc1" || g.Silent < grace || g.Silent > 5*time.Second ||
		g.Beat.Before(g.Started) || time.Since(g.Beat) > time.Minute {
		t.Errorf("claimed: %+v", g)
	}
	if got, err := s.ClaimDeadNodes(ctx(), "c/inc1", grace); err != nil || len(got) != 0 {
		t.Fatalf("a node claimed a moment ago is not claimed again: %+v %v", got, err)
	}
	if err := s.Beat(ctx(), "a", "inc1"); !errors.Is(err, store.ErrNodeReplaced) {
		t.Errorf("beat of a node declared dead: %v, want ErrNodeReplaced", err)
	}
	time.Sleep(wait)
	if got, err := s.ClaimDeadNodes(ctx(), "c/inc1", grace); err != nil || len(got) != 2 || got[0].Node == got[1].Node {
		t.Fatalf("a claim left for the grace, and b now silent too, are claimed: %+v %v", got, err)
	}
	if err := s.ForgetNode(ctx(), "a", "inc1"); err != nil {
		t.Fatal(err)
	}
	prev, err = s.JoinNode(ctx(), "b", "inc2", "127.0.0.1:3")
	if err != nil || prev == nil || prev.Node != "b" || prev.Incarnation != "inc1" || prev.Addr != "127.0.0.1:2" {
		t.Fatalf("a new start of b is handed its earlier start: %+v %v", prev, err)
	}
	if err := s.Beat(ctx(), "b", "inc2"); err != nil {
		t.Errorf("the new start beats: %v", err)
	}
	if err := s.ForgetNode(ctx(), "b", "inc1"); err != nil {
		t.Fatal(err)
	}
	nodes, err := s.Nodes(ctx())
	if err != nil || len(nodes) != 1 || nodes[0].Name() != "b/inc2" {
		t.Fatalf("forgetting an earlier incarnation keeps the newer one: %+v %v", nodes, err)
	}
}

// testCloseLost: the unfinished in-memory runs of a lost node are closed
// as failed with node_lost; its finished ones, its durable ones and
// other nodes' runs are left as they were.
func testCloseLost(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	now := time.Now().UTC().Truncate(time.Microsecond)
	type row struct{ node, mode, status string }
	rows := map[string]row{
		"async-queued":    {"a/1", engine.ModeAsync, engine.StatusQueued},
		"promoted":        {"a/1", engine.ModeSync, engine.StatusRunning},
		"async-done":      {"a/1", engine.ModeAsync, engine.StatusSucceeded},
		"durable":         {"a/1", engine.ModeDurable, engine.StatusRunning},
		"other-node":      {"b/1", engine.ModeAsync, engine.StatusQueued},
		"earlier-start":   {"a/0", engine.ModeAsync, engine.StatusRunning},
		"prefix-not-node": {"ab/1", engine.ModeAsync, engine.StatusQueued},
		"like-wildcard":   {"a_/1", engine.ModeAsync, engine.StatusQueued},
	}
	ids := map[string]string{}
	var recs []*engine.ExecutionRecord
	for name, r := range rows {
		id := engine.NewID()
		ids[name] = id
		recs = append(recs, &engine.ExecutionRecord{ID: id, Function: name, Mode: r.mode, Status: r.status, Node: r.node,
			Input: map[string]any{"n": 1}, CreatedAt: now, Logs: []engine.LogEntry{{Time: now, Path: "stack[0]", Value: "kept"}}})
	}
	if err := es.WriteIn(ctx(), s.SQL(), recs...); err != nil {
		t.Fatal(err)
	}
	const msg = "node a stopped"
	closed, err := es.CloseLost(ctx(), s.SQL(), "a/1", "", msg)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(closed)
	want := []string{ids["async-queued"], ids["promoted"]}
	sort.Strings(want)
	if !reflect.DeepEqual(closed, want) {
		t.Errorf("closed %v, want %v (async-queued, promoted)", closed, want)
	}
	for name, r := range rows {
		got, err := es.Get(ctx(), ids[name])
		if err != nil {
			t.Fatal(err)
		}
		if name != "async-queued" && name != "promoted" {
			if got.Status != r.status || got.Error != nil {
				t.Errorf("%s: %s %+v, want it left %s", name, got.Status, got.Error, r.status)
			}
			continue
		}
		wantErr := &engine.Error{Code: engine.CodeNodeLost, Message: msg, ExecutionID: ids[name]}
		if got.Status != engine.StatusFailed || !reflect.DeepEqual(got.Error, wantErr) || got.FinishedAt.Before(now) ||
			!reflect.DeepEqual(got.Input, map[string]any{"n": 1}) || len(got.Logs) != 1 || got.Node != "a/1" {
			gj, _ := json.Marshal(got)
			t.Errorf("%s closed as %s", name, gj)
		}
	}
	// A new start of a closes what every earlier start left.
	closed, err = es.CloseLost(ctx(), s.SQL(), "a", "a/2", msg)
	if err != nil || !reflect.DeepEqual(closed, []string{ids["earlier-start"]}) {
		t.Errorf("closing every start of a but a/2: %v %v, want [earlier-start]", closed, err)
	}
	if closed, err := es.CloseLost(ctx(), s.SQL(), "a/1", "", msg); err != nil || len(closed) != 0 {
		t.Errorf("closing again: %v %v, want nothing", closed, err)
	}
	// Durable executions are ended by ID, those already ended left.
	ended, err := es.EndUnfinished(ctx(), s.SQL(), []string{ids["durable"], ids["async-done"], engine.NewID()}, engine.StatusCancelled, engine.CodeCancelled, "stop")
	if err != nil || !reflect.DeepEqual(ended, []string{ids["durable"]}) {
		t.Fatalf("ending durable, async-done and an unknown ID: %v %v, want [durable]", ended, err)
	}
	got, err := es.Get(ctx(), ids["durable"])
	if wantErr := (&engine.Error{Code: engine.CodeCancelled, Message: "stop", ExecutionID: ids["durable"]}); err != nil ||
		got.Status != engine.StatusCancelled || !reflect.DeepEqual(got.Error, wantErr) {
		t.Errorf("durable ended as %+v %v", got, err)
	}
}
