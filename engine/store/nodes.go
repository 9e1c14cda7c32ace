package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// The nodes sharing a database heartbeat in funcstack_nodes: one row a
// node ID, naming the incarnation (one start of the node) that beats, in
// milliseconds of the database's clock, so that nodes whose clocks differ
// agree on who is late. The durable package declares a node dead when it
// has not beaten for a grace, and closes what it held
// (durable/liveness.go).

// nodesLockID is the PostgreSQL advisory lock under which nodes make the
// nodes table.
const nodesLockID = 0x6e6f6465 // "node"

const nodesDDL = `CREATE TABLE IF NOT EXISTS funcstack_nodes (
	node TEXT PRIMARY KEY,
	incarnation TEXT NOT NULL,
	addr TEXT NOT NULL DEFAULT '',
	started_ms BIGINT NOT NULL,
	beat_ms BIGINT NOT NULL,
	claimed_by TEXT NOT NULL DEFAULT '',
	claimed_ms BIGINT NOT NULL DEFAULT 0)`

// nowMS is the database's clock in Unix milliseconds.
func (s *Store) nowMS() string {
	if s.dialect == DialectPostgres {
		return `CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)`
	}
	return `CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)`
}

// txWithTable begins a transaction in which the table of ddl (CREATE
// TABLE IF NOT EXISTS) exists: made under the advisory lock lockID on
// PostgreSQL, where two nodes making it at once could fail one of them.
func (s *Store) txWithTable(ctx context.Context, lockID int64, ddl string) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if s.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// NodeBeat is a node's row: the incarnation that last beat, and when.
type NodeBeat struct {
	Node        string
	Incarnation string
	Addr        string
	Started     time.Time
	Beat        time.Time
	// Silent is how long it has not beaten, by the database's clock.
	Silent time.Duration
}

// Name is the node as execution records carry it: "node/incarnation".
func (b *NodeBeat) Name() string { return NodeName(b.Node, b.Incarnation) }

// NodeName is what records carry for incarnation of node. Neither holds
// a slash (durable.Options.NodeID is checked).
func NodeName(node, incarnation string) string { return node + "/" + incarnation }

const nodeCols = `node, incarnation, addr, started_ms, beat_ms, ` // + now - beat_ms

func (s *Store) scanNodes(rows *sql.Rows) ([]NodeBeat, error) {
	defer rows.Close()
	var out []NodeBeat
	for rows.Next() {
		var b NodeBeat
		var started, beat, silent int64
		if err := rows.Scan(&b.Node, &b.Incarnation, &b.Addr, &started, &beat, &silent); err != nil {
			return nil, err
		}
		b.Started, b.Beat, b.Silent = time.UnixMilli(started).UTC(), time.UnixMilli(beat).UTC(), time.Duration(silent)*time.Millisecond
		out = append(out, b)
	}
	return out, rows.Err()
}

// JoinNode makes incarnation the one of node that beats, and returns the
// row of the incarnation it replaces (nil when there was none): that one
// is gone, as node IDs are unique among live processes, and what it held
// is for the caller to close.
func (s *Store) JoinNode(ctx context.Context, node, incarnation, addr string) (*NodeBeat, error) {
	fail := func(err error) (*NodeBeat, error) {
		return nil, fmt.Errorf("registering node %s in funcstack_nodes of %s: %v", node, s.where, err)
	}
	tx, err := s.txWithTable(ctx, nodesLockID, nodesDDL)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT `+nodeCols+s.nowMS()+` - beat_ms FROM funcstack_nodes WHERE node = ?`), node)
	if err != nil {
		return fail(err)
	}
	prev, err := s.scanNodes(rows)
	if err != nil {
		return fail(err)
	}
	now := s.nowMS()
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO funcstack_nodes (node, incarnation, addr, started_ms, beat_ms) VALUES (?, ?, ?, `+now+`, `+now+`)
		ON CONFLICT (node) DO UPDATE SET incarnation = excluded.incarnation, addr = excluded.addr, started_ms = excluded.started_ms,
			beat_ms = excluded.beat_ms, claimed_by = '', claimed_ms = 0`), node, incarnation, addr); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	if len(prev) == 0 || prev[0].Incarnation == incarnation {
		return nil, nil
	}
	return &prev[0], nil
}

// ErrNodeReplaced is Beat's error when the row of node is no longer the
// incarnation's: another node declared it dead, or a newer start of the
// same node ID took it over.
var ErrNodeReplaced = errors.New("this node's heartbeat row was taken over")

