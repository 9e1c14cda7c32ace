// Package durable runs funcstack's durable executions on River
// (github.com/riverqueue/river), on the store's own database: River's
// riverpgxv5 driver on PostgreSQL (LISTEN/NOTIFY wake-ups) and riversqlite
// on SQLite (docs/design.md §4 The life of one durable run, §12.1).
//
// A durable execution is a River job of kind funcstack.run whose arguments
// carry the execution ID, the function and its input. Queueing writes the
// execution record (queued) and inserts the job in one transaction — the
// caller's own inside db.transaction — so a job exists exactly when its
// record does (enqueue.go, which also batches requests into shared
// transactions). Workers write the record as running and run the function;
// a success is recorded in the transaction that completes the job
// (complete.go), any other outcome before River finishes with the job, so
// a crash at any point leaves either a finished record or a job that runs
// again, and an attempt that finds its record final does not run the
// function again. The jobs of a node that died run again on live nodes as
// soon as it is declared dead (liveness.go). The input of a
// function with sensitive fields is sealed in the job (AES-256-GCM, see
// seal.go): River keeps job arguments in plain text until it prunes them.
//
// Retries follow the function's settings.retries (default 3 attempts, the
// 2nd after 1 minute, the 3rd after 2, doubling after); client errors (4xx
// statuses: bad input, precondition, throw with a 4xx status), cancelled
// runs and the codes listed in settings.retries.non_retryable are not
// retried. Every attempt leaves a log entry at path "attempt" in the
// record. Results with a callback URL are POSTed there by a second job
// (funcstack.callback), unique per execution, so they are delivered once
// even when the run is retried after a crash.
//
// # Files
//
//	durable.go   Options and Runner: New, Start, Stop, Migrate; a job's arguments
//	enqueue.go   Enqueue and InsertMany: records and jobs in one transaction, group commit
//	work.go      the worker that runs an attempt, and the retry policy
//	complete.go  a success: its record, its job's completion and its callback job, in one transaction
//	cancel.go    Cancel
//	callback.go  delivering results to X-Callback-Url
//	tasks.go     scheduled tasks: each tick run once, whatever the nodes
//	liveness.go  node heartbeats; a dead node's jobs run again elsewhere
//	guard.go     Guard: outbound connections to private addresses refused
//	seal.go      sealing sensitive inputs in job arguments
//	pipe.go      pipelined pgx transactions, for the enqueue path
//	events.go    the structured log lines of background work
package durable

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// DefaultQueue is the queue of functions without settings.queue.
const DefaultQueue = river.QueueDefault

// Defaults of Options.
const (
	DefaultWorkers          = 50
	DefaultQueueWorkers     = 10
	DefaultMaxAttempts      = 3
	DefaultRetryBackoff     = time.Minute
	DefaultRescueAfter      = 15 * time.Second
	DefaultCallbackAttempts = 10
	DefaultCallbackBackoff  = 10 * time.Second
	DefaultCallbackTimeout  = 30 * time.Second
)

// Options configure a Runner. Zero fields take defaults.
type Options struct {
	// Workers is how many durable executions of the default queue run at
	// once in this process (default 50).
	Workers int
	// Queues are named queues and how many of their executions run at once
	// in this process (OpenFaaS max_inflight). A queue named only in a
	// function's settings.queue gets QueueWorkers.
	Queues map[string]int
	// QueueWorkers is the concurrency of queues not in Queues (default 10).
	QueueWorkers int
	// MaxAttempts is the attempts of functions without
	// settings.retries.max_attempts (default 3).
	MaxAttempts int
	// RetryBackoff is the wait before the 2nd attempt of functions without
	// settings.retries.backoff (default 1m); each later wait doubles.
	RetryBackoff time.Duration
	// RescueAfter is how long a job may run before River may consider its
	// process dead; a job is never rescued before its own timeout has
	// passed either (default 15s).
	RescueAfter time.Duration
	// CallbackAttempts and CallbackBackoff are the retry policy of
	// callback deliveries (default 10 attempts, 10s doubling).
	CallbackAttempts int
	CallbackBackoff  time.Duration
	// CallbackTimeout bounds one callback delivery (default 30s).
	CallbackTimeout time.Duration
	// HTTPClient delivers callbacks (default: a client of NewGuard(nil):
	// private, loopback and link-local addresses refused).
	HTTPClient *http.Client
	// NodeID names this process among the nodes sharing the database and
	// among River's clients (default: host name and process ID); no slash
	// or space. A process started again with the same ID takes over at
	// once what its earlier start left (liveness.go).
	NodeID string
	// Addr is where the node serves, shown beside its heartbeat.
	Addr string
	// Heartbeat is how often the node beats in the database and looks for
	// nodes that stopped (default 2s).
	Heartbeat time.Duration
	// NodeGrace is how long a node may go without a heartbeat before it
	// is declared dead: its durable jobs then run on other nodes and its
	// in-memory runs fail with node_lost (default 30s; at least twice
	// Heartbeat).
	NodeGrace time.Duration
	// PollInterval is how often queues are polled for jobs inserted by
	// other processes: on SQLite the only way (default 50ms); on
	// PostgreSQL a fallback to LISTEN/NOTIFY (default 1s).
	PollInterval time.Duration
	// SecretKey (FUNCSTACK_SECRET_KEY, at least 32 bytes) seals the
	// inputs of functions with sensitive fields in their jobs; the same
	// on every node. Default: a key made once and kept in the database's
	// funcstack_keys table.
	SecretKey string
	// Logf reports problems (default log.Printf).
	Logf func(format string, args ...any)
	// Logger gets the structured lines of background events: failed runs,
	// retries, task ticks, callbacks (events.go; default: text lines
	// through Logf).
	Logger *slog.Logger
	// Guard, when set, is the outbound guard callbacks go through: a
	// callback URL it refuses is refused at enqueue (default: the guard
	// of HTTPClient when the Runner makes that client, else none).
	Guard *Guard
}

