// Package durabletest starts engines with a durable queue for tests.
package durabletest

import (
	"context"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
)

// Start makes an engine running defs on st with a started durable queue
// (callbacks may reach 127.0.0.1 and ::1 unless opt.HTTPClient says
// otherwise); both stop when t ends.
func Start(t testing.TB, st *store.Store, opt durable.Options, defs ...string) (*engine.Engine, *durable.Runner) {
	t.Helper()
	eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
	eng.Load(enginetest.Compile(t, defs...))
	if opt.Logf == nil {
		opt.Logf = t.Logf
	}
	if opt.HTTPClient == nil {
		g, err := durable.NewGuard([]string{"127.0.0.1", "::1"})
		if err != nil {
			t.Fatal(err)
		}
		opt.HTTPClient = g.Client()
	}
	r, err := durable.New(context.Background(), st, eng, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eng.SetDurable(r)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Stop(ctx)
		eng.Close()
	})
	return eng, r
}
