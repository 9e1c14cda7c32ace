package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// Executions keeps execution records in funcstack_executions. Save only
// queues the record; a background flusher writes queued records in batches
// (up to Options.BatchSize per transaction, at most Options.FlushInterval
// after the first was queued). Get sees queued records at once. Close (of
// the Store) flushes.
type Executions struct {
	s *Store

	// writeMu serialises batch writes, so that a later version of a
	// record is never overwritten by an earlier one.
	writeMu sync.Mutex

	mu      sync.Mutex
	pending map[string]*engine.ExecutionRecord // queued, newest per ID
	// fresh holds the pending IDs no version of which was written before
	// (Keep's records): PostgreSQL inserts them without ON CONFLICT.
	fresh map[string]struct{}
	// order is the IDs of pending in the order they were first queued
	// (from order[head]): batches take the oldest, so that a batch's
	// records are near one another in time and in ID (UUIDv7) and are
	// appended to the table's indexes, not scattered over them, however
	// far the flusher has fallen behind.
	order    []string
	head     int
	inflight map[string]*engine.ExecutionRecord // being written
	drained  chan struct{}                      // closed after each write
	closed   bool

	// direct is the SQLite connection records are written on (nil on
	// PostgreSQL, or if it could not be opened), made on first use.
	direct     *recordConn
	directOnce sync.Once

	wake chan struct{} // a first record was queued
	full chan struct{} // a batch is full
	stop chan struct{}
	done chan struct{}
}

var _ engine.ExecutionStore = (*Executions)(nil)

// maxPendingBatches bounds the records queued (in batches): past it Save
// waits for the flusher, so a slow database slows callers instead of
// filling memory.
const maxPendingBatches = 40

func newExecutions(s *Store) *Executions {
	x := &Executions{s: s, pending: map[string]*engine.ExecutionRecord{}, fresh: map[string]struct{}{}, drained: make(chan struct{}),
		wake: make(chan struct{}, 1), full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if !s.opt.SyncWrites {
		go x.loop()
	} else {
		close(x.done)
	}
	return x
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Save implements engine.ExecutionStore: it queues a copy of rec for the
// next batch (or, with Options.SyncWrites, writes it at once).
func (x *Executions) Save(ctx context.Context, rec *engine.ExecutionRecord) error {
	if rec == nil {
		return x.queue(ctx, nil, false)
	}
	cp := *rec
	return x.queue(ctx, &cp, false)
}

// Keep implements engine.RecordKeeper: Save of rec itself, which the
// caller gives up, and which is new (its ID never saved before).
func (x *Executions) Keep(ctx context.Context, rec *engine.ExecutionRecord) error {
	return x.queue(ctx, rec, true)
}

// queue queues rec, new when no version of it was saved before.
func (x *Executions) queue(ctx context.Context, rec *engine.ExecutionRecord, isNew bool) error {
	if rec == nil || rec.ID == "" {
		return errors.New("saving an execution record: the record has no ID")
	}
	cleanRecordText(rec)
	if x.s.opt.SyncWrites {
		one := []*engine.ExecutionRecord{rec}
		if isNew {
			return x.write(ctx, one, nil)
		}
		return x.write(ctx, nil, one)
	}
	max := x.s.opt.BatchSize * maxPendingBatches
	x.mu.Lock()
	for len(x.pending) >= max && !x.closed {
		ch := x.drained
		x.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("saving execution record %s: %d records wait to be written to %s: %w", rec.ID, max, x.s.where, context.Cause(ctx))
		}
		x.mu.Lock()
	}
	if x.closed {
		x.mu.Unlock()
		return fmt.Errorf("saving execution record %s: the store %s is closed", rec.ID, x.s.where)
	}
	// A version already queued keeps its freshness: neither is written.
	if _, ok := x.pending[rec.ID]; !ok {
		x.order = append(x.order, rec.ID)
		if isNew && x.s.dialect == DialectPostgres { // SQLite writes both kinds alike
			x.fresh[rec.ID] = struct{}{}
		}
	}
	x.pending[rec.ID] = rec
	n := len(x.pending)
	x.mu.Unlock()
	if n == 1 {
		signal(x.wake)
	}
	if n >= x.s.opt.BatchSize {
		signal(x.full)
	}
	return nil
}

func (x *Executions) loop() {
	defer close(x.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-x.wake:
		case <-x.full:
		case <-x.stop:
			x.flushAll()
			return
		}
		x.mu.Lock()
		n := len(x.pending)
		x.mu.Unlock()
		if n > 0 && n < x.s.opt.BatchSize {
			timer.Reset(x.s.opt.FlushInterval)
			select {
			case <-timer.C:
			case <-x.full:
				timer.Stop()
			case <-x.stop:
				timer.Stop()
				x.flushAll()
				return
			}
		}
		x.flushOnce()
		x.mu.Lock()
		more := len(x.pending) > 0
		x.mu.Unlock()
		if more {
			signal(x.wake)
		}
	}
}

