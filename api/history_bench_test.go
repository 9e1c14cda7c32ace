package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/api"
)

// BenchmarkServeHistory is what each history policy (design.md §29) costs
// a request: GET /api/sum-squares/20 (the endpoint, a call, 25 steps)
// handed straight to the server's handler as BenchmarkServeSumSquares
// does, with the endpoint's history set to records "off", trace "errors"
// (the default), "sample:0.01" and "all", records written to SQLite in
// batches; /go is the hand-written handler. cpu-ns/op counts the writer
// of the records too.
func BenchmarkServeHistory(b *testing.B) {
	want := []byte(`{"label":"big","total":2870}`)
	b.Run("go", func(b *testing.B) {
		gin.SetMode(gin.ReleaseMode)
		g := gin.New()
		g.GET("/api/sum-squares/:n", sumSquaresHandler)
		benchServe(b, g, "/api/sum-squares/20", want)
	})
	for _, p := range []struct{ name, history string }{
		{"records-off", `{"records": "off"}`},
		{"errors", `{"trace": "errors"}`},
		{"sample-0.01", `{"trace": "sample:0.01"}`},
		{"all", `{"trace": "all"}`},
	} {
		b.Run(p.name, func(b *testing.B) {
			st := backends[0].open(b)
			ts := newServer(b, st, api.Config{}, historyWorkspace(b, p.history))
			benchServe(b, ts.Config.Handler, "/api/sum-squares/20", want)
			// the policy was in force: no record, or one per request
			if err := st.ExecutionRecords().Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			var n, traced int
			if err := st.SQL().QueryRow(`SELECT count(*), count(trace) FROM funcstack_executions`).Scan(&n, &traced); err != nil {
				b.Fatal(err)
			}
			if wantN := map[bool]int{true: 0, false: b.N}[p.name == "records-off"]; n < wantN || n > wantN+1 || (p.name == "all") != (traced == n && n > 0) {
				b.Fatalf("%d records, %d with a trace, after %d requests", n, traced, b.N)
			}
		})
	}
}

// historyWorkspace is a workspace of the example's api_sum_squares, with
// history set to policy, and the sum_squares it calls.
func historyWorkspace(b *testing.B, policy string) string {
	dir := b.TempDir()
	for _, name := range []string{"api_sum_squares.json", "sum_squares.json"} {
		doc, err := os.ReadFile(filepath.Join("../workflows", name))
		if err != nil {
			b.Fatal(err)
		}
		if name == "api_sum_squares.json" {
			doc = []byte(strings.Replace(string(doc), `"kind": "endpoint",`, `"kind": "endpoint", "history": `+policy+`,`, 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), doc, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}
