package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// Get implements engine.ExecutionStore. Records still queued are seen.
func (x *Executions) Get(ctx context.Context, id string) (*engine.ExecutionRecord, error) {
	x.mu.Lock()
	r, ok := x.pending[id]
	if !ok {
		r, ok = x.inflight[id]
	}
	if ok {
		cp := *r
		x.mu.Unlock()
		cp.Output, cp.Error, cp.Trace, cp.Logs = engine.RedactRecordSecrets(&cp) // as it will be stored
		cp.Secrets = nil
		return &cp, nil
	}
	x.mu.Unlock()
	recs, err := x.query(ctx, "WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, engine.ErrNoExecution
	}
	return recs[0], nil
}

// ListOptions filter List.
type ListOptions struct {
	Function string // only this function
	Status   string // only this status
	Parent   string // only children of this execution
	Before   string // only IDs before this one (UUIDv7: older), for paging
	Limit    int    // default 50, at most 1000
	Filter          // ID, time range, internal runs (executions_filter.go)
}

// List returns written records, newest first. Queued records show up
// after the next flush (within Options.FlushInterval).
func (x *Executions) List(ctx context.Context, o ListOptions) ([]*engine.ExecutionRecord, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if o.Function != "" {
		add(`"function" = ?`, o.Function)
	}
	if o.Status != "" {
		add("status = ?", o.Status)
		if o.Status != engine.StatusSucceeded {
			// Says what the partial status index covers, for SQLite's
			// planner (PostgreSQL proves it from the equality).
			where = append(where, "status <> 'succeeded'")
		}
	}
	if o.Parent != "" {
		add("parent = ?", o.Parent)
	}
	if o.Before != "" {
		add("id < ?", o.Before)
	}
	where, args = o.Filter.conditions(x.s, where, args)
	if o.Limit <= 0 {
		o.Limit = 50
	}
	o.Limit = min(o.Limit, 1000)
	q := ""
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + strconv.Itoa(o.Limit)
	return x.query(ctx, q, args...)
}

func (x *Executions) query(ctx context.Context, tail string, args ...any) ([]*engine.ExecutionRecord, error) {
	rows, err := x.s.db.QueryContext(ctx, x.s.rebind("SELECT "+execColumns+" FROM funcstack_executions "+tail), args...)
	if err != nil {
		return nil, fmt.Errorf("reading execution records from %s: %v", x.s.where, err)
	}
	defer rows.Close()
	var out []*engine.ExecutionRecord
	for rows.Next() {
		var r engine.ExecutionRecord
		var input, output, errj, trace, logs, origin sql.NullString
		var created, started, finished, updated any
		if err := rows.Scan(&r.ID, &r.Function, &r.Mode, &r.Status, &r.Parent, &r.Attempts, &r.IdempotencyKey, &r.Node,
			&input, &output, &errj, &trace, &logs, &origin, &created, &started, &finished, &updated); err != nil {
			return nil, fmt.Errorf("reading execution records from %s: %v", x.s.where, err)
		}
		var errs []error
		r.CreatedAt, err = ScanTime(created)
		errs = append(errs, err)
		r.StartedAt, err = ScanTime(started)
		errs = append(errs, err)
		r.FinishedAt, err = ScanTime(finished)
		errs = append(errs, err)
		r.Input, err = decodeValue(input)
		errs = append(errs, err)
		r.Output, err = decodeValue(output)
		errs = append(errs, err)
		if errj.Valid {
			r.Error = &engine.Error{}
			errs = append(errs, json.Unmarshal([]byte(errj.String), r.Error))
		}
		if trace.Valid {
			errs = append(errs, json.Unmarshal([]byte(trace.String), &r.Trace))
			for i := range r.Trace {
				r.Trace[i].Result = engine.NormalizeNumbers(r.Trace[i].Result)
			}
		}
		if logs.Valid {
			errs = append(errs, json.Unmarshal([]byte(logs.String), &r.Logs))
			for i := range r.Logs {
				r.Logs[i].Value = engine.NormalizeNumbers(r.Logs[i].Value)
			}
		}
		errs = append(errs, setOrigin(&r, origin))
		if err := errors.Join(errs...); err != nil {
			// One damaged row must not hide the others (nor itself): it
			// is listed with what could be read, marked unreadable.
			r.Unreadable = fmt.Sprintf("part of this record cannot be read: %v", err)
		}
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading execution records from %s: %v", x.s.where, err)
	}
	return out, nil
}

func decodeValue(s sql.NullString) (any, error) {
	if !s.Valid {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s.String)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	// A number stored before input decoding refused it (1e999999) comes
	// back as its text, not as an infinity no answer could write.
	return engine.NormalizeNumbers(value.Storable(v)), nil
}
