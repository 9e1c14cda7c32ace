package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/telemetry"
)

// BenchmarkHTTPSumSquaresTracedPaired is the example endpoint with
// tracing on (its 25 spans a request sent in batches to an OTLP/HTTP
// receiver that reads and drops them) against the same endpoint with
// tracing off, on one store, loaded in turns (benchPairedNamed): the
// ratio is what tracing costs a request.
func BenchmarkHTTPSumSquaresTracedPaired(b *testing.B) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(rcv.Close) // after the tracers' last export
	st := backends[0].open(b)
	serve := func(traced bool) string {
		eng := engine.New(engine.Config{DB: st, Store: st.Executions(), Secrets: map[string][]byte{engine.SecretJWT: []byte(jwtSecret)}})
		b.Cleanup(eng.Close)
		eng.Load(program(b, st, "../workflows"))
		if traced {
			tr, err := telemetry.New(context.Background(), telemetry.Options{Endpoint: rcv.URL})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
			eng.SetTracer(tr)
		}
		srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		b.Cleanup(ts.Close)
		return ts.URL + "/api/sum-squares/20"
	}
	on, off := serve(true), serve(false)
	benchPairedNamed(b, st, [2]string{"traced", "untraced"}, on, off, []byte(`{"label":"big","total":2870}`))
}
