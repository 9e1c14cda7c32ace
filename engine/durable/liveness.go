package durable

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Node liveness. Every node beats in the database's funcstack_nodes every
// Options.Heartbeat; a node silent for Options.NodeGrace is dead. The
// first live node to see it claims it (one claimer, store.ClaimDeadNodes)
// and, in one transaction that also checks the claim is still its own:
//
//   - gives its running River jobs to the live nodes at once (state
//     available, an attempt error saying why), rather than after the
//     job's timeout as River's rescuer would: a job whose attempts are
//     used up is discarded and its record fails with node_lost, one the
//     user had cancelled is cancelled;
//   - closes the records of the runs it held in memory (async calls,
//     promoted sync runs), which nothing will finish, as failed with
//     node_lost, so that awaits of them return;
//   - lets go of River's leadership if it held it, and wakes the other
//     nodes' electors, so that maintenance (retries, River's rescuer,
//     pruning) resumes;
//   - forgets its row.
//
// A node starting again under the same ID does the same at once for its
// earlier starts (their jobs are those River's attempted_by names it
// for, since its own River client has not started yet) instead of
// waiting for the grace.

// Defaults of the liveness Options.
const (
	DefaultHeartbeat = 2 * time.Second
	DefaultNodeGrace = 30 * time.Second
)

// newIncarnation names one start of a node.
func newIncarnation() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// checkNodeID refuses node IDs that would make record node names
// ambiguous.
func checkNodeID(id string) error {
	if strings.ContainsAny(id, "/ \t\n") || len(id) > 100 {
		return fmt.Errorf("node ID %q: use at most 100 letters, digits and . _ - : (no slash or space) (--node-id, FUNCSTACK_NODE_ID)", id)
	}
	return nil
}

// Name is this node as execution records carry it: node ID, a slash, the
// incarnation.
func (r *Runner) Name() string { return r.name }

// joinNodes registers this start of the node and closes what its earlier
// starts left (see above); then heartbeats run until Stop.
func (r *Runner) joinNodes(ctx context.Context) error {
	prev, err := r.st.JoinNode(ctx, r.opt.NodeID, r.incarnation, r.opt.Addr)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("node %s restarted (now %s)", r.opt.NodeID, r.name)
	if prev != nil {
		what = fmt.Sprintf("node %s restarted (now %s; its earlier start %s beat %s before)", r.opt.NodeID, r.name, prev.Name(), prev.Silent.Round(time.Millisecond))
	}
	if err := r.recoverNode(ctx, r.opt.NodeID, "", what); err != nil {
		return err
	}
	r.liveStop, r.liveDone = make(chan struct{}), make(chan struct{})
	go r.liveness()
	return nil
}

// liveness beats and looks for dead nodes every Heartbeat until Stop.
func (r *Runner) liveness() {
	defer close(r.liveDone)
	t := time.NewTicker(r.opt.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-r.liveStop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.opt.NodeGrace/2)
		r.beat(ctx)
		r.reapDead(ctx)
		cancel()
	}
}

// beat records that this node lives; when another node has declared it
// dead meanwhile (it was silent for the grace: stalled, or cut off from
// the database) it says so and joins again.
func (r *Runner) beat(ctx context.Context) {
	err := r.st.Beat(ctx, r.opt.NodeID, r.incarnation)
	if errors.Is(err, store.ErrNodeReplaced) {
		r.opt.Logf("funcstack durable: node %s was declared dead by another node (no heartbeat for %s, --node-grace): its durable jobs were given to other nodes and may run twice, and its in-memory runs were closed as node_lost; joining again", r.name, r.opt.NodeGrace)
		_, err = r.st.JoinNode(ctx, r.opt.NodeID, r.incarnation, r.opt.Addr)
	}
	if err != nil {
		r.opt.Logf("funcstack durable: %v", err)
	}
}

// reapDead claims the nodes silent for the grace and recovers each.
func (r *Runner) reapDead(ctx context.Context) {
	dead, err := r.st.ClaimDeadNodes(ctx, r.name, r.opt.NodeGrace)
	if err != nil {
		r.opt.Logf("funcstack durable: %v", err)
		return
	}
	for _, d := range dead {
		what := fmt.Sprintf("node %s stopped: no heartbeat for %s (grace %s, --node-grace)", d.Name(), d.Silent.Round(time.Millisecond), r.opt.NodeGrace)
		if err := r.recoverNode(ctx, d.Node, d.Incarnation, what); err != nil {
			r.opt.Logf("funcstack durable: recovering after %s: %v; another node will try again after the grace", what, err)
		}
	}
}

