package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

// Benchmarks come in pairs, BenchmarkX/funcstack and BenchmarkX/go: the
// engine, and the same work written by hand in Go (the limit the engine is
// measured against). cmd/benchreport pairs them and checks the targets.

// benchEngine compiles docs into an engine with default settings.
func benchEngine(b *testing.B, cfg engine.Config, docs ...string) *engine.Engine {
	b.Helper()
	e := engine.New(cfg)
	b.Cleanup(e.Close)
	e.Load(mustProgram(b, docs...))
	return e
}

// benchRun runs name once and fails the benchmark on an error.
func benchRun(b *testing.B, e *engine.Engine, name string, input any) *engine.Result {
	res, err := e.Run(context.Background(), name, input, engine.RunOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// forSetExpr is the expression of the set step that ForSet and SetAllocs
// measure.
const forSetExpr = "total + i * i"

// forSetGo compiles forSetExpr the way the engine does: typed as any.
func forSetGo(b *testing.B) *vm.Program {
	prog, err := expr.Compile(forSetExpr, expr.Env(types.Map{"total": types.Any, "i": types.Any}))
	if err != nil {
		b.Fatal(err)
	}
	return prog
}

const sumSquares = 1000 * 1001 * 2001 / 6

// BenchmarkForSet: var total = 0; for i from 1 to 1000 { set total = total + i * i }.
func BenchmarkForSet(b *testing.B) {
	b.Run("funcstack", func(b *testing.B) {
		e := benchEngine(b, engine.Config{}, `{"kind": "function", "name": "for_set", "stack": [
			{"type": "var", "name": "total", "value": "0"},
			{"type": "for", "from": "1", "to": "1000", "as": "i", "steps": [
				{"type": "set", "name": "total", "value": "`+forSetExpr+`"}]}],
			"response": "total"}`)
		if out := benchRun(b, e, "for_set", nil).Output; out != sumSquares {
			b.Fatalf("for_set = %v, want %d", out, sumSquares)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			benchRun(b, e, "for_set", nil)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/set")
	})
	b.Run("go", func(b *testing.B) {
		prog := forSetGo(b)
		env := map[string]any{}
		var m vm.VM
		b.ReportAllocs()
		var total any
		for b.Loop() {
			env["total"] = 0
			for i := 1; i <= 1000; i++ {
				env["i"] = i
				v, err := m.Run(prog, env)
				if err != nil {
					b.Fatal(err)
				}
				env["total"] = v
			}
			total = env["total"]
		}
		if total != sumSquares {
			b.Fatalf("go loop = %v, want %d", total, sumSquares)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/set")
	})
}

// BenchmarkSetAllocs measures one set step per op: the whole benchmark is
// one run of a for loop of b.N iterations whose body is the set step, so
// allocs/op is what one iteration with one set allocates (the run's own
// cost is spread over b.N). The go side is one iteration of the same loop
// by hand: box i, evaluate, store.
func BenchmarkSetAllocs(b *testing.B) {
	b.Run("funcstack", func(b *testing.B) {
		cfg := engine.Config{Limits: engine.Limits{MaxLoopIterations: 1 << 62, SyncTimeout: time.Hour}}
		e := benchEngine(b, cfg, `{"kind": "function", "name": "set_loop",
			"input": [{"name": "n", "type": "int", "required": true}],
			"stack": [
			{"type": "var", "name": "total", "value": "0"},
			{"type": "for", "count": "input.n", "as": "i", "steps": [
				{"type": "set", "name": "total", "value": "`+forSetExpr+`"}]}],
			"response": "total"}`)
		benchRun(b, e, "set_loop", map[string]any{"n": 1000})
		b.ReportAllocs()
		b.ResetTimer()
		res := benchRun(b, e, "set_loop", map[string]any{"n": b.N})
		b.StopTimer()
		if _, ok := res.Output.(int); !ok {
			b.Fatalf("set_loop gave %T", res.Output)
		}
	})
	b.Run("go", func(b *testing.B) {
		prog := forSetGo(b)
		env := map[string]any{"total": 0}
		var m vm.VM
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			env["i"] = i
			v, err := m.Run(prog, env)
			if err != nil {
				b.Fatal(err)
			}
			env["total"] = v
		}
	})
}

const benchNoop = `{"kind": "function", "name": "noop",
	"input": [{"name": "id", "type": "int"}], "response": "input.id"}`

// BenchmarkAsync100: 100 async calls of a no-op function, then one await
// of all their IDs.
func BenchmarkAsync100(b *testing.B) {
	b.Run("funcstack", func(b *testing.B) {
		e := benchEngine(b, engine.Config{}, benchNoop, `{"kind": "function", "name": "fan_out", "stack": [
			{"type": "var", "name": "ids", "value": "[]"},
			{"type": "for", "count": "100", "as": "i", "steps": [
				{"type": "call", "function": "noop", "async": true, "input": {"id": "i"}, "as": "id"},
				{"type": "set", "name": "ids", "value": "append(ids, id)"}]},
			{"type": "await", "ids": "ids", "as": "out"}],
			"response": "len(out)"}`)
		if out := benchRun(b, e, "fan_out", nil).Output; out != 100 {
			b.Fatalf("fan_out = %v, want 100", out)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			benchRun(b, e, "fan_out", nil)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
	})
	b.Run("go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]any, 100)
			var wg sync.WaitGroup
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out[i] = i
				}()
			}
			wg.Wait()
			if len(out) != 100 {
				b.Fatal("lost results")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
	})
}

// BenchmarkAsyncSleep10: 10 async calls each sleeping 50 ms, then one
// await: the calls must overlap, so one op takes about 50 ms.
func BenchmarkAsyncSleep10(b *testing.B) {
	b.Run("funcstack", func(b *testing.B) {
		e := benchEngine(b, engine.Config{}, `{"kind": "function", "name": "nap",
			"input": [{"name": "id", "type": "int"}],
			"stack": [{"type": "sleep", "ms": "50"}], "response": "input.id"}`,
			`{"kind": "function", "name": "naps", "stack": [
			{"type": "var", "name": "ids", "value": "[]"},
			{"type": "for", "count": "10", "as": "i", "steps": [
				{"type": "call", "function": "nap", "async": true, "input": {"id": "i"}, "as": "id"},
				{"type": "set", "name": "ids", "value": "append(ids, id)"}]},
			{"type": "await", "ids": "ids", "as": "out"}],
			"response": "len(out)"}`)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if out := benchRun(b, e, "naps", nil).Output; out != 10 {
				b.Fatalf("naps = %v, want 10", out)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]any, 10)
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(50 * time.Millisecond)
					out[i] = i
				}()
			}
			wg.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
}
