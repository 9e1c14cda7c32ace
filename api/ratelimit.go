package api

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Rate limits (docs/design.md §27.3): an endpoint's or function's
// rate_limit counts the calls of each client (per) in fixed windows. On
// PostgreSQL the counters are rows every node shares, bumped by one
// upsert (one round trip); on SQLite and without a store they are kept
// in the process. A request over the limit gets 429 with Retry-After;
// every counted request gets RateLimit-Limit, -Remaining and -Reset.

const codeRateLimited = "rate_limited"

// counter bumps the count of bucket in the window starting at start (unix
// seconds) and returns the count after the bump.
type counter interface {
	hit(ctx context.Context, bucket string, start, window int64) (int64, error)
}

// memCounter keeps counts in the process.
type memCounter struct {
	mu    sync.Mutex
	m     map[string]memCount
	sweep int64 // unix seconds of the next sweep of ended windows
}

type memCount struct{ start, end, hits int64 }

func (m *memCounter) hit(_ context.Context, bucket string, start, window int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]memCount{}
	}
	if start >= m.sweep {
		for k, c := range m.m {
			if c.end <= start {
				delete(m.m, k)
			}
		}
		m.sweep = start + 60
	}
	c := m.m[bucket]
	if c.start != start {
		c = memCount{start: start, end: start + window}
	}
	c.hits++
	m.m[bucket] = c
	return c.hits, nil
}

// pgCounter keeps counts in funcstack_rate_counters, shared by the nodes.
// A node writes at most one upsert per bucket at a time: the calls that
// come while it is in flight wait together and are counted by the next
// one (hits + k), so a busy client's bucket — one hot row — costs one
// round trip per batch instead of a queue of row locks (docs/design.md
// §27). Each call still gets its own count, in arrival order.
type pgCounter struct {
	db     *sql.DB
	mu     sync.Mutex
	queues map[rateKey]*rateQueue
	sweep  int64
	log    func(string, ...any)
}

type rateKey struct {
	bucket string
	start  int64
}

// rateQueue is a bucket with an upsert in flight (busy) and the calls
// waiting for the next one.
type rateQueue struct {
	busy bool
	next *rateGroup
}

// rateGroup is the calls one upsert counts.
type rateGroup struct {
	hits  int64
	turn  chan struct{} // closed when the group's upsert may start
	done  chan struct{} // closed when it has ended
	total int64         // the count after it
	err   error
}

// rateWriteTimeout bounds one upsert: the calls of its group wait for it.
const rateWriteTimeout = 5 * time.Second

func (p *pgCounter) hit(ctx context.Context, bucket string, start, _ int64) (int64, error) {
	k := rateKey{bucket, start}
	p.mu.Lock()
	if p.queues == nil {
		p.queues = map[rateKey]*rateQueue{}
	}
	q := p.queues[k]
	if q == nil {
		q = &rateQueue{}
		p.queues[k] = q
	}
	g := q.next
	if g == nil {
		g = &rateGroup{turn: make(chan struct{}), done: make(chan struct{})}
		q.next = g
		if !q.busy { // nothing in flight: this group goes now, alone
			q.busy, q.next = true, nil
			close(g.turn)
		}
	}
	g.hits++
	mine := g.hits
	p.mu.Unlock()
	if mine == 1 { // the first call of a group writes it, for all
		<-g.turn // the group is closed to newcomers once its turn comes
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rateWriteTimeout)
		g.total, g.err = p.upsert(wctx, bucket, start, g.hits)
		cancel()
		p.mu.Lock()
		if nxt := q.next; nxt != nil {
			q.next = nil
			close(nxt.turn)
		} else {
			q.busy = false
			delete(p.queues, k)
		}
		p.mu.Unlock()
		close(g.done)
	} else {
		select {
		case <-g.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if g.err != nil {
		return 0, g.err
	}
	return g.total - g.hits + mine, nil
}

// upsert adds hits to the bucket's count and returns the count after.
func (p *pgCounter) upsert(ctx context.Context, bucket string, start, hits int64) (int64, error) {
	var n int64
	err := p.db.QueryRowContext(ctx, `INSERT INTO funcstack_rate_counters (bucket, window_start, hits) VALUES ($1, $2, $3)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = funcstack_rate_counters.hits + EXCLUDED.hits RETURNING hits`, bucket, start, hits).Scan(&n)
	p.mu.Lock()
	due := start >= p.sweep
	if due {
		p.sweep = start + 60
	}
	p.mu.Unlock()
	if due { // drop windows over a day old, off the request's path
		go func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := p.db.ExecContext(sctx, `DELETE FROM funcstack_rate_counters WHERE window_start < $1`, start-int64(engine.MaxRateWindow/time.Second)-60); err != nil {
				p.log("funcstack api: pruning rate-limit counters: %v", err)
			}
		}()
	}
	return n, err
}

