package api

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Metrics is what GET /metrics serves in the Prometheus text format:
//
//	funcstack_http_requests_total{method,route,endpoint,status}
//	funcstack_http_request_duration_seconds{method,route,endpoint,status} (histogram)
//	funcstack_executions_total{function,status} (executions that reached
//	their final status: a durable execution once, however many attempts)
//	funcstack_execution_attempts_total{function,status} (runs: each
//	attempt of a durable execution; one for any other execution)
//	funcstack_execution_duration_seconds{function} (histogram)
//	funcstack_async_queue_depth
//	funcstack_durable_jobs{queue,state} (with a store: River jobs not yet
//	done, read from the database at each scrape)
//	funcstack_durable_queue_depth{queue} (jobs waiting: available,
//	scheduled, retryable, pending)
//	funcstack_durable_queue_oldest_age_seconds{queue} (how long the
//	oldest job that could run now has waited for a worker; 0: none)
//
// plus the Go runtime and process collectors. route is the route pattern
// (/api/orders/:id; "unmatched" when none matched), endpoint the endpoint
// definition serving it ("" for funcstack's own routes). Counters are
// resolved once per route and status, and once per function: a request
// costs two sync.Map reads, no label hashing.
type Metrics struct {
	eng        *engine.Engine
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	executions *prometheus.CounterVec
	attempts   *prometheus.CounterVec
	execTime   *prometheus.HistogramVec
	durable    sync.Once
	routes     sync.Map // routeKey → *routeStats
	functions  sync.Map // function name → *fnStats
	handle     gin.HandlerFunc
}

type routeKey struct{ method, route string }

type routeStats struct {
	prog     atomic.Pointer[engine.Program] // the program endpoint was last resolved in
	endpoint string
	statuses sync.Map // int → *statusStats
}

type statusStats struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// statuses are the execution statuses an execution ends in, in the order
// of fnStats.count.
var statuses = []string{engine.StatusSucceeded, engine.StatusFailed, engine.StatusTimedOut, engine.StatusCancelled}

type fnStats struct {
	count    [4]prometheus.Counter
	attempts [4]prometheus.Counter
	time     prometheus.Observer
}

// NewMetrics makes the metrics of a server on eng and makes them eng's
// execution observer.
func NewMetrics(eng *engine.Engine) *Metrics {
	m := &Metrics{eng: eng, reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "funcstack_http_requests_total", Help: "HTTP requests answered, by route, endpoint and status.",
	}, []string{"method", "route", "endpoint", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "funcstack_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route, endpoint and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route", "endpoint", "status"})
	m.executions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "funcstack_executions_total", Help: "Executions that reached their final status (sync, async, promoted and durable; middleware included), by function and status.",
	}, []string{"function", "status"})
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "funcstack_execution_attempts_total", Help: "Runs ended: every attempt of a durable execution, one for any other execution, by function and status.",
	}, []string{"function", "status"})
	m.execTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "funcstack_execution_duration_seconds", Help: "Run time of executions, by function.",
		Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 30, 120, 900},
	}, []string{"function"})
	m.reg.MustRegister(m.requests, m.latency, m.executions, m.attempts, m.execTime,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "funcstack_async_queue_depth", Help: "Async executions waiting for a worker.",
		}, func() float64 { return float64(eng.QueueDepth()) }),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	m.handle = func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
	if eng != nil {
		eng.SetObserver(m)
	}
	return m
}

// Registry is the registry behind /metrics, to add collectors to.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) handler(c *gin.Context) { m.handle(c) }

// request counts one answered request.
func (m *Metrics) request(method, route string, status int, d time.Duration) {
	k := routeKey{method, route}
	var prog *engine.Program
	if m.eng != nil {
		prog = m.eng.Program()
	}
	v, ok := m.routes.Load(k)
	if !ok || v.(*routeStats).prog.Load() != prog {
		// First seen, or another program since: which endpoint serves it?
		name := endpointOf(prog, method, route)
		if ok && v.(*routeStats).endpoint == name {
			v.(*routeStats).prog.Store(prog) // the same: keep the counters
		} else {
			rs := &routeStats{endpoint: name}
			rs.prog.Store(prog)
			m.routes.Store(k, rs)
			v = rs
		}
	}
	rs := v.(*routeStats)
	sv, ok := rs.statuses.Load(status)
	if !ok {
		r := route
		if r == "" {
			r = "unmatched"
		}
		labels := []string{method, r, rs.endpoint, strconv.Itoa(status)}
		sv, _ = rs.statuses.LoadOrStore(status, &statusStats{count: m.requests.WithLabelValues(labels...), latency: m.latency.WithLabelValues(labels...)})
	}
	ss := sv.(*statusStats)
	ss.count.Inc()
	ss.latency.Observe(d.Seconds())
}

