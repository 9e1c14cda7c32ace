// Command benchreport reads `go test -bench -benchmem` output on stdin,
// pairs every BenchmarkX/funcstack with its hand-written limit,
// BenchmarkX/go (or BenchmarkX/gorm for the database benchmarks, where the
// limit is hand-written GORM), and prints each pair with its ratio and the
// target it is held to. X may name a backend too (DBGetPatch/sqlite).
//
//	go test -run '^$' -bench . -benchmem ./engine/ | go run ./cmd/benchreport
//
// BenchmarkXPaired/REST lines (both sides timed alternately in one loop,
// reporting funcstack-ns/op and gorm-ns/op, and as ratio funcstack's time
// ÷ the other side's in the same turns) give the row "X/REST interleaved",
// held to X's target.
//
// With -strict it exits 1 when a target is missed. When a benchmark appears
// more than once (-count > 1) the median of its runs is used: on a shared
// two-core machine a run now and then is slowed by others, and the median
// ignores it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// target is what one benchmark pair is held to.
type target struct {
	// maxRatio bounds funcstack ns/op ÷ go ns/op (0: not checked).
	maxRatio float64
	// maxNs bounds funcstack ns/op (0: not checked).
	maxNs float64
	// allocs: funcstack allocs/op must not exceed go allocs/op.
	allocs bool
	// maxP99Ratio bounds funcstack p99-ms ÷ go p99-ms (0: not checked).
	maxP99Ratio float64
	// maxP99Ms bounds funcstack p99-ms (0: not checked).
	maxP99Ms float64
}