func (o *Options) fill(sqlite bool) {
	orDefault(&o.Workers, DefaultWorkers)
	orDefault(&o.QueueWorkers, DefaultQueueWorkers)
	orDefault(&o.MaxAttempts, DefaultMaxAttempts)
	orDefault(&o.RetryBackoff, DefaultRetryBackoff)
	orDefault(&o.RescueAfter, DefaultRescueAfter)
	orDefault(&o.CallbackAttempts, DefaultCallbackAttempts)
	orDefault(&o.CallbackBackoff, DefaultCallbackBackoff)
	orDefault(&o.CallbackTimeout, DefaultCallbackTimeout)
	orDefault(&o.Heartbeat, DefaultHeartbeat)
	orDefault(&o.NodeGrace, DefaultNodeGrace)
	if o.HTTPClient == nil {
		g, _ := NewGuard(nil)
		o.HTTPClient, o.Guard = g.Client(), g
	}
	if o.NodeID == "" {
		host, _ := os.Hostname()
		o.NodeID = fmt.Sprintf("%s_%d", host, os.Getpid())
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
		if sqlite {
			o.PollInterval = 50 * time.Millisecond
		}
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	if o.Logger == nil {
		o.Logger = textLogger(o.Logf)
	}
}

// orDefault sets *v to def when it is not positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// client is what the Runner needs of a River client, whichever its
// transaction type.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Queues() *river.QueueBundle
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Runner queues and works durable executions. It implements
// engine.Durable.
type Runner struct {
	st    *store.Store
	log   *slog.Logger
	execs *store.Executions
	eng   *engine.Engine
	opt   Options
	seal  *sealer

	work client // works jobs
	// txc inserts jobs inside a *sql.Tx: the working client on SQLite, an
	// insert-only riverdatabasesql client on PostgreSQL.
	txc *river.Client[*sql.Tx]
	// pgx is the working client on PostgreSQL (nil on SQLite): the
	// enqueue batches insert through it, in pgx transactions.
	pgx *river.Client[pgx.Tx]

	stopOnce sync.Once

	// completions are succeeded runs waiting for their transaction
	// (complete.go).
	completions chan *completion
	// stopCtx is cancelled by Stop, which then waits for bg: the
	// completers and the scheduler.
	stopCtx context.Context
	stopBg  context.CancelFunc
	bg      sync.WaitGroup

	// incarnation names this start of the node; name is NodeID/incarnation,
	// what records carry. liveStop and liveDone end the heartbeats.
	incarnation, name  string
	liveStop, liveDone chan struct{}

	batch        chan *enqueued
	startBatcher sync.Once
	committing   atomic.Int32 // enqueue batches being committed

	mu     sync.Mutex
	queues map[string]bool
	// tasks are the scheduled tasks this node follows (tasks.go);
	// taskWake tells the scheduler they changed.
	tasks    map[string]*task
	taskWake chan struct{}

	// retryAt holds the retry time this process chose for a job it is
	// failing; the retry policy takes it from here. A job River asks about
	// without an entry was rescued from a dead process: it runs again at
	// once.
	retryAt sync.Map // job ID → time.Time
}

var _ engine.Durable = (*Runner)(nil)

// Migrate brings River's tables in st's database up to date. It is safe to
// run from several processes at once on PostgreSQL.
func Migrate(ctx context.Context, st *store.Store) error {
	fail := func(err error) error { return fmt.Errorf("migrating River's tables in %s: %v", st.Where(), err) }
	cfg := &rivermigrate.Config{Logger: quietLogger(nil)}
	var m interface {
		Migrate(context.Context, rivermigrate.Direction, *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
	}
	var err error
	if st.Dialect() == store.DialectPostgres {
		// A migration adds an enum value that a later one uses, so each
		// runs in a transaction of its own; a session lock keeps
		// processes starting together from migrating at once.
		conn, cerr := st.Pool().Acquire(ctx)
		if cerr != nil {
			return fail(cerr)
		}
		defer conn.Release()
		const lock = 1919510117 // "rive"
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
			return fail(err)
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lock)
		m, err = rivermigrate.New(riverpgxv5.New(st.Pool()), cfg)
	} else {
		m, err = rivermigrate.New(riversqlite.New(st.SQL()), cfg)
	}
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// quietLogger passes River's warnings and errors to logf (nil: dropped).
func quietLogger(logf func(string, ...any)) *slog.Logger {
	if logf == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	level := slog.LevelWarn
	if os.Getenv("FUNCSTACK_RIVER_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(logWriter(logf), &slog.HandlerOptions{Level: level}))
}

type logWriter func(string, ...any)

func (w logWriter) Write(p []byte) (int, error) {
	w("funcstack durable: river: %s", string(trimNL(p)))
	return len(p), nil
}

func trimNL(p []byte) []byte {
	for len(p) > 0 && p[len(p)-1] == '\n' {
		p = p[:len(p)-1]
	}
	return p
}

// New migrates River's tables and makes a Runner for eng on st. Start it
// to work jobs; it queues jobs as soon as it is made.
func New(ctx context.Context, st *store.Store, eng *engine.Engine, opt Options) (*Runner, error) {
	sqlite := st.Dialect() == store.DialectSQLite
	opt.fill(sqlite)
	if err := checkNodeID(opt.NodeID); err != nil {
		return nil, err
	}
	if opt.NodeGrace < 2*opt.Heartbeat {
		return nil, fmt.Errorf("a node grace of %s is less than two heartbeats of %s: a node would be declared dead while it lives; raise --node-grace", opt.NodeGrace, opt.Heartbeat)
	}
	if err := Migrate(ctx, st); err != nil {
		return nil, err
	}
	seal, err := newSealer(ctx, func(ctx context.Context) ([]byte, error) { return st.Key(ctx, inputKeyName) }, opt.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("starting the durable queue on %s: %v", st.Where(), err)
	}
	r := &Runner{seal: seal, st: st, log: opt.Logger, execs: st.ExecutionRecords(), eng: eng, opt: opt, queues: map[string]bool{}, tasks: map[string]*task{}, taskWake: make(chan struct{}, 1),
		batch: make(chan *enqueued, 4*maxBatch), incarnation: newIncarnation(), completions: make(chan *completion, maxCompletions)}
	r.stopCtx, r.stopBg = context.WithCancel(context.Background())
	r.name = store.NodeName(opt.NodeID, r.incarnation)
	eng.SetNode(r.name)
	workers := river.NewWorkers()
	river.AddWorker(workers, &runWorker{r: r})
	river.AddWorker(workers, &callbackWorker{r: r})
	queues := map[string]river.QueueConfig{DefaultQueue: {MaxWorkers: opt.Workers}}
	r.queues[DefaultQueue] = true
	for name, n := range opt.Queues {
		if n <= 0 {
			return nil, fmt.Errorf("queue %s: concurrency %d must be at least 1 (--queue %s=N)", name, n, name)
		}
		queues[name] = river.QueueConfig{MaxWorkers: n}
		r.queues[name] = true
	}
	if p := eng.Program(); p != nil {
		for _, fn := range p.Functions {
			if q := fn.Def.Settings.Queue; q != "" && !r.queues[q] {
				queues[q] = river.QueueConfig{MaxWorkers: opt.QueueWorkers}
				r.queues[q] = true
			}
		}
	}
	cfg := &river.Config{
		ID:                   opt.NodeID,
		Queues:               queues,
		Workers:              workers,
		MaxAttempts:          opt.MaxAttempts,
		RetryPolicy:          &retryPolicy{r: r},
		RescueStuckJobsAfter: opt.RescueAfter,
		JobTimeout:           opt.RescueAfter, // every worker sets its own
		FetchPollInterval:    opt.PollInterval,
		// River waits this long between two fetches of a queue: its
		// default (100ms) caps a queue at MaxWorkers jobs per 100ms.
		FetchCooldown: 5 * time.Millisecond,
		Logger:        quietLogger(opt.Logf),
	}
	if sqlite {
		c, err := river.NewClient(riversqlite.New(st.SQL()), cfg)
		if err != nil {
			return nil, fmt.Errorf("starting the durable queue on %s: %v", st.Where(), err)
		}
		r.work, r.txc = c, c
	} else {
		c, err := river.NewClient(riverpgxv5.New(st.Pool()), cfg)
		if err != nil {
			return nil, fmt.Errorf("starting the durable queue on %s: %v", st.Where(), err)
		}
		ins, err := river.NewClient(riverdatabasesql.New(st.SQL()), &river.Config{MaxAttempts: opt.MaxAttempts, Logger: quietLogger(opt.Logf),
			// Its inserts notify the working clients at most once per
			// FetchCooldown per queue.
			FetchCooldown: cfg.FetchCooldown})
		if err != nil {
			return nil, fmt.Errorf("starting the durable queue on %s: %v", st.Where(), err)
		}
		r.work, r.txc, r.pgx = c, ins, c
	}
	if p := eng.Program(); p != nil {
		if err := r.SyncTasks(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Start joins the nodes (liveness.go) — taking over at once what an
// earlier start of this node ID left: its jobs, its in-memory runs, its
// leadership; node IDs are unique among live processes — and begins
// working jobs. Stop ends it.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.joinNodes(ctx); err != nil {
		return fmt.Errorf("starting the durable queue on %s: %v", r.st.Where(), err)
	}
	for i := 0; i < r.completers(); i++ {
		r.bg.Add(1)
		go func() { defer r.bg.Done(); r.completer() }()
	}
	r.bg.Add(1)
	go func() { defer r.bg.Done(); r.scheduler() }()
	if err := r.work.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the durable queue on %s: %v", r.st.Where(), err)
	}
	return nil
}

// Stop stops fetching jobs and waits for those running to end until ctx is
// done; then it cancels them (River runs them again later).
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	r.stopOnce.Do(func() { err = r.stop(ctx) })
	return err
}

func (r *Runner) stop(ctx context.Context) error {
	err := r.work.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = r.work.StopAndCancel(cctx)
	}
	r.stopBg()
	r.bg.Wait()
	r.stopLiveness()
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopping the durable queue: %v", err)
	}
	return nil
}

