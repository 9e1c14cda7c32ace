package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/funcstack/funcstack/engine"
)

// The SQLite driver under GORM's pure-Go dialector (glebarez/go-sqlite)
// prepares every statement it runs afresh: a batch of execution records
// written through database/sql costs SQLite a parse and a code generation
// of every row, a third of the batch's time. So the records have a
// connection of their own (recordConn), opened on the same database file
// through SQLite's C interface, which keeps its insert statements
// prepared and binds the records' values to them.

// directRows is how many records one run of the larger prepared
// statement writes; the rest of a batch goes one record a run.
const directRows = 32

// directInsert is the statement writing n records, every value bound.
func directInsert(n int) string {
	row := "(" + strings.Repeat("?,", execColumnCount-1) + "?)"
	return "INSERT OR REPLACE INTO funcstack_executions (" + execColumns + ") VALUES " + strings.Repeat(row+",", n-1) + row
}

// recordConn is a SQLite connection that writes execution records, with
// its statements prepared once.
type recordConn struct {
	mu        sync.Mutex
	tls       *libc.TLS
	db        uintptr
	many, one uintptr // prepared inserts of directRows records and of one
	// text and spans are a batch's values and where each is, kept for
	// the next batch; cbuf is the C buffer (ccap bytes) the text is
	// copied into for SQLite to read.
	text  []byte
	spans []span
	cbuf  uintptr
	ccap  int
}

// keepBatchText is the most text a batch's buffers keep for the next.
const keepBatchText = 1 << 20

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

// openRecordConn opens file, a database the store has opened and
// migrated, for writing records; without checkpoints of its own when the
// store runs them in the background (Store.checkpointLoop).
func openRecordConn(file string, noCheckpoints bool) (_ *recordConn, err error) {
	c := &recordConn{tls: libc.NewTLS()}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	name, err := libc.CString(file)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	const size = int(unsafe.Sizeof(uintptr(0)))
	out := c.tls.Alloc(size)
	defer c.tls.Free(size)
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, out, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_FULLMUTEX, 0)
	c.db = *(*uintptr)(unsafe.Add(nil, out))
	if rc != sqlite3.SQLITE_OK {
		if c.db == 0 {
			return nil, fmt.Errorf("opening %s: SQLite result code %d", file, rc)
		}
		return nil, c.error(rc)
	}
	pragmas := []string{"PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL"}
	if noCheckpoints {
		pragmas = append(pragmas, "PRAGMA wal_autocheckpoint = 0")
	}
	for _, q := range pragmas {
		if err := c.exec(q); err != nil {
			return nil, err
		}
	}
	if c.many, err = c.prepare(directInsert(directRows)); err != nil {
		return nil, err
	}
	if c.one, err = c.prepare(directInsert(1)); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *recordConn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range []uintptr{c.many, c.one} {
		if st != 0 {
			sqlite3.Xsqlite3_finalize(c.tls, st)
		}
	}
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
	}
	if c.cbuf != 0 {
		libc.Xfree(c.tls, c.cbuf)
	}
	c.many, c.one, c.db, c.cbuf, c.ccap = 0, 0, 0, 0, 0
	if c.tls != nil {
		c.tls.Close()
		c.tls = nil
	}
}

// span is where a value's text is in a batch's text; n < 0 is NULL.
type span struct{ off, n int32 }

// write upserts recs in one transaction. The text of every value is
// copied into one C buffer, which the bound parameters point into
// (SQLITE_STATIC: SQLite copies nothing).
func (c *recordConn) write(recs []*engine.ExecutionRecord, now time.Time) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == 0 {
		return errors.New("the records connection is closed")
	}
	text, spans, err := directValues(c.text[:0], c.spans[:0], recs, now)
	if err != nil {
		return err
	}
	if cap(text) <= keepBatchText {
		c.text, c.spans = text, spans
	} else {
		c.text, c.spans = nil, nil
	}
	buf, err := c.cText(text)
	if err != nil {
		return err
	}
	if err := c.exec("BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = c.exec("ROLLBACK")
		}
	}()
	for start := 0; start < len(recs); {
		stmt, n := c.many, directRows
		if len(recs)-start < directRows {
			stmt, n = c.one, 1
		}
		if err := c.run(stmt, buf, recs[start:start+n], spans[start*(execColumnCount-1):]); err != nil {
			return err
		}
		start += n
	}
	return c.exec("COMMIT")
}

