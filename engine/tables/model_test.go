package tables

import (
	"runtime"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// TestTableCacheLetsDefinitionsGo: the table models the db steps keep go
// with their definitions. A server that reloads (every publish, every
// draft checked in the builder) parses new definitions each time; the
// cache must not keep the old ones alive.
func TestTableCacheLetsDefinitionsGo(t *testing.T) {
	cached := func() int {
		n := 0
		cache.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	before := cached()
	for range 50 {
		d := &engine.Definition{Kind: engine.KindTable, Name: "t", Fields: []engine.TableField{{Name: "a", Type: "text"}}}
		if a, b := Of(d), Of(d); a != b {
			t.Fatal("the same definition gave two models")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		n := cached()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d table models cached, %d before 50 definitions were made and dropped: the cache keeps them", n, before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDetermines: equality on columns that include a unique constraint
// (a unique field, a unique index, the id) matches one row at most, so
// db.get needs no ORDER BY for it.
func TestDetermines(t *testing.T) {
	d := &engine.Definition{Kind: engine.KindTable, Name: "t", Fields: []engine.TableField{
		{Name: "sku", Type: "text", Unique: true}, {Name: "a", Type: "int"}, {Name: "b", Type: "int"}, {Name: "c", Type: "int"}},
		Indexes: []engine.TableIndex{{Fields: []string{"a", "b"}, Unique: true}, {Fields: []string{"c"}}}}
	tb := Of(d)
	for _, tc := range []struct {
		cols []string
		want bool
	}{
		{[]string{"sku"}, true}, {[]string{"id"}, true}, {[]string{"a", "b"}, true}, {[]string{"b", "a", "c"}, true}, {[]string{"c", "sku"}, true},
		{[]string{"a"}, false}, {[]string{"c"}, false}, {nil, false},
	} {
		if got := tb.Determines(tc.cols); got != tc.want {
			t.Errorf("determines(%v) = %v, want %v", tc.cols, got, tc.want)
		}
	}
}
