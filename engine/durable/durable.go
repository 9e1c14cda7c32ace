// Package durable runs funcstack's durable executions on River
// (github.com/riverqueue/river), on the store's own database: River's
// riverpgxv5 driver on PostgreSQL (LISTEN/NOTIFY wake-ups) and riversqlite
// on SQLite (docs/design.md §4 The life of one durable run, §12.1).
//
// A durable execution is a River job of kind funcstack.run whose arguments
// carry the execution ID, the function and its input. Queueing writes the
// execution record (queued) and inserts the job in one transaction — the
// caller's own inside db.transaction — so a job exists exactly when its
// record does. Workers write the record as running and run the function;
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
	"slices"
	"sort"
	"strings"
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

// insertOpts are the queue and attempts of fn's jobs.
func (r *Runner) insertOpts(fn *engine.Function) *river.InsertOpts {
	o := &river.InsertOpts{Queue: DefaultQueue, MaxAttempts: r.opt.MaxAttempts}
	if fn.Def != nil {
		if q := fn.Def.Settings.Queue; q != "" {
			o.Queue = q
			r.ensureQueue(q)
		}
		if n := fn.Def.Settings.Retries.Attempts; n > 0 {
			o.MaxAttempts = n
		}
	}
	return o
}

// Enqueue implements engine.Durable. Without tx, requests arriving
// together share one transaction (group commit): each returns once the
// transaction holding its job has committed.
func (r *Runner) Enqueue(ctx context.Context, tx *sql.Tx, req *engine.DurableRequest) (string, error) {
	if tx != nil {
		ids, err := r.insertAll(ctx, tx, []*engine.DurableRequest{req})
		if err != nil {
			return "", err
		}
		return ids[0], nil
	}
	r.startBatcher.Do(r.runBatchers)
	e := &enqueued{req: req, done: make(chan struct{})}
	select {
	case r.batch <- e:
	case <-ctx.Done():
		return "", fmt.Errorf("queueing durable %s: %w", req.Function.Name, context.Cause(ctx))
	}
	<-e.done
	return e.id, e.err
}

// enqueued is one Enqueue waiting for its batch.
type enqueued struct {
	req  *engine.DurableRequest
	id   string
	err  error
	done chan struct{}
}

// batchers is how many batches commit at once on PostgreSQL (SQLite has
// one writer: one): two, so that one batch fills while the other commits.
// More made smaller batches and cost more per request (docs/benchmarks.md
// §7, BenchmarkAsyncFunctionEnqueue/postgres). maxBatch bounds a batch.
const (
	batchers = 2
	maxBatch = 256
)

// A batcher that finds another batch committing waits up to lingerFor for
// its own to reach lingerBatch requests before committing it: under load,
// fewer and larger transactions, each costing PostgreSQL less per request
// (docs/benchmarks.md §7). With nothing else committing, a batch commits
// at once, so a lone request never waits.
const (
	lingerFor   = time.Millisecond
	lingerBatch = 16
)

func (r *Runner) runBatchers() {
	n := batchers
	if r.st.Dialect() == store.DialectSQLite {
		n = 1
	}
	for i := 0; i < n; i++ {
		go func() {
			linger := time.NewTimer(lingerFor)
			linger.Stop()
			for first := range r.batch {
				b := gather(r.batch, []*enqueued{first}, maxBatch)
				if len(b) < lingerBatch && r.committing.Load() > 0 {
					linger.Reset(lingerFor)
				wait:
					for len(b) < lingerBatch {
						select {
						case e := <-r.batch:
							b = append(b, e)
						case <-linger.C:
							break wait
						}
					}
					linger.Stop()
				}
				r.committing.Add(1)
				r.commitBatch(b)
				r.committing.Add(-1)
			}
		}()
	}
}

// gather appends to b what waits in ch, up to max in all, without
// waiting.
func gather[T any](ch <-chan T, b []T, max int) []T {
	for len(b) < max {
		select {
		case v := <-ch:
			b = append(b, v)
		default:
			return b
		}
	}
	return b
}

// commitBatch queues a batch in one transaction, trying a busy database
// again; when the batch fails as a whole each request is tried alone, so
// that one bad request fails only itself.
func (r *Runner) commitBatch(b []*enqueued) {
	reqs := make([]*engine.DurableRequest, len(b))
	for i, e := range b {
		reqs[i] = e.req
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids, err := r.inOwnTx(ctx, reqs)
	if err != nil && len(b) > 1 {
		for _, e := range b {
			one, err := r.inOwnTx(ctx, []*engine.DurableRequest{e.req})
			if err == nil {
				e.id = one[0]
			}
			e.err = err
			close(e.done)
		}
		return
	}
	for i, e := range b {
		if err != nil {
			e.err = err
		} else {
			e.id = ids[i]
		}
		close(e.done)
	}
}

// inOwnTx queues reqs in a transaction of their own.
func (r *Runner) inOwnTx(ctx context.Context, reqs []*engine.DurableRequest) ([]string, error) {
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
		}
		ids, err := r.insertOwn(ctx, reqs)
		if err == nil {
			return ids, nil
		}
		last = err
		if !busy(err) {
			break
		}
	}
	return nil, last
}

