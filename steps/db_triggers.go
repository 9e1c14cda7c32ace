package steps

import (
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

// Trigger actions.
const (
	actInsert = "insert"
	actUpdate = "update"
	actDelete = "delete"
)

// triggered wraps the compile of a write step (db.add, db.edit, db.patch,
// db.delete) so that, when its table has a trigger on action, the change
// and the durable runs of its trigger functions commit together: outside
// a db.transaction the step runs in a transaction of its own. Update and
// delete read the record before the change (old), update and insert give
// the record after it (new).
func triggered(action string, compile func(*engine.StepCompiler) engine.RunFunc) func(*engine.StepCompiler) engine.RunFunc {
	return func(c *engine.StepCompiler) engine.RunFunc {
		run := compile(c)
		if run == nil {
			return nil
		}
		d := c.Table("table")
		if d == nil || !engine.HasTrigger(d, action) {
			return run
		}
		t := tables.Of(d)
		var id *engine.Expr
		if action != actInsert {
			id = c.Expr("id")
		}
		sel := tables.SelectByID(t)
		read := func(s *engine.State, conn dbConn, idArg any) (map[string]any, error) {
			rows, err := conn.q.QueryContext(s.Context(), sel[conn.d], idArg)
			if err != nil {
				return nil, tables.DBError(t, err)
			}
			rec, err := tables.ScanOne(rows, t.Visible)
			if err != nil {
				return nil, tables.DBError(t, err)
			}
			return rec, nil
		}
		return inChangeTx(run, func(s *engine.State, conn dbConn) (out any, err error) {
			var idArg any
			var old map[string]any
			if id != nil {
				if _, idArg, err = evalID(s, t, id, conn.d); err != nil {
					return out, err
				}
				if old, err = read(s, conn, idArg); err != nil {
					return out, err
				}
			}
			if out, err = run(s); err != nil {
				return out, err
			}
			var nw map[string]any
			switch action {
			case actInsert:
				nw, _ = out.(map[string]any)
			case actUpdate:
				// The step gave the record back when someone reads it
				// (RETURNING); else it is read here.
				if rec, ok := out.(map[string]any); ok {
					nw = rec
				} else if nw, err = read(s, conn, idArg); err != nil {
					return out, err
				}
			case actDelete:
				if old == nil {
					return out, nil // nothing deleted: no change, no trigger
				}
			}
			var oldV, newV any
			if old != nil {
				oldV = old
			}
			if nw != nil {
				newV = nw
			}
			return out, s.Engine().FireTriggers(s, d, action, newV, oldV)
		})
	}
}

// triggeredUpsert is triggered for db.upsert: the record its by columns
// find before the write is old, and the change is an update when there
// was one, else an insert.
func triggeredUpsert(compile func(*engine.StepCompiler) engine.RunFunc) func(*engine.StepCompiler) engine.RunFunc {
	return func(c *engine.StepCompiler) engine.RunFunc {
		run := compile(c)
		if run == nil {
			return nil
		}
		d := c.Table("table")
		if d == nil || !(engine.HasTrigger(d, actInsert) || engine.HasTrigger(d, actUpdate)) {
			return run
		}
		t := tables.Of(d)
		by := c.ExprMap("by")
		byCols, ok := dataColumns(c, t, "by", by, true)
		if !ok {
			return nil
		}
		find := tables.BuildBoth(func(b *tables.Builder) {
			b.W("SELECT " + tables.SelectList(t.Visible) + " FROM " + t.Q + " WHERE ")
			b.EqAll(byCols)
			b.W(" ORDER BY " + t.ID.Q + " LIMIT 1")
		})
		return inChangeTx(run, func(s *engine.State, conn dbConn) (out any, err error) {
			byArgs, err := evalValues(s, byCols, by, conn.d, make([]any, 0, len(by)), findBy)
			if err != nil {
				return out, err
			}
			var old map[string]any
			if rows, err := conn.q.QueryContext(s.Context(), find[conn.d], byArgs...); err != nil {
				return out, tables.DBError(t, err)
			} else if old, err = tables.ScanOne(rows, t.Visible); err != nil {
				return out, tables.DBError(t, err)
			}
			if out, err = run(s); err != nil {
				return out, err
			}
			if old == nil {
				return out, s.Engine().FireTriggers(s, d, actInsert, out, nil)
			}
			return out, s.Engine().FireTriggers(s, d, actUpdate, out, old)
		})
	}
}

// inChangeTx runs change, a write step and the firing of its triggers, in
// the run's transaction, else in one of its own; without a database (the
// in-memory store) the step runs alone.
func inChangeTx(run engine.RunFunc, change func(s *engine.State, conn dbConn) (any, error)) engine.RunFunc {
	return func(s *engine.State) (any, error) {
		if s.Database() == nil {
			return run(s)
		}
		var out any
		body := func() error {
			conn, err := connect(s)
			if err != nil {
				return err
			}
			out, err = change(s, conn)
			return err
		}
		if s.InTx() {
			return out, body()
		}
		return out, inNewTx(s, body)
	}
}

// bulkTrigger fires a table's triggers for the records a db.bulk
// statement touched, read with RETURNING (and, for a patch, the record as
// it was before).
type bulkTrigger struct {
	t      *tables.Table
	def    *engine.Definition
	action string
	sel    tables.PerDialect
}

// bulkTriggers returns the trigger firing of a db.bulk step with op on t,
// or nil when the table has no trigger on that change.
func bulkTriggers(c *engine.StepCompiler, t *tables.Table, op string) *bulkTrigger {
	if t == nil {
		return nil
	}
	d := c.Table("table")
	action := map[string]string{"add": actInsert, "patch": actUpdate, "delete": actDelete}[op]
	if d == nil || action == "" || !engine.HasTrigger(d, action) {
		return nil
	}
	return &bulkTrigger{t: t, def: d, action: action, sel: tables.SelectByID(t)}
}

// run runs one statement of the bulk step in its transaction and fires the
// triggers of the records it touched; it returns how many.
func (bt *bulkTrigger) run(s *engine.State, q engine.Querier, d value.Dialect, st stmtArgs) (int, error) {
	var old map[string]any
	if bt.action == actUpdate { // one statement per item, the id last
		rows, err := q.QueryContext(s.Context(), bt.sel[d], st.args[len(st.args)-1])
		if err != nil {
			return 0, tables.DBError(bt.t, err)
		}
		if old, err = tables.ScanOne(rows, bt.t.Visible); err != nil {
			return 0, tables.DBError(bt.t, err)
		}
	}
	rows, err := q.QueryContext(s.Context(), st.sql+" RETURNING "+tables.SelectList(bt.t.Visible), st.args...)
	if err != nil {
		return 0, st.writeError(s, q, d, bt.t, err)
	}
	recs, err := tables.ScanRecords(rows, bt.t.Visible)
	if err != nil {
		return 0, st.writeError(s, q, d, bt.t, err)
	}
	for _, rec := range recs {
		var err error
		switch bt.action {
		case actInsert:
			err = s.Engine().FireTriggers(s, bt.def, actInsert, rec, nil)
		case actUpdate:
			err = s.Engine().FireTriggers(s, bt.def, actUpdate, rec, old)
		case actDelete:
			err = s.Engine().FireTriggers(s, bt.def, actDelete, nil, rec)
		}
		if err != nil {
			return 0, err
		}
	}
	return len(recs), nil
}
