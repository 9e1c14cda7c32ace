package api_test

import (
	"bytes"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
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
	srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, JWTSecret: []byte(jwtSecret),
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}) // as newServer: no access lines
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

// benchGet runs GET url from 32 concurrent clients until b.N requests are
// done, checks every answer, and reports the 99th-percentile latency as
// p99-ms beside ns/op (wall time per request: its inverse is the
// throughput).
func benchGet(b *testing.B, url string, want []byte) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: 2 * concurrency}}
	defer client.CloseIdleConnections()
	var (
		mu   sync.Mutex
		lats []time.Duration
	)
	b.SetParallelism((concurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 512)
		mine := make([]time.Duration, 0, 1024)
		defer func() {
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
		for pb.Next() {
			start := time.Now()
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			w := bytes.NewBuffer(buf[:0])
			_, err = io.Copy(w, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(start))
			if err != nil || resp.StatusCode != 200 || (want != nil && !bytes.Equal(w.Bytes(), want)) {
				b.Errorf("%d %s %v", resp.StatusCode, w.Bytes(), err)
				return
			}
		}
	})
	b.StopTimer()
	if len(lats) > 0 {
		slices.Sort(lats)
		b.ReportMetric(float64(lats[(len(lats)*99)/100].Microseconds())/1000, "p99-ms")
	}
}

// product is the product table's row as the hand-written handler reads it
// with GORM.
type product struct {
	ID        int64   `json:"id" gorm:"primaryKey"`
	SKU       string  `json:"sku" gorm:"column:sku"`
	Name      string  `json:"name"`
	Price     float64 `json:"price"`
	Stock     int64   `json:"stock"`
	CreatedAt stamp   `json:"created_at"`
	UpdatedAt stamp   `json:"updated_at"`
}

// stamp reads a timestamp column on both backends (SQLite keeps text) and
// writes it as RFC 3339, as a hand-written handler would need to.
type stamp time.Time

func (t *stamp) Scan(v any) error {
	tt, err := store.ScanTime(v)
	*t = stamp(tt)
	return err
}

func (t stamp) Value() (driver.Value, error) { return time.Time(t), nil }

func (t stamp) MarshalJSON() ([]byte, error) { return time.Time(t).UTC().MarshalJSON() }

func (product) TableName() string { return "product" }

// BenchmarkHTTPProduct serves GET /api/products/:sku (one indexed read)
// to 32 concurrent clients on each backend: /funcstack is the example
// endpoint api_product_get (db.get by sku, a precondition, the execution
// record), /gorm the same read hand-written in gin with GORM on the same
// database.
func BenchmarkHTTPProduct(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			fs := newServer(b, st, api.Config{}, "../workflows") // makes the tables
			seedProducts(b, st)
			b.Run("funcstack", func(b *testing.B) { benchGet(b, fs.URL+"/api/products/sku42", nil) })
			b.Run("gorm", func(b *testing.B) {
				ts := httptest.NewServer(productServer(st.Gorm()))
				defer ts.Close()
				benchGet(b, ts.URL+"/api/products/sku42", nil)
			})
		})
	}
}

// seedProducts adds 100 products, sku0 to sku99.
func seedProducts(b *testing.B, st *store.Store) {
	for i := 0; i < 100; i++ {
		if err := st.Gorm().Select("sku", "name", "price", "stock").Create(&product{SKU: "sku" + strconv.Itoa(i), Name: "Product " + strconv.Itoa(i), Price: 1.5, Stock: int64(i)}).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// productServer is GET /api/products/:sku hand-written in gin with GORM.
func productServer(db *gorm.DB) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.GET("/api/products/:sku", func(c *gin.Context) {
		var p product
		err := db.WithContext(c.Request.Context()).Where("sku = ?", c.Param("sku")).Take(&p).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no product with SKU " + c.Param("sku")}})
		case err != nil:
			c.JSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": "internal", "message": err.Error()}})
		default:
			c.JSON(http.StatusOK, p)
		}
	})
	return g
}

// BenchmarkServeSumSquares is BenchmarkHTTPSumSquares without the network
// and the client: one goroutine hands GET /api/sum-squares/20 straight to
// the server's handler. /funcstack-memstore and /go measure the server's
// own CPU per request (records kept in memory: the engine, the API layer
// and gin); /funcstack keeps records in SQLite, whose flusher runs beside
// the loop and, once it falls behind, paces it: its ns/op is the
// throughput of both together.
func BenchmarkServeSumSquares(b *testing.B) {
	want := []byte(`{"label":"big","total":2870}`)
	b.Run("funcstack", func(b *testing.B) {
		st := backends[0].open(b)
		ts := newServer(b, st, api.Config{}, "../workflows")
		benchServe(b, ts.Config.Handler, "/api/sum-squares/20", want)
	})
	b.Run("funcstack-memstore", func(b *testing.B) {
		st := backends[0].open(b)
		eng := engine.New(engine.Config{DB: st})
		defer eng.Close()
		eng.Load(program(b, st, "../workflows"))
		srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, JWTSecret: []byte(jwtSecret),
			Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			b.Fatal(err)
		}
		benchServe(b, srv, "/api/sum-squares/20", want)
	})
	b.Run("go", func(b *testing.B) {
		gin.SetMode(gin.ReleaseMode)
		g := gin.New()
		g.GET("/api/sum-squares/:n", sumSquaresHandler)
		benchServe(b, g, "/api/sum-squares/20", want)
	})
}

// recorder is a ResponseWriter that keeps the last body, reused.
type recorder struct {
	h      http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { r.body = append(r.body, p...); return len(p), nil }

// benchServe hands GET path to h b.N times from one goroutine, checks
// every answer, and reports beside ns/op the CPU time of the whole
// process per request (cpu-ns/op: the loop and whatever runs beside it,
// such as the execution records' writer and the garbage collector).
func benchServe(b *testing.B, h http.Handler, path string, want []byte) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	w := &recorder{h: http.Header{}}
	b.ReportAllocs()
	cpu := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		w.status, w.body = 200, w.body[:0]
		h.ServeHTTP(w, req)
		if w.status != 200 || !bytes.Equal(w.body, want) {
			b.Fatalf("%d %s", w.status, w.body)
		}
	}
	b.StopTimer()
	if cpu > 0 {
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	}
}