// newCounter is the counter for the server's store.
func (s *Server) newCounter() counter {
	if st := s.cfg.Store; st != nil && st.Dialect() == store.DialectPostgres {
		return &pgCounter{db: st.SQL(), log: s.logf}
	}
	return &memCounter{}
}

// rateLimit is a definition's rate_limit made ready to count.
type rateLimit struct {
	name, what string // the definition, and how errors name it
	limit      int64
	window     int64 // seconds
	per        string
	expr       *engine.RatePer
	limitText  string
}

// newRateLimit is d's limit, or nil when it has none.
func newRateLimit(d *engine.Definition) *rateLimit {
	rl := d.RateLimit
	if rl == nil || rl.Limit < 1 || rl.Window.D() < time.Second {
		return nil
	}
	r := &rateLimit{name: d.Name, what: d.Kind + " " + d.Name, limit: int64(rl.Limit), window: int64(rl.Window.D() / time.Second),
		per: rl.Per, limitText: strconv.Itoa(rl.Limit)}
	if rl.Per != engine.RatePerIP && rl.Per != engine.RatePerKey {
		r.expr, _ = engine.CompileRatePer(rl.Per) // checked when the definition was parsed
	}
	return r
}

// check counts the request and answers 429 when it is over the limit (ok
// false: the answer is written). key is the API key used, if any; auth,
// input are what the per expression reads.
func (s *Server) checkRate(c *gin.Context, r *rateLimit, key *store.APIKey, auth, input map[string]any) bool {
	if r == nil {
		return true
	}
	who := c.ClientIP()
	switch {
	case r.per == engine.RatePerKey && key != nil:
		who = "key:" + key.ID
	case r.per == engine.RatePerKey:
		who = "ip:" + who
	case r.expr != nil:
		if auth == nil {
			auth = map[string]any{}
		}
		v, err := r.expr.Key(engine.RatePerEnv{Auth: auth, Input: input, Request: requestMap(c, c.Request.URL.Query(), nil, false)})
		if err != nil || v == "" {
			who = "ip:" + who // nothing to count apart by: count by address
		} else {
			who = "v:" + v
		}
	}
	now := time.Now().Unix()
	start := now - now%r.window
	n, err := s.limits.hit(c.Request.Context(), r.name+"|"+who, start, r.window)
	if err != nil { // fail open: a database hiccup must not refuse every call
		s.logf("funcstack api: counting a call of %s for its rate limit: %v", r.what, err)
		return true
	}
	reset := start + r.window - now
	h := c.Writer.Header()
	h.Set("RateLimit-Limit", r.limitText)
	h.Set("RateLimit-Remaining", strconv.FormatInt(max(0, r.limit-n), 10))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
	if n <= r.limit {
		return true
	}
	h.Set("Retry-After", strconv.FormatInt(max(1, reset), 10))
	writeError(c, &engine.Error{Code: codeRateLimited, Status: http.StatusTooManyRequests, Definition: r.name, Message: fmt.Sprintf(
		"%s allows %d calls per %s for each client (%s); try again in %d s (Retry-After)", r.what, r.limit, time.Duration(r.window)*time.Second, perText(r.per), max(1, reset))})
	return false
}

func perText(per string) string {
	switch per {
	case engine.RatePerIP:
		return "by address"
	case engine.RatePerKey:
		return "by API key"
	}
	return "by " + per
}

// functionLimit is the rate limit of function d, made once per
// definition. A reload makes new definitions; the entries of old ones
// stay (one small entry per published version with a rate_limit).
func (s *Server) functionLimit(d *engine.Definition) *rateLimit {
	if v, ok := s.fnLimits.Load(d); ok {
		return v.(*rateLimit)
	}
	r := newRateLimit(d)
	s.fnLimits.Store(d, r)
	return r
}