func (t target) String() string {
	var parts []string
	if t.maxRatio > 0 {
		parts = append(parts, fmt.Sprintf("ratio <= %.2fx", t.maxRatio))
	}
	if t.maxNs > 0 {
		parts = append(parts, "< "+fmtNs(t.maxNs))
	}
	if t.allocs {
		parts = append(parts, "allocs <= go")
	}
	if t.maxP99Ratio > 0 {
		parts = append(parts, fmt.Sprintf("p99 <= %gx", t.maxP99Ratio))
	}
	if t.maxP99Ms > 0 {
		parts = append(parts, fmt.Sprintf("p99 <= %gms", t.maxP99Ms))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// targets are the performance goals of the engine.
var targets = map[string]target{
	"ForSet":       {maxRatio: 1.5},
	"SetAllocs":    {allocs: true},
	"Async100":     {maxNs: float64(300 * time.Microsecond)},
	"AsyncSleep10": {maxNs: float64(70 * time.Millisecond)},
	"DBGetPatch":   {maxRatio: 1.25},
	"DBQuery100":   {maxRatio: 1.25},
	// HTTP at 32 concurrent requests: at least 0.7× (compute) and 0.8×
	// (database) the hand-written handler's throughput, i.e. at most 1/0.7
	// and 1/0.8 its time per request; p99 at most twice its p99.
	"HTTPSumSquares": {maxRatio: 1 / 0.7, maxP99Ratio: 2},
	"HTTPProduct":    {maxRatio: 1 / 0.8, maxP99Ratio: 2},
	// POST /async-function at 32 concurrent connections on PostgreSQL:
	// at least 3,000 202s a second, p99 at most 10 ms.
	"AsyncFunctionEnqueue/postgres": {maxNs: float64(time.Second / 3000), maxP99Ms: 10},
	// Draining queued durable executions: at least 0.5× River's own no-op
	// job drain with the same worker count.
	"DurableDrain": {maxRatio: 2},
}

// targetOf returns the target of a pair: its own, or that of the name
// before its first "/" (the same target on every backend).
func targetOf(name string) (target, bool) {
	if t, ok := targets[name]; ok {
		return t, true
	}
	base, _, _ := strings.Cut(name, "/")
	t, ok := targets[base]
	return t, ok
}

// result holds one benchmark's runs: unit → the value of each run.
type result struct {
	runs   int
	values map[string][]float64
}

// get returns the median of the runs' values in unit.
func (r *result) get(unit string) (float64, bool) {
	if r == nil || r.runs == 0 {
		return 0, false
	}
	vs, ok := r.values[unit]
	if !ok || len(vs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// pair is one BenchmarkX with its two sides.
type pair struct {
	name           string
	funcstack, gov *result
}

// ratio is funcstack's time ÷ go's: for an interleaved pair the median of
// its runs' ratios (each the median over its turns of the two sides'
// times in the same turn), else the ratio of the two sides' medians.
func (p *pair) ratio() (float64, bool) {
	if r, ok := p.funcstack.get("ratio"); ok {
		return r, true
	}
	fNs, fok := p.funcstack.get("ns/op")
	gNs, gok := p.gov.get("ns/op")
	if !fok || !gok || gNs == 0 {
		return 0, false
	}
	return fNs / gNs, true
}

// parse reads benchmark lines; it returns the pairs in the order first seen
// and echoes nothing.
func parse(r io.Reader) ([]*pair, error) {
	byName := map[string]*pair{}
	var order []*pair
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line
		}
		name := stripProcs(strings.TrimPrefix(f[0], "Benchmark"))
		if pr := parsePaired(name, f); pr != nil {
			if p := byName[pr.name]; p != nil {
				for _, r := range []struct{ dst, src *result }{{p.funcstack, pr.funcstack}, {p.gov, pr.gov}} {
					r.dst.runs++
					for unit, vs := range r.src.values {
						r.dst.values[unit] = append(r.dst.values[unit], vs...)
					}
				}
			} else {
				byName[pr.name] = pr
				order = append(order, pr)
			}
			continue
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			continue
		}
		base, side := name[:i], name[i+1:]
		if side == "gorm" || side == "river" {
			side = "go"
		}
		if side != "funcstack" && side != "go" {
			continue
		}
		p := byName[base]
		if p == nil {
			p = &pair{name: base}
			byName[base] = p
			order = append(order, p)
		}
		res := &p.funcstack
		if side == "go" {
			res = &p.gov
		}
		if *res == nil {
			*res = &result{values: map[string][]float64{}}
		}
		(*res).runs++
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			(*res).values[f[i+1]] = append((*res).values[f[i+1]], v)
		}
	}
	return order, sc.Err()
}

// parsePaired reads a line of BenchmarkXPaired/REST, which measures both
// sides alternately in one loop and reports each side's median as
// funcstack-ns/op and gorm-ns/op (or go-ns/op), and for HTTP each side's
// p99 as funcstack-p99-ms and go-p99-ms: the pair "X/REST interleaved",
// held to X's target. Both sides then see the same load,
// which a shared machine changes from one second to the next.
func parsePaired(name string, f []string) *pair {
	first, rest, _ := strings.Cut(name, "/")
	if !strings.HasSuffix(first, "Paired") || rest == "" {
		return nil
	}
	p := &pair{name: strings.TrimSuffix(first, "Paired") + "/" + rest + " interleaved",
		funcstack: &result{runs: 1, values: map[string][]float64{}}, gov: &result{runs: 1, values: map[string][]float64{}}}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		switch f[i+1] {
		case "funcstack-ns/op":
			p.funcstack.values["ns/op"] = []float64{v}
		case "gorm-ns/op", "go-ns/op":
			p.gov.values["ns/op"] = []float64{v}
		case "funcstack-p99-ms":
			p.funcstack.values["p99-ms"] = []float64{v}
		case "gorm-p99-ms", "go-p99-ms":
			p.gov.values["p99-ms"] = []float64{v}
		case "ratio":
			p.funcstack.values["ratio"] = []float64{v}
		}
	}
	if len(p.funcstack.values["ns/op"]) == 0 || len(p.gov.values["ns/op"]) == 0 {
		return nil
	}
	return p
}

// stripProcs drops the -GOMAXPROCS suffix of a benchmark name.
func stripProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2fs", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1fµs", ns/1e3)
	}
	return fmt.Sprintf("%.1fns", ns)
}

func fmtOpt(v float64, ok bool, f func(float64) string) string {
	if !ok {
		return "-"
	}
	return f(v)
}

