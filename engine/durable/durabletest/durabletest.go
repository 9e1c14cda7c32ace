// Package durabletest starts engines with a durable queue for tests.
package durabletest

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

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
	return StartWith(t, st, engine.Config{}, opt, defs...)
}

// StartWith is Start with an engine configuration (limits); its DB and
// Store are st's.
func StartWith(t testing.TB, st *store.Store, cfg engine.Config, opt durable.Options, defs ...string) (*engine.Engine, *durable.Runner) {
	t.Helper()
	cfg.DB, cfg.Store = st, st.Executions()
	eng := engine.New(cfg)
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

// River is a River client of its own on a store's database: the
// hand-written limit that benchmarks hold funcstack's durable queue to.
type River struct {
	Start          func(context.Context) error
	Stop           func(context.Context) error
	Insert         func(context.Context, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertManyFast func(context.Context, []river.InsertManyParams) (int, error)
	Subscribe      func(...river.EventKind) (<-chan *river.Event, func())
}

// NewRiver makes River's tables in st's database and a client on them
// with cfg (the driver for st's backend); it is stopped when t ends.
func NewRiver(t testing.TB, st *store.Store, cfg *river.Config) *River {
	t.Helper()
	if err := durable.Migrate(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	var r River
	if st.Dialect() == store.DialectPostgres {
		c, err := river.NewClient(riverpgxv5.New(st.Pool()), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r = River{c.Start, c.Stop, c.Insert, c.InsertManyFast, c.Subscribe}
	} else {
		c, err := river.NewClient(riversqlite.New(st.SQL()), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r = River{c.Start, c.Stop, c.Insert, c.InsertManyFast, c.Subscribe}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Stop(ctx)
	})
	return &r
}
