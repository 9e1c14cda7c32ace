package steps_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// DBQuery100Include is DBQuery100 with one include: 100 of 1,000 posts,
// each with its author (one of 10), against GORM's Preload.

const (
	benchAuthorDef = `{"kind": "table", "name": "bench_author", "fields": [{"name": "name", "type": "text"}]}`
	benchPostDef   = `{"kind": "table", "name": "bench_post", "fields": [{"name": "author", "type": "ref", "table": "bench_author", "required": true},
		{"name": "body", "type": "text"}, {"name": "n", "type": "int"}], "indexes": [{"fields": ["n"]}]}`
)

type benchAuthor struct {
	ID        int64
	Name      *string
	CreatedAt string
	UpdatedAt string
}

func (benchAuthor) TableName() string { return "bench_author" }

type benchPost struct {
	ID        int64
	AuthorID  int64 `gorm:"column:author"`
	Author    *benchAuthor
	Body      *string
	N         *int64
	CreatedAt string
	UpdatedAt string
}

func (benchPost) TableName() string { return "bench_post" }

// queryInclude fills bench_author and bench_post and returns the two
// sides: a db.query with include, and GORM's Where + Order + Preload +
// Find.
func queryInclude(b *testing.B, st *store.Store) (run, gormFind func()) {
	var defs []*engine.Definition
	for _, d := range []string{benchAuthorDef, benchPostDef} {
		var diags engine.Diagnostics
		defs = append(defs, engine.ParseDefinition("t.json", []byte(d), &diags))
	}
	if err := st.SyncTables(context.Background(), defs, false); err != nil {
		b.Fatal(err)
	}
	tx, err := st.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM "bench_post"`, `DELETE FROM "bench_author"`} {
		if _, err := tx.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	var authors []int64
	for i := 0; i < 10; i++ {
		var id int64
		if err := tx.QueryRow(rebind(st, `INSERT INTO "bench_author" ("name", "created_at", "updated_at") VALUES (?, ?, ?) RETURNING "id"`),
			fmt.Sprintf("author %d", i), nowArg(st), nowArg(st)).Scan(&id); err != nil {
			b.Fatal(err)
		}
		authors = append(authors, id)
	}
	for i := 0; i < 1000; i++ {
		if _, err := tx.Exec(rebind(st, `INSERT INTO "bench_post" ("author", "body", "n", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?)`),
			authors[i%7], fmt.Sprintf("post %d", i), i%10, nowArg(st), nowArg(st)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	stack := `[{"type": "db.query", "table": "bench_post", "where": "bench_post.n == input.n", "include": ["author"], "as": "rows"}]`
	eng := dbEngine(b, st, benchAuthorDef, benchPostDef, fn("main", `[{"name": "n", "type": "int"}]`, stack, "len(rows)"))
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
		var rows []benchPost
		if err := gdb.WithContext(ctx).Where("n = ?", 3).Order("id").Preload("Author").Find(&rows).Error; err != nil || len(rows) != 100 || rows[0].Author == nil {
			b.Fatal(err, len(rows))
		}
	}
	return run, gormFind
}

// BenchmarkDBQuery100Include lists 100 of 1,000 records with a where and
// includes each one's ref.
func BenchmarkDBQuery100Include(b *testing.B) {
	for _, be := range backends(b) {
		run, gormFind := queryInclude(b, be.st)
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

// BenchmarkDBQuery100IncludePaired is DBQuery100Include with both sides
// in one loop (see BenchmarkDBGetPatchPaired).
func BenchmarkDBQuery100IncludePaired(b *testing.B) {
	for _, be := range backends(b) {
		run, gormFind := queryInclude(b, be.st)
		b.Run(be.name, func(b *testing.B) { paired(b, run, gormFind) })
	}
}
