package steps_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// The GORM models the benchmarks compare with: the same tables, read and
// written with hand-written GORM calls doing the same work as the steps.
type benchCounter struct {
	ID        int64
	Name      *string
	Value     int64
	CreatedAt string
	UpdatedAt string
}

func (benchCounter) TableName() string { return "counters" }

type benchNote struct {
	ID        int64
	Body      *string
	N         *int64
	CreatedAt string
	UpdatedAt string
}

func (benchNote) TableName() string { return "notes" }

func nowArg(st *store.Store) any {
	if st.Dialect() == "postgres" {
		return nowTime()
	}
	return store.FormatTime(nowTime())
}

// getPatchSetup makes one counter and the engine of DBGetPatch's stack
// (db.get, then db.patch of one column) on st.
func getPatchSetup(b *testing.B, st *store.Store) (*engine.Engine, int64) {
	stack := `[{"type": "db.get", "table": "counters", "id": "input.id", "as": "c"},
		{"type": "db.patch", "table": "counters", "id": "c.id", "data": {"value": "c.value + 1"}, "as": "after"}]`
	clearTables(b, st)
	var id int64
	if err := st.SQL().QueryRow(rebind(st, `INSERT INTO "counters" ("name", "value") VALUES ('c', 0) RETURNING "id"`)).Scan(&id); err != nil {
		b.Fatal(err)
	}
	return dbEngine(b, st, fn("main", `[{"name": "id", "type": "int"}]`, stack, "after.value")), id
}

// BenchmarkDBGetPatch reads a record and writes one column back: db.get +
// db.patch in a stack against GORM's First + Updates, both bounded by
// the sync timeout (runCtx).
func BenchmarkDBGetPatch(b *testing.B) {
	for _, be := range backends(b) {
		eng, id := getPatchSetup(b, be.st)
		in := map[string]any{"id": id}
		b.Run(be.name+"/funcstack", func(b *testing.B) {
			for b.Loop() {
				if _, err := eng.Run(context.Background(), "main", in, engine.RunOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		gdb := be.st.Gorm()
		b.Run(be.name+"/gorm", func(b *testing.B) {
			for b.Loop() {
				gormGetPatch(b, gdb, be.st, id)
			}
		})
	}
}

// runCtx is the context of a hand-written run: bounded by the engine's
// sync timeout, as every funcstack run is. (database/sql watches a
// cancellable context with a goroutine per query; without it, GORM's side
// would skip that work, which a handler given a request's context does.)
func runCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), engine.DefaultLimits().SyncTimeout)
}

// gormGetPatch is the hand-written side of DBGetPatch: GORM's First, then
// Updates of the column and updated_at, which also sets them in c (the
// record after the change, as db.patch gives it).
func gormGetPatch(b *testing.B, gdb *gorm.DB, st *store.Store, id int64) int64 {
	ctx, cancel := runCtx()
	defer cancel()
	gdb = gdb.WithContext(ctx)
	var c benchCounter
	if err := gdb.First(&c, id).Error; err != nil {
		b.Fatal(err)
	}
	if err := gdb.Model(&c).Updates(map[string]any{"value": c.Value + 1, "updated_at": nowArg(st)}).Error; err != nil {
		b.Fatal(err)
	}
	return c.Value
}

// BenchmarkDBGetPatchPaired runs DBGetPatch's two sides one after the
// other in the same loop (order alternating) and reports the median time
// of each and their ratio: on a machine shared with other work, both
// sides then see the same load, where separate runs seconds apart do not.
func BenchmarkDBGetPatchPaired(b *testing.B) {
	for _, be := range backends(b) {
		eng, id := getPatchSetup(b, be.st)
		in := map[string]any{"id": id}
		gdb := be.st.Gorm()
		b.Run(be.name, func(b *testing.B) {
			paired(b, func() {
				if _, err := eng.Run(context.Background(), "main", in, engine.RunOptions{}); err != nil {
					b.Fatal(err)
				}
			}, func() { gormGetPatch(b, gdb, be.st, id) })
		})
	}
}

// paired runs f (funcstack) and g (hand-written) one after the other in
// the same loop, in alternating order, and reports the median time of
// each and their ratio.
func paired(b *testing.B, f, g func()) {
	var fs, gs []time.Duration
	timed := func(h func(), into *[]time.Duration) {
		t0 := time.Now()
		h()
		*into = append(*into, time.Since(t0))
	}
	i := 0
	for b.Loop() {
		if i++; i%2 == 0 {
			timed(f, &fs)
			timed(g, &gs)
		} else {
			timed(g, &gs)
			timed(f, &fs)
		}
	}
	fm, gm := median(fs), median(gs)
	b.ReportMetric(float64(fm.Nanoseconds()), "funcstack-ns/op")
	b.ReportMetric(float64(gm.Nanoseconds()), "gorm-ns/op")
	b.ReportMetric(float64(fm)/float64(gm), "ratio")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkDBQuery100 lists 100 of 1000 records with a where.
func BenchmarkDBQuery100(b *testing.B) {
	for _, be := range backends(b) {
		run, gormFind := query100(b, be.st)
		b.Run(be.name+"/funcstack", func(b *testing.B) {
			for b.Loop() {
				run()
			}
		})
		b.Run(be.name+"/gorm", func(b *testing.B) {
			for b.Loop() {
				gormFind()
			}
		})
	}
}

// BenchmarkDBQuery100Paired is DBQuery100 with both sides in one loop
// (see BenchmarkDBGetPatchPaired).
func BenchmarkDBQuery100Paired(b *testing.B) {
	for _, be := range backends(b) {
		run, gormFind := query100(b, be.st)
		b.Run(be.name, func(b *testing.B) { paired(b, run, gormFind) })
	}
}

// query100 fills notes with 1000 records and returns the two sides of
// DBQuery100: a db.query stack, and GORM's Where + Order + Find.
func query100(b *testing.B, st *store.Store) (run, gormFind func()) {
	stack := `[{"type": "db.query", "table": "notes", "where": "notes.n == input.n", "as": "rows"}]`
	clearTables(b, st)
	tx, err := st.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if _, err := tx.Exec(rebind(st, `INSERT INTO "notes" ("body", "n", "created_at", "updated_at") VALUES (?, ?, ?, ?)`),
			fmt.Sprintf("note %d", i), i%10, nowArg(st), nowArg(st)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	eng := dbEngine(b, st, fn("main", `[{"name": "n", "type": "int"}]`, stack, "len(rows)"))
	in := map[string]any{"n": 3}
	gdb := st.Gorm()
	run = func() {
		res, err := eng.Run(context.Background(), "main", in, engine.RunOptions{})
		if err != nil || res.Output != 100 {
			b.Fatal(err, res.Output)
		}
	}
	gormFind = func() {
		ctx, cancel := runCtx()
		defer cancel()
		var rows []benchNote
		if err := gdb.WithContext(ctx).Where("n = ?", 3).Order("id").Find(&rows).Error; err != nil || len(rows) != 100 {
			b.Fatal(err, len(rows))
		}
	}
	return run, gormFind
}

func rebind(st *store.Store, q string) string {
	if st.Dialect() != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func nowTime() time.Time { return time.Now().UTC() }
