package steps_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// BenchmarkDBGetPatch reads a record and writes one column back: db.get +
// db.patch in a stack against GORM's First + Updates.
func BenchmarkDBGetPatch(b *testing.B) {
	stack := `[{"type": "db.get", "table": "counters", "id": "input.id", "as": "c"},
		{"type": "db.patch", "table": "counters", "id": "c.id", "data": {"value": "c.value + 1"}, "as": "after"}]`
	for _, be := range backends(b) {
		clearTables(b, be.st)
		var id int64
		if err := be.st.SQL().QueryRow(rebind(be.st, `INSERT INTO "counters" ("name", "value") VALUES ('c', 0) RETURNING "id"`)).Scan(&id); err != nil {
			b.Fatal(err)
		}
		eng := dbEngine(b, be.st, fn("main", `[{"name": "id", "type": "int"}]`, stack, "after.value"))
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
				var c benchCounter
				if err := gdb.First(&c, id).Error; err != nil {
					b.Fatal(err)
				}
				if err := gdb.Model(&c).Updates(map[string]any{"value": c.Value + 1, "updated_at": nowArg(be.st)}).Error; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDBQuery100 lists 100 of 1000 records with a where.
func BenchmarkDBQuery100(b *testing.B) {
	stack := `[{"type": "db.query", "table": "notes", "where": "notes.n == input.n", "as": "rows"}]`
	for _, be := range backends(b) {
		clearTables(b, be.st)
		tx, err := be.st.SQL().Begin()
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 1000; i++ {
			if _, err := tx.Exec(rebind(be.st, `INSERT INTO "notes" ("body", "n", "created_at", "updated_at") VALUES (?, ?, ?, ?)`),
				fmt.Sprintf("note %d", i), i%10, nowArg(be.st), nowArg(be.st)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		eng := dbEngine(b, be.st, fn("main", `[{"name": "n", "type": "int"}]`, stack, "len(rows)"))
		in := map[string]any{"n": 3}
		b.Run(be.name+"/funcstack", func(b *testing.B) {
			for b.Loop() {
				res, err := eng.Run(context.Background(), "main", in, engine.RunOptions{})
				if err != nil || res.Output != 100 {
					b.Fatal(err, res.Output)
				}
			}
		})
		gdb := be.st.Gorm()
		b.Run(be.name+"/gorm", func(b *testing.B) {
			for b.Loop() {
				var rows []benchNote
				if err := gdb.Where("n = ?", 3).Order("id").Find(&rows).Error; err != nil || len(rows) != 100 {
					b.Fatal(err, len(rows))
				}
			}
		})
	}
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