// cText copies text into the connection's C buffer, grown as needed (and
// given back when a batch needed more than keepBatchText).
func (c *recordConn) cText(text []byte) (uintptr, error) {
	if c.ccap < len(text) || c.ccap > keepBatchText {
		if c.cbuf != 0 {
			libc.Xfree(c.tls, c.cbuf)
			c.cbuf, c.ccap = 0, 0
		}
		n := max(len(text), 64<<10)
		p := libc.Xmalloc(c.tls, libc.Tsize_t(n))
		if p == 0 {
			return 0, fmt.Errorf("out of memory for %d bytes of execution records", n)
		}
		c.cbuf, c.ccap = p, n
	}
	copy(unsafe.Slice((*byte)(unsafe.Add(nil, c.cbuf)), len(text)), text)
	return c.cbuf, nil
}

// directValues appends to text the text of recs' values, row after row,
// and to spans where each is (execColumnCount-1 spans a record: attempts
// is an integer).
func directValues(text []byte, spans []span, recs []*engine.ExecutionRecord, now time.Time) ([]byte, []span, error) {
	var times timeCache
	spans = slices.Grow(spans, len(recs)*(execColumnCount-1))
	add := func(start int) { spans = append(spans, span{int32(start), int32(len(text) - start)}) }
	for _, r := range recs {
		for _, s := range [...]string{r.ID, r.Function, r.Mode, r.Status, r.Parent, r.IdempotencyKey, r.Node} {
			start := len(text)
			text = append(text, s...)
			add(start)
		}
		for _, v := range jsonColumns(r) {
			if v == nil {
				spans = append(spans, span{0, -1})
				continue
			}
			start := len(text)
			text = recordJSON(text, v)
			add(start)
		}
		for _, t := range timeColumns(r, now) {
			if t.IsZero() {
				spans = append(spans, span{0, -1})
				continue
			}
			start := len(text)
			text = times.append(text, t)
			add(start)
		}
		if len(text) > 1<<30 {
			return nil, nil, fmt.Errorf("%d bytes of text in one batch", len(text))
		}
	}
	return text, spans, nil
}

// run binds rows' values (their text in buf, where spans say) to stmt,
// prepared for len(rows) rows, and runs it.
func (c *recordConn) run(stmt, buf uintptr, rows []*engine.ExecutionRecord, spans []span) error {
	tls := c.tls
	p := int32(1)
	for i, r := range rows {
		row := spans[i*(execColumnCount-1):]
		for col, j := 0, 0; col < execColumnCount; col, p = col+1, p+1 {
			var rc int32
			switch {
			case col == 5: // attempts
				rc = sqlite3.Xsqlite3_bind_int64(tls, stmt, p, int64(r.Attempts))
			case row[j].n < 0:
				rc = sqlite3.Xsqlite3_bind_null(tls, stmt, p)
				j++
			default:
				rc = sqlite3.Xsqlite3_bind_text(tls, stmt, p, buf+uintptr(row[j].off), row[j].n, 0)
				j++
			}
			if rc != sqlite3.SQLITE_OK {
				return c.error(rc)
			}
		}
	}
	rc := sqlite3.Xsqlite3_step(tls, stmt)
	sqlite3.Xsqlite3_reset(tls, stmt)
	if rc != sqlite3.SQLITE_DONE {
		return c.error(rc)
	}
	return nil
}

// prepare prepares query, to be kept.
func (c *recordConn) prepare(query string) (uintptr, error) {
	q, err := libc.CString(query)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, q)
	const size = int(unsafe.Sizeof(uintptr(0)))
	out := c.tls.Alloc(size)
	defer c.tls.Free(size)
	if rc := sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, q, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, out, 0); rc != sqlite3.SQLITE_OK {
		return 0, c.error(rc)
	}
	stmt := *(*uintptr)(unsafe.Add(nil, out))
	if stmt == 0 {
		return 0, errors.New("preparing the insert of execution records gave no statement")
	}
	return stmt, nil
}

// exec runs a statement without parameters or results.
func (c *recordConn) exec(query string) error {
	q, err := libc.CString(query)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, q)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, q, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.error(rc)
	}
	return nil
}

// error is SQLite's message for result code rc.
func (c *recordConn) error(rc int32) error {
	return fmt.Errorf("%s (SQLite result code %d)", libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)), rc)
}
