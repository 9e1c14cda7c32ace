package store

import (
	"context"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// WriteLiterals writes recs (new records) through q with their values as
// SQL literals: writeSQLite on SQLite, the same statement without OR
// REPLACE on PostgreSQL (which writes bound parameters otherwise).
func (x *Executions) WriteLiterals(ctx context.Context, q engine.Querier, recs []*engine.ExecutionRecord, now time.Time) error {
	if x.s.dialect == DialectSQLite {
		return x.writeSQLite(ctx, q, recs, now)
	}
	return x.writeLiterals(ctx, q, "INSERT INTO funcstack_executions ("+execColumns+") VALUES ", recs, now)
}

// WriteBound writes recs (new records) through q with their values bound
// as parameters: on PostgreSQL writeIn (one unnest statement of eighteen
// array parameters), on SQLite multi-row VALUES of directRows records a
// statement, each value a parameter (fewer rows a statement bind faster:
// the driver finds each parameter's value by a scan of all of them).
func (x *Executions) WriteBound(ctx context.Context, q engine.Querier, recs []*engine.ExecutionRecord, now time.Time) error {
	if x.s.dialect != DialectSQLite {
		return x.writeIn(ctx, q, recs, true)
	}
	text, spans, err := directValues(nil, nil, recs, now)
	if err != nil {
		return err
	}
	const cols = execColumnCount - 1 // spans a record: attempts is an integer
	for start := 0; start < len(recs); start += directRows {
		part := recs[start:min(len(recs), start+directRows)]
		args := make([]any, 0, len(part)*execColumnCount)
		for i, r := range part {
			row := spans[(start+i)*cols:]
			for col, j := 0, 0; col < execColumnCount; col++ {
				switch {
				case col == 5:
					args = append(args, int64(r.Attempts))
					continue
				case row[j].n < 0:
					args = append(args, nil)
				default:
					args = append(args, string(text[row[j].off:row[j].off+row[j].n]))
				}
				j++
			}
		}
		if _, err := q.ExecContext(ctx, directInsert(len(part)), args...); err != nil {
			return err
		}
	}
	return nil
}
