package tables_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

// TestWhereDifferential runs random wheres over random rows three ways —
// in memory with expressions, and as SQL on SQLite and on PostgreSQL —
// and requires the same rows from each. The reference is expr itself,
// one test (a comparison, in, contains, …) at a time, combined with
// Go's && || !; where expr fails on a null (null < 3, a null bool), the
// test is false: the one rule the translator adds (docs/design.md §25).
//
// make test runs a seed set (FUNCSTACK_WHERE_CASES, default 300, seed
// FUNCSTACK_WHERE_SEED, default 1); make fuzz runs 10,000 cases from a
// new seed. A failure names the seed, the case, the where and the rows.
func TestWhereDifferential(t *testing.T) {
	cases := envInt(t, "FUNCSTACK_WHERE_CASES", 300)
	seed := uint64(envInt(t, "FUNCSTACK_WHERE_SEED", 1))
	ctx := context.Background()
	def := parseDef(t, diffTableJSON)
	tbl := tables.Of(def)
	type db struct {
		name string
		st   *store.Store
	}
	var dbs []db
	open := func(name string, opt store.Options) {
		opt.PruneInterval = -1
		st, err := store.Open(ctx, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.SyncTables(ctx, []*engine.Definition{def}, false); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dbs = append(dbs, db{name, st})
	}
	open("sqlite", store.Options{DataDir: t.TempDir()})
	open("postgres", store.Options{DatabaseURL: storetest.PostgresURL(t) + "&pool_max_conns=4"})

	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	g := &whereGen{rng: rng}
	var rows []map[string]any // as a stack reads them
	for i := 0; i < cases; i++ {
		if i%100 == 0 { // new rows every hundred cases
			specs := g.rows(24)
			for _, d := range dbs {
				rows = fillTable(t, d.st, tbl, specs)
			}
		}
		inputs := g.inputs()
		src, ref := g.pred(3)
		where, err := tables.CompileWhere(src, "stack[0].where", tbl, []string{"t", "input"})
		if err != nil {
			t.Fatalf("seed %d case %d: %s does not compile: %v", seed, i, src, err)
		}
		var want []int
		for _, r := range rows {
			ok, err := ref(r, inputs)
			if err != nil {
				t.Fatalf("seed %d case %d: %s in memory: %v", seed, i, src, err)
			}
			if ok {
				want = append(want, r["id"].(int))
			}
		}
		for _, d := range dbs {
			got, q, err := selectIDs(ctx, d.st, tbl, where, inputs)
			if err != nil {
				t.Fatalf("seed %d case %d: %s on %s: %v\nSQL: %s", seed, i, src, d.name, err, q)
			}
			if !slices.Equal(got, want) {
				b, _ := json.Marshal(inputs)
				t.Fatalf("seed %d case %d: %s\ninput %s\n%s gives ids %v\nexpressions give %v\nSQL: %s\nrows:\n%s",
					seed, i, src, b, d.name, got, want, q, rowsText(rows))
			}
		}
	}
}

const diffTableJSON = `{"kind": "table", "name": "t", "fields": [
	{"name": "s", "type": "text"},
	{"name": "r", "type": "text", "required": true},
	{"name": "n", "type": "int"},
	{"name": "k", "type": "int", "required": true},
	{"name": "d", "type": "decimal"},
	{"name": "b", "type": "bool"},
	{"name": "ts", "type": "timestamp"}]}`

func parseDef(t *testing.T, src string) *engine.Definition {
	t.Helper()
	var diags engine.Diagnostics
	d := engine.ParseDefinition("t.json", []byte(src), &diags)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return d
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q is not a number", name, s)
	}
	return n
}

// The values rows and wheres draw from: few, so that tests match often.
var (
	diffTexts = []any{"", "a", "A", "ab", "Ab", "aB", "b", "ba", "a%", "a_b", "x*y", "[a]", "a b"}
	diffInts  = []any{-2, -1, 0, 1, 2, 3}
	diffDecs  = []string{"-1.5", "0", "0.1", "0.10", "1", "2.25", "10"}
	diffTimes = []any{"2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-06-30T12:00:00Z", "2027-01-01T00:00:00Z"}
	diffBools = []any{true, false}
)

func dec(s string) any {
	d, err := value.DecimalT.Decode(s)
	if err != nil {
		panic(err)
	}
	return d
}

type whereGen struct {
	rng   *rand.Rand
	nvars int
	vals  map[string]any // input values of the where being built
}

func (g *whereGen) pick(l []any) any { return l[g.rng.IntN(len(l))] }

// maybeNil is v, or nil one time in four.
func (g *whereGen) maybeNil(v any) any {
	if g.rng.IntN(4) == 0 {
		return nil
	}
	return v
}

// colVal draws a value of column c's type.
func (g *whereGen) colVal(c string) any {
	switch c {
	case "s", "r":
		return g.pick(diffTexts)
	case "n", "k":
		return g.pick(diffInts)
	case "d":
		return dec(diffDecs[g.rng.IntN(len(diffDecs))])
	case "b":
		return g.pick(diffBools)
	case "ts":
		return g.pick(diffTimes)
	}
	panic(c)
}

