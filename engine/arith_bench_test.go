package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// BenchmarkDecimalLoop is a 1,000-iteration loop adding price × i to a
// total, on exact decimals (a decimal input) and on floats (a json
// input holding a float): what exact money costs beside binary floats.
// The ratio is in docs/benchmarks.md.
func BenchmarkDecimalLoop(b *testing.B) {
	loop := func(name, typ, zero string) string {
		return `{"kind": "function", "name": "` + name + `", "input": [{"name": "price", "type": "` + typ + `"}], "stack": [
			{"type": "var", "name": "total", "value": "` + zero + `"},
			{"type": "for", "from": "1", "to": "1000", "as": "i", "steps": [{"type": "set", "name": "total", "value": "total + input.price * i"}]}],
			"response": "total"}`
	}
	e := benchEngine(b, engine.Config{}, loop("dec", "decimal", "decimal('0')"), loop("flt", "json", "0.0"))
	for _, c := range []struct {
		name, fn string
		in       map[string]any
		want     string
	}{
		{"decimal", "dec", map[string]any{"price": json.Number("19.99")}, "10004995.00"},
		{"float", "flt", map[string]any{"price": 19.99}, "10004995"},
	} {
		b.Run(c.name, func(b *testing.B) {
			res := benchRun(b, e, c.fn, c.in)
			if got, _ := json.Marshal(res.Output); string(got) != c.want {
				b.Fatalf("total %s, want %s", got, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				benchRun(b, e, c.fn, c.in)
			}
		})
	}
}
