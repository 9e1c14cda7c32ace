package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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

	// keeps are the definitions with a history.keep of their own (SetKeeps).
	keeps atomic.Pointer[map[string]time.Duration]

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

// SaveWait is Save, returning only once the record is written (with the
// batch it joined), so that it outlives a crash of the process right
// after. Many callers waiting at once still share batches.
func (x *Executions) SaveWait(ctx context.Context, rec *engine.ExecutionRecord) error {
	if err := x.Save(ctx, rec); err != nil {
		return err
	}
	// Records saved while a write is under way form the next batch
	// (group commit).
	return x.Settle(ctx, rec.ID)
}
