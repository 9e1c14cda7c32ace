package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
)

func init() { uuid.EnableRandPool() }

// NewID returns a new execution ID: a UUIDv7, so IDs sort by creation time.
func NewID() string {
	u, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return u.String()
}

// Execution statuses (docs/design.md §5 Execution records and statuses).
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
	StatusTimedOut  = "timed_out"
)

// Final reports whether status is an end state.
func Final(status string) bool {
	switch status {
	case StatusSucceeded, StatusFailed, StatusCancelled, StatusTimedOut:
		return true
	}
	return false
}

// Execution modes.
const (
	ModeSync  = "sync"
	ModeAsync = "async"
)

// ExecutionRecord is what is kept of every run.
type ExecutionRecord struct {
	ID             string `json:"id"`
	Function       string `json:"function"`
	Mode           string `json:"mode"`
	Status         string `json:"status"`
	Input          any    `json:"input,omitempty"`
	Output         any    `json:"output,omitempty"`
	Error          *Error `json:"error,omitempty"`
	Parent         string `json:"parent,omitempty"`
	Attempts       int    `json:"attempts"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Node is the process that runs or ran it: its node ID and, after a
	// slash, the incarnation (one start of that node). A run in flight on
	// a node that dies is closed by this (package durable, liveness.go).
	Node       string       `json:"node,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	StartedAt  time.Time    `json:"started_at,omitzero"`
	FinishedAt time.Time    `json:"finished_at,omitzero"`
	Trace      []TraceEntry `json:"trace,omitempty"`
	Logs       []LogEntry   `json:"logs,omitempty"`
	// Version is the version of the definition that ran (0: none stored,
	// as for an unsaved definition run from the builder).
	Version int `json:"version,omitempty"`
	// Draft marks a run of the builder's Run & Debug with the workspace's
	// drafts instead of its published versions.
	Draft bool `json:"draft,omitempty"`
	// Request is the HTTP request of an endpoint's run (origin.go).
	Request *RequestInfo `json:"request,omitempty"`
	// Callback is the delivery of a durable run's outcome to its
	// X-Callback-Url, when it has one.
	Callback *CallbackInfo `json:"callback,omitempty"`
	// Secrets are texts the run made that the stored record holds as
	// Redacted wherever they appear (State.KeepOut); never stored.
	Secrets []string `json:"-"`
	// Unreadable says why part of a stored record could not be read back
	// (a damaged row); the rest of it is as read.
	Unreadable string `json:"unreadable,omitempty"`
}

// Callback delivery states.
const (
	CallbackPending   = "pending"   // the run has not ended, or the first delivery is under way
	CallbackRetrying  = "retrying"  // a delivery failed; another follows
	CallbackDelivered = "delivered" // the URL answered 2xx
	CallbackFailed    = "failed"    // the last delivery failed, or the guard refused the URL
)

// CallbackInfo is where a durable run's outcome is delivered and how far
// that got. URL leaves out the query and user info, which may hold
// credentials.
type CallbackInfo struct {
	URL         string    `json:"url"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// A RecordKeeper is an ExecutionStore that can keep the record it is
// given instead of a copy, for a caller that is done with it: Keep is
// Save without the copy of a new record, one whose ID was never saved
// before (the engine's sync runs, one record each), which a store may
// write more cheaply (PostgreSQL: an INSERT without ON CONFLICT).
type RecordKeeper interface {
	Keep(ctx context.Context, rec *ExecutionRecord) error
}

// ErrNoExecution is returned by stores for an unknown ID.
var ErrNoExecution = errors.New("no such execution")

// ExecutionStore keeps execution records. The engine saves a record when an
// async execution is queued and when any execution ends; implementations
// must be safe for concurrent use and may write in batches.
type ExecutionStore interface {
	// Save inserts or replaces the record with rec.ID. The store must not
	// keep rec itself: the engine may reuse it.
	Save(ctx context.Context, rec *ExecutionRecord) error
	// Get returns a copy of the record, or ErrNoExecution.
	Get(ctx context.Context, id string) (*ExecutionRecord, error)
	// ClaimIdempotencyKey maps (scope, key) to id and the input
	// fingerprint (InputFingerprint) for window unless it already maps to
	// another live entry, whose ID it then returns. A live entry with a
	// different fingerprint is the error IdempotencyKeyReused (an entry
	// or a claim without fingerprint matches any).
	ClaimIdempotencyKey(ctx context.Context, scope, key, fingerprint, id string, window time.Duration) (string, error)
}

// MemoryStore is an ExecutionStore in memory, keeping at most max records
// (the oldest are dropped first).
type MemoryStore struct {
	mu    sync.Mutex
	max   int
	recs  map[string]*ExecutionRecord
	order []string
	head  int
	idem  map[string]idemEntry
}

type idemEntry struct {
	id, fingerprint string
	expires         time.Time
}

// NewMemoryStore makes a MemoryStore holding up to max records.
func NewMemoryStore(max int) *MemoryStore {
	return &MemoryStore{max: max, recs: map[string]*ExecutionRecord{}, idem: map[string]idemEntry{}}
}

// Save implements ExecutionStore.
func (m *MemoryStore) Save(ctx context.Context, rec *ExecutionRecord) error {
	cp := *rec
	return m.Keep(ctx, &cp)
}

// Keep implements RecordKeeper.
func (m *MemoryStore) Keep(_ context.Context, rec *ExecutionRecord) error {
	m.mu.Lock()
	if _, ok := m.recs[rec.ID]; !ok {
		m.order = append(m.order, rec.ID)
		if len(m.order)-m.head > m.max {
			delete(m.recs, m.order[m.head])
			m.order[m.head] = ""
			m.head++
			if m.head > len(m.order)/2 {
				m.order = append([]string(nil), m.order[m.head:]...)
				m.head = 0
			}
		}
	}
	m.recs[rec.ID] = rec
	m.mu.Unlock()
	return nil
}

// Local reports that the store serves only this process.
func (m *MemoryStore) Local() bool { return true }

// Get implements ExecutionStore.
func (m *MemoryStore) Get(_ context.Context, id string) (*ExecutionRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return nil, ErrNoExecution
	}
	cp := *r
	return &cp, nil
}

// List returns up to limit records, newest first.
func (m *MemoryStore) List(limit int) []*ExecutionRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*ExecutionRecord
	for i := len(m.order) - 1; i >= m.head && len(out) < limit; i-- {
		if r, ok := m.recs[m.order[i]]; ok {
			cp := *r
			out = append(out, &cp)
		}
	}
	return out
}

// ClaimIdempotencyKey implements ExecutionStore.
func (m *MemoryStore) ClaimIdempotencyKey(_ context.Context, scope, key, fingerprint, id string, window time.Duration) (string, error) {
	k := scope + "\x00" + key
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.idem[k]; ok && now.Before(e.expires) {
		if e.fingerprint != "" && fingerprint != "" && e.fingerprint != fingerprint {
			return e.id, IdempotencyKeyReused(scope, key, e.id, window)
		}
		return e.id, nil
	}
	if len(m.idem) > 4*m.max {
		for k, e := range m.idem {
			if now.After(e.expires) {
				delete(m.idem, k)
			}
		}
	}
	m.idem[k] = idemEntry{id: id, fingerprint: fingerprint, expires: now.Add(window)}
	return id, nil
}