// insertOwn queues reqs in one new transaction: on PostgreSQL, unless an
// idempotency key is to be claimed, a pipelined pgx one (pgx's binary
// encoding; BEGIN, the records and River's job insert in one round trip,
// NOTIFY and COMMIT in a second).
func (r *Runner) insertOwn(ctx context.Context, reqs []*engine.DurableRequest) ([]string, error) {
	if r.pgx == nil || slices.ContainsFunc(reqs, func(q *engine.DurableRequest) bool { return q.IdempotencyKey != "" || q.Root != "" }) {
		tx, err := r.st.SQL().BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
		}
		ids, err := r.insertAll(ctx, tx, reqs)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		return ids, tx.Commit()
	}
	ids := make([]string, len(reqs))
	recs := make([]*engine.ExecutionRecord, len(reqs))
	params := make([]river.InsertManyParams, len(reqs))
	now := time.Now()
	for i, req := range reqs {
		ids[i] = engine.NewID()
		recs[i], params[i] = r.job(ids[i], req, now)
	}
	conn, err := r.st.Pool().Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
	}
	defer conn.Release()
	tx := &pipeTx{conn: conn.Conn()}
	err = r.execs.WritePgx(ctx, tx, recs...)
	if err == nil {
		_, err = r.pgx.InsertManyTx(ctx, tx, params)
	}
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
	}
	return ids, nil
}

// job is the queued record and the job of execution id of req.
func (r *Runner) job(id string, req *engine.DurableRequest, now time.Time) (*engine.ExecutionRecord, river.InsertManyParams) {
	fn := req.Function
	rec := &engine.ExecutionRecord{ID: id, Function: fn.Name, Mode: engine.ModeDurable, Status: engine.StatusQueued,
		Input: req.Redacted, Parent: req.Parent, IdempotencyKey: req.IdempotencyKey, CreatedAt: now, Version: fn.Version()}
	if req.CallbackURL != "" {
		rec.Callback = &engine.CallbackInfo{URL: logURL(req.CallbackURL), State: engine.CallbackPending}
	}
	return rec, river.InsertManyParams{Args: r.sealed(fn, runArgs{ID: id, Function: fn.Name, Input: req.Input, Parent: req.Parent,
		Key: req.IdempotencyKey, Callback: req.CallbackURL, Auth: req.Auth, Depth: req.TriggerDepth, CallDepth: req.Depth, Created: now, Traceparent: req.Traceparent, Root: req.Root}),
		InsertOpts: r.insertOpts(fn)}
}

// insertAll writes the queued records of reqs and inserts their jobs in
// tx, two statements in all, and returns their execution IDs (an earlier
// execution's for an idempotency key already claimed with the same input;
// one claimed with another input is the error
// engine.IdempotencyKeyReused).
func (r *Runner) insertAll(ctx context.Context, tx *sql.Tx, reqs []*engine.DurableRequest) ([]string, error) {
	now := time.Now()
	ids := make([]string, len(reqs))
	recs := make([]*engine.ExecutionRecord, 0, len(reqs))
	params := make([]river.InsertManyParams, 0, len(reqs))
	var roots map[string]int // new runs per root
	for i, req := range reqs {
		fn := req.Function
		id := engine.NewID()
		ids[i] = id
		if req.IdempotencyKey != "" {
			got, err := r.execs.ClaimIdempotencyKeyIn(ctx, tx, fn.Name, req.IdempotencyKey, req.Fingerprint, id, r.eng.Config().IdempotencyWindow)
			if err != nil {
				return nil, err
			}
			if got != id {
				ids[i] = got
				continue
			}
		}
		rec, p := r.job(id, req, now)
		recs, params = append(recs, rec), append(params, p)
		if req.Root != "" {
			if roots == nil {
				roots = map[string]int{}
			}
			roots[req.Root]++
		}
	}
	if len(recs) == 0 {
		return ids, nil
	}
	if err := r.countDescendants(ctx, tx, roots); err != nil {
		return nil, err
	}
	if err := r.execs.WriteIn(ctx, tx, recs...); err != nil {
		return nil, err
	}
	if _, err := r.txc.InsertManyFastTx(ctx, tx, params); err != nil {
		return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
	}
	return ids, nil
}

// busy reports a transient conflict worth trying again (PostgreSQL
// serialization failure or deadlock, SQLite busy).
func busy(err error) bool {
	s := err.Error()
	for _, w := range []string{"SQLSTATE 40001", "SQLSTATE 40P01", "database is locked", "SQLITE_BUSY"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

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

// InsertMany queues durable executions of fn, one per input, in one
// transaction (records included): for benchmarks and bulk loads.
func (r *Runner) InsertMany(ctx context.Context, fn *engine.Function, inputs []json.RawMessage) ([]string, error) {
	reqs := make([]*engine.DurableRequest, len(inputs))
	for i, in := range inputs {
		reqs[i] = &engine.DurableRequest{Function: fn, Input: in}
	}
	return r.insertOwn(ctx, reqs)
}

// countDescendants adds the new runs of each root (roots) to the runs
// the root's tree has queued, in tx, against max_durable_descendants:
// past the limit the whole transaction is refused (a batch's requests are
// then tried one by one).
func (r *Runner) countDescendants(ctx context.Context, tx *sql.Tx, roots map[string]int) error {
	max := r.eng.Config().Limits.MaxDurableDescendants
	for root, n := range roots {
		total, err := r.st.CountDescendantsIn(ctx, tx, root, n)
		if err != nil {
			return fmt.Errorf("counting the durable runs of execution %s in %s: %v", root, r.st.Where(), err)
		}
		if total > int64(max) {
			return &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf(
				"execution %s and the runs it started have queued %d durable runs, more than %d (limit max_durable_descendants); queue fewer from one run, e.g. a page at a time from a task", root, total, max)}
		}
	}
	return nil
}