// endpointOf names the endpoint serving method and route in prog.
func endpointOf(prog *engine.Program, method, route string) string {
	if prog == nil || route == "" {
		return ""
	}
	for name, f := range prog.Functions {
		if f.Kind == engine.KindEndpoint && f.Def.Method == method && f.Def.Path == route {
			return name
		}
	}
	return ""
}

// ExecutionEnded implements engine.Observer.
func (m *Metrics) ExecutionEnded(fn *engine.Function, status string, d time.Duration, what engine.Ended) {
	v, ok := m.functions.Load(fn.Name)
	if !ok {
		fs := &fnStats{time: m.execTime.WithLabelValues(fn.Name)}
		for i, st := range statuses {
			fs.count[i] = m.executions.WithLabelValues(fn.Name, st)
			fs.attempts[i] = m.attempts.WithLabelValues(fn.Name, st)
		}
		v, _ = m.functions.LoadOrStore(fn.Name, fs)
	}
	fs := v.(*fnStats)
	i := 1 // failed
	switch status {
	case engine.StatusSucceeded:
		i = 0
	case engine.StatusTimedOut:
		i = 2
	case engine.StatusCancelled:
		i = 3
	}
	if what&engine.EndedExecution != 0 {
		fs.count[i].Inc()
	}
	if what&engine.EndedAttempt != 0 {
		fs.attempts[i].Inc()
		fs.time.Observe(d.Seconds())
	}
}

// watchDurable adds funcstack_durable_jobs, funcstack_durable_queue_depth
// and funcstack_durable_queue_oldest_age_seconds, read from st's River
// tables.
func (m *Metrics) watchDurable(st *store.Store) {
	m.durable.Do(func() {
		m.reg.MustRegister(&durableJobs{st: st,
			jobs: prometheus.NewDesc("funcstack_durable_jobs",
				"Durable executions' River jobs not yet done (all nodes), by queue and state.", []string{"queue", "state"}, nil),
			depth: prometheus.NewDesc("funcstack_durable_queue_depth",
				"Durable jobs waiting in a queue (all nodes): available, scheduled, retryable or pending.", []string{"queue"}, nil),
			age: prometheus.NewDesc("funcstack_durable_queue_oldest_age_seconds",
				"How long the oldest job of a queue that could run now has waited for a worker (0: none waits).", []string{"queue"}, nil)})
	})
}

// durableJobs counts River jobs by queue and state at each scrape.
type durableJobs struct {
	st               *store.Store
	jobs, depth, age *prometheus.Desc
}

func (d *durableJobs) Describe(ch chan<- *prometheus.Desc) { ch <- d.jobs; ch <- d.depth; ch <- d.age }

func (d *durableJobs) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// The age of the oldest available job, in seconds, computed by the
	// database against its own clock (River's scheduled_at is written by
	// it): SQLite keeps UTC texts.
	age := `EXTRACT(EPOCH FROM (now() - min(scheduled_at)))::float8`
	if d.st.Dialect() == store.DialectSQLite {
		age = `(julianday('now') - julianday(min(scheduled_at))) * 86400.0`
	}
	// Without River's tables (durable work not set up) there is nothing
	// to report.
	rows, err := d.st.SQL().QueryContext(ctx, `SELECT queue, state, count(*), `+age+` FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending') GROUP BY queue, state`)
	if err != nil {
		return
	}
	depth := map[string]int64{}
	oldest := map[string]float64{}
	for rows.Next() {
		var queue, state string
		var n int64
		var a sql.NullFloat64
		if rows.Scan(&queue, &state, &n, &a) != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(d.jobs, prometheus.GaugeValue, float64(n), queue, state)
		if state != "running" {
			depth[queue] += n
		}
		if state == "available" && a.Valid && a.Float64 > 0 {
			oldest[queue] = a.Float64
		}
	}
	rows.Close()
	// Queues with nothing waiting report 0 rather than vanish.
	if qs, err := d.st.SQL().QueryContext(ctx, `SELECT name FROM river_queue`); err == nil {
		for qs.Next() {
			var q string
			if qs.Scan(&q) == nil {
				if _, ok := depth[q]; !ok {
					depth[q] = 0
				}
			}
		}
		qs.Close()
	}
	for q, n := range depth {
		ch <- prometheus.MustNewConstMetric(d.depth, prometheus.GaugeValue, float64(n), q)
		ch <- prometheus.MustNewConstMetric(d.age, prometheus.GaugeValue, oldest[q], q)
	}
}
