package steps

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
		tableCache.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	before := cached()
	for range 50 {
		d := &engine.Definition{Kind: engine.KindTable, Name: "t", Fields: []engine.TableField{{Name: "a", Type: "text"}}}
		if tableOf(d) != tableOf(d) {
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