// lostJob is a River job of a lost node after recovery.
type lostJob struct {
	id          int64
	kind, queue string
	state       string
	execution   string // its execution ID (funcstack.run and funcstack.callback)
}

// recoverNode recovers, in one transaction, the runs of node ID node:
// with incarnation, of that incarnation, which this node has claimed
// (nothing is done when the claim is no longer its own); without, of
// every start of this node but this one. what says what happened, for
// the errors and the log.
func (r *Runner) recoverNode(ctx context.Context, node, incarnation, what string) error {
	tx, err := r.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	pg := r.st.Dialect() == store.DialectPostgres
	ph := func(n int) string {
		if pg {
			return fmt.Sprintf("$%d", n)
		}
		return "?"
	}
	if incarnation != "" {
		// Still ours? A write first, so that SQLite takes its write lock
		// at once and PostgreSQL locks the row against the node joining
		// again (JoinNode) until this commits.
		res, err := tx.ExecContext(ctx, `UPDATE funcstack_nodes SET claimed_by = claimed_by WHERE node = `+ph(1)+` AND incarnation = `+ph(2)+` AND claimed_by = `+ph(3),
			node, incarnation, r.name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
	}
	jobs, err := r.rescueJobs(ctx, tx, node, what+"; the job runs again on a live node")
	if err != nil {
		return fmt.Errorf("giving the River jobs of node %s to live nodes: %v", node, err)
	}
	var discarded, cancelled []string
	queues := map[string]bool{}
	again := 0
	for _, j := range jobs {
		switch {
		case j.state == "available":
			again++
			queues[j.queue] = true
		case j.kind == kindRun && j.state == "discarded":
			discarded = append(discarded, j.execution)
		case j.kind == kindRun && j.state == "cancelled":
			cancelled = append(cancelled, j.execution)
		}
	}
	failed, err := r.execs.EndUnfinished(ctx, tx, discarded, engine.StatusFailed, engine.CodeNodeLost,
		what+" during the last attempt of this durable run; no attempts are left (settings.retries.max_attempts)")
	if err != nil {
		return err
	}
	if _, err := r.execs.EndUnfinished(ctx, tx, cancelled, engine.StatusCancelled, engine.CodeCancelled, "run cancelled: the durable execution was cancelled"); err != nil {
		return err
	}
	lostMsg := what + "; this run was in its memory and is lost. Run it again (an idempotency_key makes a repeat safe), or make it durable (/async-function, call with \"durable\": true) to have it run again for you"
	name, except := store.NodeName(node, incarnation), ""
	if incarnation == "" {
		name, except = node, r.name
	}
	closed, err := r.execs.CloseLost(ctx, tx, name, except, lostMsg)
	if err != nil {
		return err
	}
	if err := r.releaseLeadership(ctx, tx, node, queues); err != nil {
		return err
	}
	if incarnation != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM funcstack_nodes WHERE node = `+ph(1)+` AND incarnation = `+ph(2), node, incarnation); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if len(jobs)+len(closed) > 0 || incarnation != "" {
		r.opt.Logf("funcstack durable: %s: %d durable jobs run again, %d failed (no attempts left), %d in-memory runs closed as node_lost",
			what, again, len(failed), len(closed))
	}
	return nil
}

// rescueJobs makes the running River jobs last attempted by node
// available again (discarded when their attempts are used up, cancelled
// when a cancel was asked), each with an attempt error saying why, and
// returns them.
func (r *Runner) rescueJobs(ctx context.Context, tx *sql.Tx, node, why string) ([]lostJob, error) {
	q := `UPDATE river_job SET
		state = (CASE WHEN metadata->>'cancel_attempted_at' IS NOT NULL THEN 'cancelled' WHEN attempt < max_attempts THEN 'available' ELSE 'discarded' END)::river_job_state,
		finalized_at = CASE WHEN metadata->>'cancel_attempted_at' IS NULL AND attempt < max_attempts THEN NULL ELSE now() END,
		errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt, 'error', CAST($1 AS TEXT), 'trace', ''))
		WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $2
		RETURNING id, kind, queue, CAST(state AS TEXT), coalesce(args->>'id', '')`
	if r.st.Dialect() == store.DialectSQLite {
		q = `UPDATE river_job SET
		state = CASE WHEN json_extract(metadata, '$.cancel_attempted_at') IS NOT NULL THEN 'cancelled' WHEN attempt < max_attempts THEN 'available' ELSE 'discarded' END,
		finalized_at = CASE WHEN json_extract(metadata, '$.cancel_attempted_at') IS NULL AND attempt < max_attempts THEN NULL ELSE datetime('now', 'subsec') END,
		errors = jsonb_insert(coalesce(errors, jsonb('[]')), '$[#]', json_object('at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'attempt', attempt, 'error', ?, 'trace', ''))
		WHERE state = 'running' AND json_extract(attempted_by, '$[#-1]') = ?
		RETURNING id, kind, queue, state, coalesce(json_extract(args, '$.id'), '')`
	}
	rows, err := tx.QueryContext(ctx, q, why, node)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []lostJob
	for rows.Next() {
		var j lostJob
		if err := rows.Scan(&j.id, &j.kind, &j.queue, &j.state, &j.execution); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// releaseLeadership deletes River's leadership of node, if it held it,
// and on PostgreSQL tells the other nodes' electors (as River does when a
// leader resigns), so that one is elected at once instead of when the
// lease would have run out; and wakes the workers of queues whose jobs
// were made available.
func (r *Runner) releaseLeadership(ctx context.Context, tx *sql.Tx, node string, queues map[string]bool) error {
	if r.st.Dialect() == store.DialectSQLite {
		_, err := tx.ExecContext(ctx, `DELETE FROM river_leader WHERE leader_id = ?`, node)
		return err
	}
	if _, err := tx.ExecContext(ctx, `WITH gone AS (DELETE FROM river_leader WHERE leader_id = $1 RETURNING leader_id)
		SELECT pg_notify(current_schema() || '.river_leadership', json_build_object('leader_id', leader_id, 'action', 'resigned')::text) FROM gone`, node); err != nil {
		return err
	}
	for q := range queues {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify(current_schema() || '.river_insert', json_build_object('queue', CAST($1 AS TEXT))::text)`, q); err != nil {
			return err
		}
	}
	return nil
}

