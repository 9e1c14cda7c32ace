package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
)

// concurrency is how many requests are in flight at once.
const concurrency = 32

// BenchmarkHTTPSumSquares serves GET /api/sum-squares/20 over a real
// loopback server to 32 concurrent clients: /funcstack is the example
// endpoint (input validation, a call of sum_squares, an execution record
// written to SQLite in batches), /go the same computation in a
// hand-written gin handler. ns/op is wall time per request, so the ratio
// of the two is the ratio of their throughputs.
func BenchmarkHTTPSumSquares(b *testing.B) {
	want := []byte(`{"label":"big","total":2870}`)
	b.Run("funcstack", func(b *testing.B) {
		st := backends[0].open(b)
		ts := newServer(b, st, api.Config{}, "../workflows")
		benchGet(b, ts.URL+"/api/sum-squares/20", want)
	})
	b.Run("go", func(b *testing.B) {
		gin.SetMode(gin.ReleaseMode)
		g := gin.New()
		g.GET("/api/sum-squares/:n", sumSquaresHandler)
		ts := httptest.NewServer(g)
		defer ts.Close()
		benchGet(b, ts.URL+"/api/sum-squares/20", want)
	})
}

// BenchmarkHTTPSumSquaresMemStore is the /funcstack side with execution
// records kept in memory instead of SQLite: the difference between the two
// is the cost of keeping every run's record in the database.
func BenchmarkHTTPSumSquaresMemStore(b *testing.B) {
	st := backends[0].open(b)
	eng := engine.New(engine.Config{DB: st})
	defer eng.Close()
	eng.Load(program(b, st, "../workflows"))
	srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, JWTSecret: []byte(jwtSecret)})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	benchGet(b, ts.URL+"/api/sum-squares/20", []byte(`{"label":"big","total":2870}`))
}

// sumSquaresHandler is what a Go developer would write by hand for the
// endpoint: parse and check n, loop, answer JSON.
func sumSquaresHandler(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 0 || n > 100_000 {
		c.JSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "invalid_input", "message": "n must be an int from 0 to 100000"}})
		return
	}
	total := 0
	for i := 1; i <= n; i++ {
		total += i * i
	}
	label := "small"
	if total > 1000 {
		label = "big"
	}
	c.JSON(http.StatusOK, struct {
		Label string `json:"label"`
		Total int    `json:"total"`
	}{label, total})
}

func benchGet(b *testing.B, url string, want []byte) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: 2 * concurrency}}
	defer client.CloseIdleConnections()
	b.SetParallelism((concurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 256)
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			w := bytes.NewBuffer(buf[:0])
			_, err = io.Copy(w, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(w.Bytes(), want) {
				b.Errorf("%d %s %v", resp.StatusCode, w.Bytes(), err)
				return
			}
		}
	})
}