// flushAll writes every queued record and waits for the writes in
// progress. Pending records alone do not tell that all is written: the
// flusher may have taken the last ones into a write of its own between
// two looks, so flushAll also waits until no batch is in flight.
func (x *Executions) flushAll() {
	for {
		x.flushOnce() // waits for a write in progress first
		x.mu.Lock()
		done := len(x.pending) == 0 && x.inflight == nil
		x.mu.Unlock()
		if done {
			return
		}
	}
}

// flushOnce writes up to BatchSize queued records in one transaction.
func (x *Executions) flushOnce() {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.Lock()
	if len(x.pending) == 0 {
		x.mu.Unlock()
		return
	}
	var news, olds []*engine.ExecutionRecord
	take := func(r *engine.ExecutionRecord) {
		if _, ok := x.fresh[r.ID]; ok {
			news = append(news, r)
			delete(x.fresh, r.ID)
		} else {
			olds = append(olds, r)
		}
	}
	if len(x.pending) <= x.s.opt.BatchSize {
		x.inflight = x.pending
		x.pending = map[string]*engine.ExecutionRecord{}
		x.order, x.head = x.order[:0], 0
		for _, r := range x.inflight {
			take(r)
		}
	} else {
		x.inflight = make(map[string]*engine.ExecutionRecord, x.s.opt.BatchSize)
		for len(x.inflight) < x.s.opt.BatchSize {
			id := x.order[x.head]
			x.head++
			r := x.pending[id]
			take(r)
			x.inflight[id] = r
			delete(x.pending, id)
		}
		if x.head > len(x.order)/2 {
			n := copy(x.order, x.order[x.head:])
			clear(x.order[n:])
			x.order, x.head = x.order[:n], 0
		}
	}
	x.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	err := x.write(ctx, news, olds)
	if err != nil {
		// Try once more, then record by record, so that one bad
		// record does not lose the others; both as upserts, in case a
		// new record was written after all.
		time.Sleep(20 * time.Millisecond)
		batch := append(news, olds...)
		if err = x.write(ctx, nil, batch); err != nil {
			failed := 0
			for _, r := range batch {
				if e := x.write(ctx, nil, []*engine.ExecutionRecord{r}); e != nil {
					failed++
					err = e
				}
			}
			if failed > 0 {
				x.s.opt.Logf("funcstack store: %d of %d execution records could not be written to %s and are lost: %v", failed, len(batch), x.s.where, err)
			}
		}
	}
	cancel()
	x.mu.Lock()
	x.inflight = nil
	close(x.drained)
	x.drained = make(chan struct{})
	x.mu.Unlock()
}