// stopLiveness ends the heartbeats and forgets this node: it stops
// cleanly, holding nothing (the engine ends its in-memory runs before it
// closes).
func (r *Runner) stopLiveness() {
	if r.liveStop == nil {
		return
	}
	close(r.liveStop)
	<-r.liveDone
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.st.ForgetNode(ctx, r.opt.NodeID, r.incarnation); err != nil {
		r.opt.Logf("funcstack durable: %v", err)
	}
}

// cancelOrphan cancels the run id held in memory by another node that
// has stopped (whether or not declared dead yet): nothing runs it any
// more, so its record says cancelled at once. It reports whether it did.
func (r *Runner) cancelOrphan(ctx context.Context, id string) bool {
	rec, err := r.execs.Get(ctx, id)
	if err != nil || engine.Final(rec.Status) || rec.Mode == engine.ModeDurable || rec.Node == "" || rec.Node == r.name {
		return false
	}
	node, inc, _ := strings.Cut(rec.Node, "/")
	nodes, err := r.st.Nodes(ctx)
	if err != nil {
		r.opt.Logf("funcstack durable: cancelling execution %s: %v", id, err)
		return false
	}
	for _, n := range nodes {
		if n.Node == node && n.Incarnation == inc && n.Silent < r.opt.NodeGrace {
			return false // alive: cancel it there
		}
	}
	ended, err := r.execs.EndUnfinished(ctx, r.st.SQL(), []string{id}, engine.StatusCancelled, engine.CodeCancelled,
		fmt.Sprintf("run cancelled: its node %s had stopped, so it was no longer running", rec.Node))
	if err != nil {
		r.opt.Logf("funcstack durable: cancelling execution %s: %v", id, err)
		return false
	}
	return len(ended) == 1
}