func fmtCount(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// verdict checks p against its target; it returns "" when there is none.
func verdict(p *pair, t target, hasTarget bool) (string, string) {
	if !hasTarget {
		return "", ""
	}
	if p.funcstack == nil {
		return "MISS", "no funcstack result"
	}
	fNs, _ := p.funcstack.get("ns/op")
	var why []string
	if t.maxRatio > 0 {
		if r, ok := p.ratio(); !ok {
			why = append(why, "no go result")
		} else if r > t.maxRatio {
			why = append(why, fmt.Sprintf("ratio %.2fx > %.2fx", r, t.maxRatio))
		}
	}
	if t.maxNs > 0 && fNs > t.maxNs {
		why = append(why, fmt.Sprintf("%s > %s", fmtNs(fNs), fmtNs(t.maxNs)))
	}
	if t.allocs {
		fa, fok := p.funcstack.get("allocs/op")
		ga, gok := p.gov.get("allocs/op")
		switch {
		case !fok || !gok:
			why = append(why, "allocs/op missing (run with -benchmem)")
		case fa > ga:
			why = append(why, fmt.Sprintf("%s allocs > go's %s", fmtCount(fa), fmtCount(ga)))
		}
	}
	if t.maxP99Ratio > 0 {
		fp, fok := p.funcstack.get("p99-ms")
		gp, gok := p.gov.get("p99-ms")
		switch {
		case !fok || !gok || gp == 0:
			why = append(why, "p99-ms missing")
		case fp/gp > t.maxP99Ratio:
			why = append(why, fmt.Sprintf("p99 %.2fms is %.2fx go's %.2fms > %gx", fp, fp/gp, gp, t.maxP99Ratio))
		}
	}
	if t.maxP99Ms > 0 {
		if fp, ok := p.funcstack.get("p99-ms"); !ok {
			why = append(why, "p99-ms missing")
		} else if fp > t.maxP99Ms {
			why = append(why, fmt.Sprintf("p99 %.2fms > %gms", fp, t.maxP99Ms))
		}
	}
	if len(why) > 0 {
		return "MISS", strings.Join(why, "; ")
	}
	return "PASS", ""
}

func main() {
	strict := flag.Bool("strict", false, "exit 1 when a target is missed")
	flag.Parse()
	pairs, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(2)
	}
	if len(pairs) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport: no BenchmarkX/funcstack or BenchmarkX/go results on stdin")
		os.Exit(2)
	}
	// Benchmarks with a target first, as the targets table lists them.
	sort.SliceStable(pairs, func(i, j int) bool {
		_, ti := targetOf(pairs[i].name)
		_, tj := targetOf(pairs[j].name)
		return ti && !tj
	})
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "benchmark\tfuncstack ns/op\tgo ns/op\tratio\tfuncstack allocs/op\tgo allocs/op\tp99 funcstack/go\ttarget\tverdict\t")
	missed := 0
	var notes []string
	for _, p := range pairs {
		fNs, fok := p.funcstack.get("ns/op")
		gNs, gok := p.gov.get("ns/op")
		ratio := "-"
		if r, ok := p.ratio(); ok {
			ratio = fmt.Sprintf("%.2fx", r)
		}
		fa, faok := p.funcstack.get("allocs/op")
		ga, gaok := p.gov.get("allocs/op")
		t, hasTarget := targetOf(p.name)
		v, why := verdict(p, t, hasTarget)
		tgt := "-"
		if hasTarget {
			tgt = t.String()
		} else {
			v = "-"
		}
		if v == "MISS" {
			missed++
			notes = append(notes, fmt.Sprintf("  %s: %s", p.name, why))
		}
		p99 := "-"
		fp, fpok := p.funcstack.get("p99-ms")
		gp, gpok := p.gov.get("p99-ms")
		if fpok && gpok {
			p99 = fmt.Sprintf("%.2f/%.2fms", fp, gp)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.name,
			fmtOpt(fNs, fok, fmtNs), fmtOpt(gNs, gok, fmtNs), ratio,
			fmtOpt(fa, faok, fmtCount), fmtOpt(ga, gaok, fmtCount), p99, tgt, v)
	}
	w.Flush()
	var absent []string
	for name := range targets {
		found := false
		for _, p := range pairs {
			found = found || p.name == name || strings.HasPrefix(p.name, name+"/")
		}
		if !found {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		sort.Strings(absent)
		fmt.Printf("\nnot run (no result on stdin): %s\n", strings.Join(absent, ", "))
	}
	if missed > 0 {
		sort.Strings(notes)
		fmt.Printf("\n%d target(s) missed:\n%s\n", missed, strings.Join(notes, "\n"))
		if *strict {
			os.Exit(1)
		}
		return
	}
	fmt.Println("\nall targets met")
}