// Flush writes every queued record now.
func (x *Executions) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() { x.flushAll(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (x *Executions) close() error {
	x.mu.Lock()
	already := x.closed
	x.closed = true
	x.mu.Unlock()
	if already {
		return nil
	}
	if !x.s.opt.SyncWrites {
		close(x.stop)
		<-x.done
	}
	x.directOnce.Do(func() {}) // none made from now on
	if x.direct != nil {
		x.direct.close()
	}
	return nil
}

// recordConn returns the SQLite connection records are written on, or
// nil to write them through database/sql (PostgreSQL, or SQLite's own
// connection could not be opened: the reason is logged once).
func (x *Executions) recordConn() *recordConn {
	x.directOnce.Do(func() {
		if x.s.dialect != DialectSQLite {
			return
		}
		c, err := openRecordConn(x.s.where, x.s.checkpointsInBackground())
		if err != nil {
			x.s.opt.Logf("funcstack store: execution records are written through database/sql: %v", err)
			return
		}
		x.direct = c
	})
	return x.direct
}

const execColumns = `id, "function", mode, status, parent, attempts, idempotency_key, input, output, error, trace, logs, created_at, started_at, finished_at, updated_at`
const execColumnCount = 16

// jsonColumns is rec's values for its JSON columns (input, output, error,
// trace, logs), nil for each one written as NULL.
func jsonColumns(r *engine.ExecutionRecord) [5]any {
	v := [5]any{r.Input, r.Output}
	if r.Error != nil {
		v[2] = r.Error
	}
	if len(r.Trace) > 0 {
		v[3] = r.Trace
	}
	if len(r.Logs) > 0 {
		v[4] = r.Logs
	}
	return v
}

// timeColumns is rec's created_at (now when unset), started_at and
// finished_at, and updated_at (now); a zero time is written as NULL.
func timeColumns(r *engine.ExecutionRecord, now time.Time) [4]time.Time {
	created := r.CreatedAt
	if created.IsZero() {
		created = now
	}
	return [4]time.Time{created, r.StartedAt, r.FinishedAt, now}
}

// rowsPerInsert keeps statements well under the bound-parameter limits.
const rowsPerInsert = 200

// write writes records queued by Save (their text cleaned): news, new
// ones, and olds, which may replace a version written before. On
// PostgreSQL the new ones are inserted without ON CONFLICT, which costs
// it a fifth less a record (a plain INSERT of 200 records took 1.8 ms,
// with ON CONFLICT 2.2-2.9 ms); a record that turns out to be there
// already fails the statement, and flushOnce writes the batch again as
// upserts. On SQLite both are one INSERT OR REPLACE.
func (x *Executions) write(ctx context.Context, news, olds []*engine.ExecutionRecord) error {
	if x.s.dialect == DialectSQLite {
		news, olds = nil, append(news, olds...)
	}
	for _, recs := range [][]*engine.ExecutionRecord{news, olds} {
		// A fixed order keeps concurrent writers from deadlocking.
		sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	}
	if len(news)+len(olds) == 0 {
		return nil
	}
	if c := x.recordConn(); c != nil { // SQLite: olds holds them all
		if err := c.write(olds, time.Now()); err != nil {
			return fmt.Errorf("writing %d execution records to %s: %v", len(olds), x.s.where, err)
		}
		return nil
	}
	if x.s.dialect == DialectSQLite || len(news)+len(olds) <= rowsPerInsert && (len(news) == 0 || len(olds) == 0) {
		// One statement.
		if err := x.writeIn(ctx, x.s.db, news, true); err != nil {
			return err
		}
		return x.writeIn(ctx, x.s.db, olds, false)
	}
	tx, err := x.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing execution records to %s: %v", x.s.where, err)
	}
	defer tx.Rollback()
	if err := x.writeIn(ctx, tx, news, true); err != nil {
		return err
	}
	if err := x.writeIn(ctx, tx, olds, false); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("writing execution records to %s: %v", x.s.where, err)
	}
	return nil
}