// ensureQueue makes sure this process works queue name.
func (r *Runner) ensureQueue(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queues[name] {
		return
	}
	n := r.opt.QueueWorkers
	if c, ok := r.opt.Queues[name]; ok {
		n = c
	}
	if err := r.work.Queues().Add(name, river.QueueConfig{MaxWorkers: n}); err != nil {
		var dup *river.QueueAlreadyAddedError
		if !errors.As(err, &dup) {
			r.opt.Logf("funcstack durable: adding queue %s: %v", name, err)
			return
		}
	}
	r.queues[name] = true
}

// runArgs are the arguments of a durable execution's job.
type runArgs struct {
	ID       string          `json:"id"`
	Function string          `json:"function"`
	Input    json.RawMessage `json:"input,omitempty"`
	// Sealed is the input of a function with sensitive fields, sealed
	// (Input is then empty): River keeps job arguments in plain text.
	Sealed    string         `json:"sealed,omitempty"`
	Parent    string         `json:"parent,omitempty"`
	Key       string         `json:"key,omitempty"`
	Callback  string         `json:"callback,omitempty"`
	Auth      map[string]any `json:"auth,omitempty"`
	Depth     int            `json:"depth,omitempty"`      // trigger depth
	CallDepth int            `json:"call_depth,omitempty"` // call depth
	Created   time.Time      `json:"created"`
	// Schedule is the tick a task's run is for (tasks.go).
	Schedule *tickRun `json:"schedule,omitempty"`
	// Traceparent is the W3C traceparent of the span that queued the run
	// (engine/tracing.go): every attempt's span is its child, on any node
	// and after a restart.
	Traceparent string `json:"traceparent,omitempty"`
	// Root is the execution whose tree of runs queued this one ("": none;
	// the run is its own root), counted against max_durable_descendants.
	Root string `json:"root,omitempty"`
}

const kindRun = "funcstack.run"

// sealed is a with its input sealed when fn has sensitive inputs.
func (r *Runner) sealed(fn *engine.Function, a runArgs) runArgs {
	if fn.Inputs.HasSensitive() && len(a.Input) > 0 {
		a.Sealed, a.Input = r.seal.seal(a.Input, a.ID), nil
	}
	return a
}

// input is a's input as JSON, opened if sealed.
func (r *Runner) input(a runArgs) ([]byte, error) {
	if a.Sealed == "" {
		return a.Input, nil
	}
	return r.seal.open(a.Sealed, a.ID)
}

func (runArgs) Kind() string { return kindRun }

// Queues lists the queues this process works, sorted.
func (r *Runner) Queues() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.queues))
	for q := range r.queues {
		out = append(out, q)
	}
	sort.Strings(out)
	return out
}
