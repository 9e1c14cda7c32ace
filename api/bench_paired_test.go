package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/store"
)

// BenchmarkHTTPSumSquaresPaired is BenchmarkHTTPSumSquares with both
// servers up at once and loaded in turns (see benchPaired): both sides
// see the same machine, which on a shared one changes from one second to
// the next. b.N is the requests sent to each side.
func BenchmarkHTTPSumSquaresPaired(b *testing.B) {
	want := []byte(`{"label":"big","total":2870}`)
	b.Run("loopback", func(b *testing.B) {
		st := backends[0].open(b)
		fs := newServer(b, st, api.Config{}, "../workflows")
		gin.SetMode(gin.ReleaseMode)
		g := gin.New()
		g.GET("/api/sum-squares/:n", sumSquaresHandler)
		gs := httptest.NewServer(g)
		defer gs.Close()
		benchPaired(b, st, fs.URL+"/api/sum-squares/20", gs.URL+"/api/sum-squares/20", want)
	})
}

// BenchmarkHTTPRateLimitPaired is the cost of a rate limit: the example's
// GET /api/sum-squares/20 with a limit it never reaches (per address, a
// billion a minute) beside the same endpoint without one, on one server,
// loaded in turns. On SQLite the counters are in the process; on
// PostgreSQL each request is one round trip to the shared counter
// (docs/design.md §27). ratio is limited ÷ plain.
func BenchmarkHTTPRateLimitPaired(b *testing.B) {
	want := []byte(`{"label":"big","total":2870}`)
	limited := `{"kind": "endpoint", "name": "bench_limited", "method": "GET", "path": "/bench/limited/:n",
	  "rate_limit": {"limit": 1000000000, "window": "1m", "per": "ip"},
	  "input": [{"name": "n", "type": "int", "required": true}],
	  "stack": [{"type": "call", "function": "sum_squares", "input": {"n": "input.n"}, "as": "result"}], "response": "result"}`
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bench_limited.json"), []byte(limited), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			fs := newServer(b, st, api.Config{}, "../workflows", dir)
			benchPairedNamed(b, st, [2]string{"limited", "plain"}, fs.URL+"/bench/limited/20", fs.URL+"/api/sum-squares/20", want)
		})
	}
}

// BenchmarkHTTPProductPaired is BenchmarkHTTPProduct loaded in turns, as
// BenchmarkHTTPSumSquaresPaired.
func BenchmarkHTTPProductPaired(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			fs := newServer(b, st, api.Config{}, "../workflows")
			seedProducts(b, st)
			gs := httptest.NewServer(productServer(st.Gorm()))
			defer gs.Close()
			benchPaired(b, st, fs.URL+"/api/products/sku42", gs.URL+"/api/products/sku42", nil)
		})
	}
}

// pairedRound is the most requests each side gets in one turn, and
// pairedTurns the fewest turns a run has (when b.N allows turns of at
// least 250 requests): the medians are then over enough turns that one
// slow moment of the machine does not decide them.
const (
	pairedRound = 2000
	pairedTurns = 8
)

// benchPaired sends b.N GET requests to each of funcstackURL and goURL
// from 32 concurrent clients, in turns of pairedRound requests, the side
// going first alternating, after an untimed round of each. Work a side leaves behind is its own: each
// turn starts after a garbage collection (untimed), and funcstack's turn
// ends when st has written the turn's execution records (timed). It
// reports, for each side, the median over the turns of wall time per
// request (funcstack-ns/op, go-ns/op) and the 99th-percentile latency of
// all its requests (funcstack-p99-ms, go-p99-ms); and the median over the
// turns of funcstack's time per request ÷ go's in the same turn (ratio),
// which pairs each turn with its neighbour in time, as the design means.
func benchPaired(b *testing.B, st *store.Store, funcstackURL, goURL string, want []byte) {
	benchPairedNamed(b, st, [2]string{"funcstack", "go"}, funcstackURL, goURL, want)
}

// benchPairedNamed is benchPaired with the sides' names in its metrics;
// the first side's records are flushed in its turn.
func benchPairedNamed(b *testing.B, st *store.Store, names [2]string, funcstackURL, goURL string, want []byte) {
	type side struct {
		url    string
		client *http.Client
		perReq []float64
		lats   []time.Duration
	}
	sides := [2]*side{{url: funcstackURL}, {url: goURL}}
	for _, s := range sides {
		tr := &http.Transport{MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: 2 * concurrency}
		s.client = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
	}
	// A round of each side first, untimed: HTTP connections dialled,
	// the database pool's connections made (the sides share the pool, and
	// the first to run would make them for both).
	for _, s := range sides {
		if _, err := loadRound(s.client, s.url, want, 4*concurrency); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.ExecutionRecords().Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	round := min(pairedRound, max(250, (b.N+pairedTurns-1)/pairedTurns))
	var ratios []float64
	b.ResetTimer()
	for done, turn := 0, 0; done < b.N; turn++ {
		n := min(round, b.N-done)
		for i := range sides {
			s := sides[(i+turn)%2]
			b.StopTimer()
			runtime.GC()
			b.StartTimer()
			start := time.Now()
			lats, err := loadRound(s.client, s.url, want, n)
			if err != nil {
				b.Fatal(err)
			}
			if s == sides[0] {
				if err := st.ExecutionRecords().Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			s.perReq = append(s.perReq, float64(elapsed.Nanoseconds())/float64(n))
			s.lats = append(s.lats, lats...)
		}
		ratios = append(ratios, sides[0].perReq[turn]/sides[1].perReq[turn])
		done += n
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	for i, name := range names {
		s := sides[i]
		slices.Sort(s.perReq)
		slices.Sort(s.lats)
		b.ReportMetric(s.perReq[len(s.perReq)/2], name+"-ns/op")
		b.ReportMetric(float64(s.lats[len(s.lats)*99/100].Microseconds())/1000, name+"-p99-ms")
	}
}

// loadRound sends n GET requests to url from 32 concurrent clients and
// returns each one's latency.
func loadRound(client *http.Client, url string, want []byte, n int) ([]time.Duration, error) {
	var (
		left  atomic.Int64
		mu    sync.Mutex
		lats  = make([]time.Duration, 0, n)
		first error
		wg    sync.WaitGroup
	)
	left.Store(int64(n))
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			mine := make([]time.Duration, 0, n/concurrency+1)
			defer func() {
				mu.Lock()
				lats = append(lats, mine...)
				mu.Unlock()
			}()
			for left.Add(-1) >= 0 {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err == nil {
					buf.Reset()
					_, err = io.Copy(&buf, resp.Body)
					resp.Body.Close()
					if err == nil && (resp.StatusCode != http.StatusOK || want != nil && !bytes.Equal(buf.Bytes(), want)) {
						err = &badAnswer{resp.StatusCode, buf.String()}
					}
				}
				mine = append(mine, time.Since(t0))
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					left.Store(-1)
					return
				}
			}
		}()
	}
	wg.Wait()
	return lats, first
}

type badAnswer struct {
	status int
	body   string
}

func (e *badAnswer) Error() string { return http.StatusText(e.status) + ": " + e.body }