// writeSQLite writes recs with as few statements as it can, their values
// written into the SQL text as literals. The driver prepares every
// statement it runs afresh (there is no statement to reuse) and binds
// parameters in time quadratic in their number, while SQLite's tokenizer
// reads a quoted text in one pass: literals cost least. A text that holds
// a NUL character (which a literal cannot) is bound as a parameter.
func (x *Executions) writeSQLite(ctx context.Context, q engine.Querier, recs []*engine.ExecutionRecord, now time.Time) error {
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
	b := append((*bp)[:0], sqliteInsert...)
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
			b, rows = append(b[:0], sqliteInsert...), 0
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
// ON CONFLICT clause of sixteen assignments for every batch.
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

// appendTime appends t as FormatTime writes it.
func appendTime(b []byte, t time.Time) []byte {
	var c timeCache
	return c.append(b, t)
}

// timeCache appends times as FormatTime writes them, reusing the text up
// to the second of the time before (the times of a batch of records share
// most of theirs).
type timeCache struct {
	sec    int64
	prefix [19]byte // 2006-01-02T15:04:05
}

func (c *timeCache) append(b []byte, t time.Time) []byte {
	t = t.UTC()
	if sec := t.Unix(); sec != c.sec || c.prefix[0] == 0 {
		year, month, day := t.Date()
		if year < 0 || year > 9999 {
			return t.AppendFormat(b, TimeFormat)
		}
		hour, minute, second := t.Clock()
		p := c.prefix[:0]
		p = appendDigits(p, year, 4)
		p = append(p, '-')
		p = appendDigits(p, int(month), 2)
		p = append(p, '-')
		p = appendDigits(p, day, 2)
		p = append(p, 'T')
		p = appendDigits(p, hour, 2)
		p = append(p, ':')
		p = appendDigits(p, minute, 2)
		p = append(p, ':')
		appendDigits(p, second, 2)
		c.sec = sec
	}
	b = append(b, c.prefix[:]...)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

func appendDigits(b []byte, v, width int) []byte {
	var d [8]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}

// statement is the PostgreSQL statement writing recs, new ones or, unless
// isNew, ones that replace the record with their ID; and its arguments: one
// statement whatever the number of records, each column one array
// parameter that unnest turns into rows, so that it is prepared once per
// connection and reused (a VALUES list of 16 parameters a record made a
// new statement, parsed and planned, for every batch size).
func statement(recs []*engine.ExecutionRecord, now time.Time, isNew bool) (string, []any) {
	if isNew {
		return pgBatchInsert, pgRecordArgs(recs, now)
	}
	return pgBatchUpsert, pgRecordArgs(recs, now)
}

// pgBatchUpsert upserts the records whose columns are pgBatchInsert's
// array parameters.
const pgBatchUpsert = pgBatchInsert + execUpsertTail

// pgBatchInsert inserts the records whose columns are its sixteen array
// parameters (JSON columns as texts, NULL for none).
const pgBatchInsert = `INSERT INTO funcstack_executions (` + execColumns + `)
	SELECT id, fn, mode, status, parent, attempts, ikey, input::jsonb, output::jsonb, error::jsonb, trace::jsonb, logs::jsonb,
		created_at, started_at, finished_at, updated_at
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
		$13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[])
		AS u(id, fn, mode, status, parent, attempts, ikey, input, output, error, trace, logs, created_at, started_at, finished_at, updated_at)
	WHERE true`

// pgRecordArgs are the arguments of pgBatchInsert writing recs.
func pgRecordArgs(recs []*engine.ExecutionRecord, now time.Time) []any {
	n := len(recs)
	var (
		texts    = make([][]string, 5)
		attempts = make([]int32, n)
		ikeys    = make([]string, n)
		jsons    = make([][]*string, 5)
		times    = make([][]*time.Time, 3)
		updated  = make([]time.Time, n)
	)
	for i := range texts {
		texts[i] = make([]string, n)
	}
	for i := range jsons {
		jsons[i] = make([]*string, n)
	}
	for i := range times {
		times[i] = make([]*time.Time, n)
	}
	nowUTC := now.UTC()
	var buf []byte
	for i, r := range recs {
		texts[0][i], texts[1][i], texts[2][i], texts[3][i], texts[4][i] = r.ID, r.Function, r.Mode, r.Status, r.Parent
		attempts[i], ikeys[i] = int32(r.Attempts), r.IdempotencyKey
		for j, v := range jsonColumns(r) {
			if v == nil {
				continue
			}
			buf = recordJSON(buf[:0], v)
			s := string(buf)
			jsons[j][i] = &s
		}
		ts := timeColumns(r, now)
		for j, t := range ts[:3] { // updated_at is nowUTC
			if !t.IsZero() {
				t = t.UTC()
				times[j][i] = &t
			}
		}
		updated[i] = nowUTC
	}
	return []any{texts[0], texts[1], texts[2], texts[3], texts[4], attempts, ikeys,
		jsons[0], jsons[1], jsons[2], jsons[3], jsons[4], times[0], times[1], times[2], updated}
}

// execUpsertTail makes an insert of execution records replace the ones
// already there.
const execUpsertTail = ` ON CONFLICT (id) DO UPDATE SET "function" = excluded."function", mode = excluded.mode, status = excluded.status,
		parent = excluded.parent, attempts = excluded.attempts, idempotency_key = excluded.idempotency_key,
		input = excluded.input, output = excluded.output, error = excluded.error, trace = excluded.trace, logs = excluded.logs,
		created_at = excluded.created_at, started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = excluded.updated_at`

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
		var input, output, errj, trace, logs sql.NullString
		var created, started, finished, updated any
		if err := rows.Scan(&r.ID, &r.Function, &r.Mode, &r.Status, &r.Parent, &r.Attempts, &r.IdempotencyKey,
			&input, &output, &errj, &trace, &logs, &created, &started, &finished, &updated); err != nil {
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
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("execution record %s in %s is damaged: %v", r.ID, x.s.where, err)
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
	return engine.NormalizeNumbers(v), nil
}

// ClaimIdempotencyKey implements engine.ExecutionStore: it maps (scope,
// key) to id and fingerprint for window, unless the pair maps to a live
// (unexpired) entry, whose execution ID it returns instead; a live entry
// claimed with another fingerprint is the error
// engine.IdempotencyKeyReused (one without, claimed before fingerprints
// were kept, matches any).
func (x *Executions) ClaimIdempotencyKey(ctx context.Context, scope, key, fingerprint, id string, window time.Duration) (string, error) {
	return x.ClaimIdempotencyKeyIn(ctx, x.s.db, scope, key, fingerprint, id, window)
}

// ClaimIdempotencyKeyIn is ClaimIdempotencyKey through q (a transaction:
// the claim then holds only if it commits).
func (x *Executions) ClaimIdempotencyKeyIn(ctx context.Context, db engine.Querier, scope, key, fingerprint, id string, window time.Duration) (string, error) {
	if window <= 0 {
		return id, nil
	}
	scope, key, fingerprint = cleanText(scope), cleanText(key), cleanText(fingerprint)
	now := time.Now()
	q := x.s.rebind(`INSERT INTO funcstack_idempotency_keys (scope, "key", execution_id, fingerprint, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (scope, "key") DO UPDATE SET execution_id = excluded.execution_id, fingerprint = excluded.fingerprint, expires_at = excluded.expires_at
		WHERE funcstack_idempotency_keys.expires_at <= ?
		RETURNING execution_id`)
	sel := x.s.rebind(`SELECT execution_id, fingerprint FROM funcstack_idempotency_keys WHERE scope = ? AND "key" = ?`)
	for attempt := 0; attempt < 3; attempt++ {
		var got, had string
		err := db.QueryRowContext(ctx, q, scope, key, id, fingerprint, x.s.timeArg(now.Add(window)), x.s.timeArg(now)).Scan(&got)
		if err == nil {
			return got, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("claiming idempotency key %q of %s in %s: %v", key, scope, x.s.where, err)
		}
		// A live entry holds the key.
		err = db.QueryRowContext(ctx, sel, scope, key).Scan(&got, &had)
		if err == nil {
			if had != "" && fingerprint != "" && had != fingerprint {
				return got, engine.IdempotencyKeyReused(scope, key, got, window)
			}
			return got, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("reading idempotency key %q of %s in %s: %v", key, scope, x.s.where, err)
		}
		// Pruned in between: try again.
	}
	return "", fmt.Errorf("claiming idempotency key %q of %s in %s: the entry kept changing; try again", key, scope, x.s.where)
}

// Prune deletes finished execution records older than the retention
// (Options.Retention) and expired idempotency keys. It returns how many
// execution records it deleted.
func (x *Executions) Prune(ctx context.Context) (int64, error) {
	return x.PruneBefore(ctx, time.Now().Add(-x.s.opt.Retention))
}

// PruneBefore deletes finished execution records created before cutoff,
// and expired idempotency keys.
func (x *Executions) PruneBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if x.s.opt.Retention < 0 {
		cutoff = time.Time{}
	}
	now := time.Now()
	if _, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_idempotency_keys WHERE expires_at <= ?`), x.s.timeArg(now)); err != nil {
		return 0, fmt.Errorf("pruning idempotency keys in %s: %v", x.s.where, err)
	}
	if cutoff.IsZero() {
		return 0, nil
	}
	final := []string{engine.StatusSucceeded, engine.StatusFailed, engine.StatusCancelled, engine.StatusTimedOut}
	res, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_executions WHERE created_at < ? AND status IN (?, ?, ?, ?)`),
		x.s.timeArg(cutoff), final[0], final[1], final[2], final[3])
	if err != nil {
		return 0, fmt.Errorf("pruning execution records in %s: %v", x.s.where, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