func (g *whereGen) rows(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		r := map[string]any{}
		for _, c := range []string{"s", "r", "n", "k", "d", "b", "ts"} {
			v := g.colVal(c)
			if (c == "s" || c == "r") && g.rng.IntN(12) == 0 {
				// Not in wheres: lower and upper fold ASCII letters
				// alone on SQLite, all letters in expressions.
				v = "é"
			}
			if c != "r" && c != "k" {
				v = g.maybeNil(v)
			}
			r[c] = v
		}
		out[i] = r
	}
	return out
}

func (g *whereGen) inputs() map[string]any {
	g.nvars = 0
	g.vals = map[string]any{}
	return map[string]any{"v": g.vals}
}

// value writes a value for column c: a literal, or an input variable
// (which may be null when nullOK).
func (g *whereGen) value(c string, nullOK bool) string {
	v := g.colVal(c)
	if c == "d" || c == "ts" || g.rng.IntN(2) == 0 {
		if nullOK {
			v = g.maybeNil(v)
		}
		name := fmt.Sprintf("x%d", g.nvars)
		g.nvars++
		g.vals[name] = v
		return "input.v." + name
	}
	return literalOf(v)
}

func literalOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprint(v)
}

// refFunc decides a row in memory.
type refFunc func(row, inputs map[string]any) (bool, error)

var ordered = []string{"s", "r", "n", "k", "d", "ts"}

// pred builds a condition and its in-memory reference.
func (g *whereGen) pred(depth int) (string, refFunc) {
	if depth > 0 && g.rng.IntN(3) > 0 {
		switch g.rng.IntN(6) {
		case 0, 1:
			ls, lf := g.pred(depth - 1)
			rs, rf := g.pred(depth - 1)
			return "(" + ls + " && " + rs + ")", func(r, in map[string]any) (bool, error) {
				a, err := lf(r, in)
				if err != nil || !a {
					return false, err
				}
				return rf(r, in)
			}
		case 2, 3:
			ls, lf := g.pred(depth - 1)
			rs, rf := g.pred(depth - 1)
			return "(" + ls + " || " + rs + ")", func(r, in map[string]any) (bool, error) {
				a, err := lf(r, in)
				if err != nil || a {
					return a, err
				}
				return rf(r, in)
			}
		case 4:
			s, f := g.pred(depth - 1)
			return "!(" + s + ")", func(r, in map[string]any) (bool, error) {
				a, err := f(r, in)
				return !a, err
			}
		case 5: // a condition on stack values first, as filters are written
			name := fmt.Sprintf("x%d", g.nvars)
			g.nvars++
			g.vals[name] = g.maybeNil(g.pick(diffInts))
			s, f := g.pred(depth - 1)
			src := "(input.v." + name + " == nil || " + s + ")"
			return src, func(r, in map[string]any) (bool, error) {
				if in["v"].(map[string]any)[name] == nil {
					return true, nil
				}
				return f(r, in)
			}
		}
	}
	return g.atom()
}

// atom builds one test of a column.
func (g *whereGen) atom() (string, refFunc) {
	var src string
	switch g.rng.IntN(9) {
	case 0, 1: // column op value
		c := ordered[g.rng.IntN(len(ordered))]
		op := []string{"==", "!=", "<", "<=", ">", ">="}[g.rng.IntN(6)]
		eq := op == "==" || op == "!="
		v := g.value(c, eq)
		if g.rng.IntN(4) == 0 {
			src = v + " " + op + " t." + c
		} else {
			src = "t." + c + " " + op + " " + v
		}
	case 2: // bool column
		switch g.rng.IntN(3) {
		case 0:
			src = "t.b"
		default:
			src = "t.b " + []string{"==", "!="}[g.rng.IntN(2)] + " " + g.value("b", true)
		}
	case 3:
		c := []string{"s", "n", "d", "b", "ts"}[g.rng.IntN(5)]
		src = "t." + c + " " + []string{"==", "!="}[g.rng.IntN(2)] + " nil"
	case 4: // in, not in
		c := []string{"s", "r", "n", "k"}[g.rng.IntN(4)]
		var items []string
		for range g.rng.IntN(4) {
			if g.rng.IntN(5) == 0 {
				items = append(items, "nil")
			} else {
				items = append(items, literalOf(g.colVal(c)))
			}
		}
		list := "[" + strings.Join(items, ", ") + "]"
		if g.rng.IntN(3) == 0 {
			name := fmt.Sprintf("x%d", g.nvars)
			g.nvars++
			var vals []any
			for range g.rng.IntN(4) {
				vals = append(vals, g.maybeNil(g.colVal(c)))
			}
			g.vals[name] = vals
			list = "input.v." + name
		}
		op := " in "
		if g.rng.IntN(3) == 0 {
			op = " not in "
		}
		src = "t." + c + op + list
	case 5, 6: // contains, startsWith, endsWith, perhaps case-folded
		c := []string{"s", "r"}[g.rng.IntN(2)]
		op := []string{"contains", "startsWith", "endsWith"}[g.rng.IntN(3)]
		col := "t." + c
		v := g.value(c, true)
		if g.rng.IntN(2) == 0 {
			col = "lower(" + col + ")"
			if g.rng.IntN(2) == 0 { // lower(nil) fails on every row
				v = "lower(" + g.value(c, false) + ")"
			}
		}
		src = col + " " + op + " " + v
	case 7: // case-folded equality
		c := []string{"s", "r"}[g.rng.IntN(2)]
		fold := []string{"lower", "upper"}[g.rng.IntN(2)]
		src = fold + "(t." + c + ") " + []string{"==", "!="}[g.rng.IntN(2)] + " " + g.value(c, true)
	case 8: // column against column
		pair := [][2]string{{"n", "k"}, {"k", "n"}, {"s", "r"}, {"r", "s"}}[g.rng.IntN(4)]
		op := []string{"==", "!=", "<", "<=", ">", ">="}[g.rng.IntN(6)]
		src = "t." + pair[0] + " " + op + " t." + pair[1]
	}
	// Unoptimised: expr's optimiser turns `x in ["a", ""]` into a lookup
	// that finds a null x as "" (and 0 in a list of numbers); nil in a
	// list is true only when the list holds nil, as unoptimised expr and
	// the SQL say (docs/design.md §25).
	prog, err := expr.Compile(src, append([]expr.Option{expr.Env(types.Map{"t": types.Any, "input": types.Any}), expr.AsBool(), expr.Optimize(false)}, engine.ExprOptions()...)...)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", src, err))
	}
	return src, func(r, in map[string]any) (bool, error) {
		var m vm.VM
		out, err := m.Run(prog, map[string]any{"t": r, "input": in})
		if err != nil {
			// expr fails where a null meets an order or a condition:
			// such a test is false. Any other failure is the test's.
			if nilErr.MatchString(err.Error()) {
				return false, nil
			}
			return false, err
		}
		return out.(bool), nil
	}
}

