package store

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// writeSQLite writes recs with as few statements as it can, their values
// written into the SQL text as literals. The driver prepares every
// statement it runs afresh (there is no statement to reuse) and binds
// parameters in time quadratic in their number, while SQLite's tokenizer
// reads a quoted text in one pass: literals cost least (BenchmarkRecordInsert,
// docs/benchmarks.md). A text that holds a NUL character (which a literal
// cannot) is bound as a parameter.
func (x *Executions) writeSQLite(ctx context.Context, q engine.Querier, recs []*engine.ExecutionRecord, now time.Time) error {
	return x.writeLiterals(ctx, q, sqliteInsert, recs, now)
}

// writeLiterals is writeSQLite with the statement started by insert (the
// benchmark comparing literals with bound parameters also runs it on
// PostgreSQL).
func (x *Executions) writeLiterals(ctx context.Context, q engine.Querier, insert string, recs []*engine.ExecutionRecord, now time.Time) error {
	bp := literalPool.Get().(*[]byte)
	defer literalPool.Put(bp)
	var args []any
	flush := func(b []byte, n int) error {
		_, err := q.ExecContext(ctx, string(b), args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("writing %d execution records to %s: %v", n, x.s.where, err)
		}
		return nil
	}
	b := append((*bp)[:0], insert...)
	rows := 0
	var scratch []byte
	var times timeCache
	for _, r := range recs {
		if rows > 0 {
			b = append(b, ',')
		}
		rows++
		b = append(b, '(')
		b, args = appendLiteral(b, args, r.ID)
		b = append(b, ',')
		b, args = appendLiteral(b, args, r.Function)
		b = append(b, ',')
		b, args = appendLiteral(b, args, r.Mode)
		b = append(b, ',')
		b, args = appendLiteral(b, args, r.Status)
		b = append(b, ',')
		b, args = appendLiteral(b, args, r.Parent)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.Attempts), 10)
		b = append(b, ',')
		b, args = appendLiteral(b, args, r.IdempotencyKey)
		b = append(b, ',')
		b, args = appendLiteral(b, args, r.Node)
		for _, v := range jsonColumns(r) {
			b = append(b, ',')
			if v == nil {
				b = append(b, "NULL"...)
				continue
			}
			scratch = recordJSON(scratch[:0], v) // JSON text never holds a NUL character
			b = appendQuoted(b, scratch)
		}
		for _, t := range timeColumns(r, now) {
			if t.IsZero() {
				b = append(b, ",NULL"...)
				continue
			}
			b = append(b, ",'"...)
			b = times.append(b, t)
			b = append(b, '\'')
		}
		b = append(b, ')')
		if len(b) >= maxStatementBytes {
			if err := flush(b, rows); err != nil {
				return err
			}
			b, rows = append(b[:0], insert...), 0
		}
	}
	if rows > 0 {
		if err := flush(b, rows); err != nil {
			return err
		}
	}
	if cap(b) <= 1<<20 {
		*bp = b
	}
	return nil
}

// sqliteInsert starts the statement writing a batch. OR REPLACE makes a
// record replace the one with its ID: every column is written, nothing
// refers to the table, and it saves SQLite parsing and compiling an
// ON CONFLICT clause of eighteen assignments for every batch.
const sqliteInsert = "INSERT OR REPLACE INTO funcstack_executions (" + execColumns + ") VALUES "

// maxStatementBytes ends a SQLite statement of many records once it is
// this long (a batch of large records takes several).
const maxStatementBytes = 4 << 20

var literalPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendLiteral appends s as a SQL text literal, or, when s holds a NUL
// character, a parameter (appended to args) bound to it.
func appendLiteral(b []byte, args []any, s string) ([]byte, []any) {
	if strings.IndexByte(s, 0) >= 0 {
		return append(b, '?'), append(args, s)
	}
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '\'')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '\''), args
}

// appendQuoted appends text (without NUL characters) as a SQL text literal.
func appendQuoted(b, text []byte) []byte {
	b = append(b, '\'')
	for {
		i := bytes.IndexByte(text, '\'')
		if i < 0 {
			break
		}
		b = append(b, text[:i+1]...)
		b = append(b, '\'')
		text = text[i+1:]
	}
	b = append(b, text...)
	return append(b, '\'')
}