// Beat records that incarnation of node is alive.
func (s *Store) Beat(ctx context.Context, node, incarnation string) error {
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE funcstack_nodes SET beat_ms = `+s.nowMS()+` WHERE node = ? AND incarnation = ? AND claimed_by = ''`), node, incarnation)
	if err != nil {
		return fmt.Errorf("heartbeat of node %s in %s: %v", node, s.where, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNodeReplaced
	}
	return nil
}

// Nodes lists the nodes' rows, by node ID.
func (s *Store) Nodes(ctx context.Context) ([]NodeBeat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+nodeCols+s.nowMS()+` - beat_ms FROM funcstack_nodes ORDER BY node`)
	if err == nil {
		var out []NodeBeat
		if out, err = s.scanNodes(rows); err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("reading funcstack_nodes of %s: %v", s.where, err)
}

// ClaimDeadNodes claims for claimer (a node name) the nodes silent for
// grace or more, and those claimed by another claimer more than grace ago
// (it died before it was done with them), and returns them. Each is
// claimed by one caller; ForgetNode ends the claim.
func (s *Store) ClaimDeadNodes(ctx context.Context, claimer string, grace time.Duration) ([]NodeBeat, error) {
	now := s.nowMS()
	rows, err := s.db.QueryContext(ctx, s.rebind(`UPDATE funcstack_nodes SET claimed_by = ?, claimed_ms = `+now+`
		WHERE beat_ms < `+now+` - ? AND (claimed_by = '' OR claimed_ms < `+now+` - ?)
		RETURNING `+nodeCols+now+` - beat_ms`), claimer, grace.Milliseconds(), grace.Milliseconds())
	if err == nil {
		var out []NodeBeat
		if out, err = s.scanNodes(rows); err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("claiming dead nodes in funcstack_nodes of %s: %v", s.where, err)
}

// ForgetNode deletes the row of incarnation of node: a dead one once what
// it held is closed, or its own when it stops cleanly (a newer
// incarnation's row stays).
func (s *Store) ForgetNode(ctx context.Context, node, incarnation string) error {
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM funcstack_nodes WHERE node = ? AND incarnation = ?`), node, incarnation); err != nil {
		return fmt.Errorf("forgetting node %s in funcstack_nodes of %s: %v", node, s.where, err)
	}
	return nil
}

// CloseLost closes, through q, the records of runs held in memory by a
// node that died — async calls and promoted sync runs, not durable ones,
// whose jobs run again — that had not ended: failed, with an error of
// code engine.CodeNodeLost and message msg. node is the name records
// carry ("node/incarnation"); with except set instead, every incarnation
// of node ID node but except (a node starting again closes those of all
// its earlier starts). It returns the IDs closed.
func (x *Executions) CloseLost(ctx context.Context, q engine.Querier, node, except, msg string) ([]string, error) {
	where, args := `node = ?`, []any{node}
	if except != "" {
		where, args = `substr(node, 1, ?) = ? AND node <> ?`, []any{len(node) + 1, node + "/", except}
	}
	where += ` AND mode <> ?`
	args = append(args, engine.ModeDurable)
	ids, err := x.endUnfinished(ctx, q, where, args, engine.StatusFailed, engine.CodeNodeLost, msg)
	if err != nil {
		return nil, fmt.Errorf("closing the runs of lost node %s in %s: %v", node, x.s.where, err)
	}
	return ids, nil
}

// EndUnfinished ends, through q, those of the executions ids whose
// records have not ended: status (a final one), with an error of code and
// message msg. It returns the IDs it ended.
func (x *Executions) EndUnfinished(ctx context.Context, q engine.Querier, ids []string, status, code, msg string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ended, err := x.endUnfinished(ctx, q, `id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`)`, args, status, code, msg)
	if err != nil {
		return nil, fmt.Errorf("ending %d executions in %s: %v", len(ids), x.s.where, err)
	}
	return ended, nil
}

// endUnfinished sets the records matching where (with args) that are
// queued or running to status with an error of code and msg naming each
// one's ID, and returns their IDs.
func (x *Executions) endUnfinished(ctx context.Context, q engine.Querier, where string, whereArgs []any, status, code, msg string) ([]string, error) {
	s := x.s
	errJSON := `json_object('code', ?, 'message', ?, 'execution_id', id)`
	if s.dialect == DialectPostgres {
		errJSON = `jsonb_build_object('code', CAST(? AS TEXT), 'message', CAST(? AS TEXT), 'execution_id', id)`
	}
	now := s.timeArg(time.Now())
	args := append([]any{status, code, msg, now, now}, whereArgs...)
	args = append(args, engine.StatusQueued, engine.StatusRunning)
	// status <> 'succeeded' says what the partial status index covers.
	rows, err := q.QueryContext(ctx, s.rebind(`UPDATE funcstack_executions SET status = ?, error = `+errJSON+`, finished_at = ?, updated_at = ?
		WHERE `+where+` AND status IN (?, ?) AND status <> 'succeeded' RETURNING id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