// nilErr matches expr's errors about a null operand.
var nilErr = regexp.MustCompile(`<nil>|\bnil\b`)

// fillTable replaces st's rows of tbl with specs and gives them back as
// db.query reads them.
func fillTable(t *testing.T, st *store.Store, tbl *tables.Table, specs []map[string]any) []map[string]any {
	t.Helper()
	ctx := context.Background()
	d := value.DialectOf(st.Dialect())
	if _, err := st.SQL().ExecContext(ctx, "DELETE FROM "+tbl.Q); err != nil {
		t.Fatal(err)
	}
	var cols []*tables.Column
	for _, n := range []string{"s", "r", "n", "k", "d", "b", "ts"} {
		cols = append(cols, tbl.ByName[n])
	}
	all := tbl.InsertColumns(cols)
	b := &tables.Builder{D: d}
	tables.WriteInsert(b, tbl, all, len(specs))
	var args []any
	for _, r := range specs {
		for _, c := range cols {
			a, err := tables.Encode(c, r[c.Name], d)
			if err != nil {
				t.Fatalf("%s = %v: %v", c.Name, r[c.Name], err)
			}
			args = append(args, a)
		}
		now := tables.Now(d)
		args = append(args, now, now)
	}
	if _, err := st.SQL().ExecContext(ctx, b.String(), args...); err != nil {
		t.Fatal(err)
	}
	rs, err := st.SQL().QueryContext(ctx, "SELECT "+tables.SelectList(tbl.Cols)+" FROM "+tbl.Q+" ORDER BY "+tbl.ID.Q)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := tables.ScanRecords(rs, tbl.Cols)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(recs))
	for i, r := range recs {
		out[i] = r.(map[string]any)
	}
	return out
}

func selectIDs(ctx context.Context, st *store.Store, tbl *tables.Table, w *tables.Where, inputs map[string]any) ([]int, string, error) {
	b := &tables.Builder{D: value.DialectOf(st.Dialect())}
	b.W("SELECT " + tbl.ID.Q + " FROM " + tbl.Q + " WHERE ")
	if err := w.Write(b, mapVars{"input": inputs}); err != nil {
		return nil, b.String(), err
	}
	b.W(" ORDER BY " + tbl.ID.Q)
	rs, err := st.SQL().QueryContext(ctx, b.String(), b.Args...)
	if err != nil {
		return nil, b.String(), err
	}
	defer rs.Close()
	var ids []int
	for rs.Next() {
		var id int
		if err := rs.Scan(&id); err != nil {
			return nil, b.String(), err
		}
		ids = append(ids, id)
	}
	return ids, b.String(), rs.Err()
}

type mapVars map[string]any

func (v mapVars) Get(name string) any { return v[name] }

func rowsText(rows []map[string]any) string {
	var sb strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&sb, "  id %v: s=%s r=%s n=%v k=%v d=%v b=%v ts=%v\n", r["id"], lit(r["s"]), lit(r["r"]), r["n"], r["k"], r["d"], r["b"], r["ts"])
	}
	return sb.String()
}

func lit(v any) string {
	if v == nil {
		return "nil"
	}
	return strconv.Quote(fmt.Sprint(v))
}
