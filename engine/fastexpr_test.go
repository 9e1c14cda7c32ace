package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// fastVars are the variables the differential tests evaluate against: one
// of every kind of value a run holds.
func fastVars() map[string]any {
	return map[string]any{
		"a": 7, "b": -3, "z": 0, "big": math.MaxInt, "small": math.MinInt,
		"f": 2.5, "g": -0.5, "nan": math.NaN(), "inf": math.Inf(1),
		"s": "x", "t": "héllo", "e": "",
		"yes": true, "no": false, "n": nil,
		"m":  map[string]any{"k": 1, "s": "z", "in": map[string]any{"q": 2.5}, "n": nil},
		"l":  []any{1, "a", 2.5, nil, []any{3}},
		"nm": map[string]any(nil), "nl": []any(nil),
	}
}

// fastTypes types the variables as the compiler would when it knows them
// (typed), or as any (untyped).
func fastTypes(vars map[string]any, typed bool) types.Map {
	env := types.Map{}
	for k, v := range vars {
		env[k] = types.Any
		if !typed {
			continue
		}
		switch v.(type) {
		case int:
			env[k] = types.Int
		case float64:
			env[k] = types.Float
		case string:
			env[k] = types.String
		case bool:
			env[k] = types.Bool
		}
	}
	return env
}

// checkFast compiles src and, when the fast path takes it, checks that it
// gives what the VM gives: the same value, or no value where the VM fails.
func checkFast(t *testing.T, src string, vars map[string]any, typed bool) (fast bool) {
	t.Helper()
	prog, err := compileExprSafe(src, fastTypes(vars, typed))
	if err != nil {
		return false
	}
	slotOf, slots := slotsOf(vars)
	f := compileFast(prog.Node(), slotOf)
	if f == nil {
		return false
	}
	var m vm.VM
	want, werr := runVM(&m, prog, vars)
	got, ok := f(slots)
	if !ok {
		return true // the VM decides
	}
	if werr != nil {
		t.Fatalf("%q (typed %v): the fast path gives %#v where the VM fails: %v", src, typed, got, werr)
	}
	if !sameValue(got, want) {
		t.Fatalf("%q (typed %v): the fast path gives %#v (%T), the VM %#v (%T)", src, typed, got, got, want, want)
	}
	return true
}

// slotsOf gives every variable of vars a slot, as the compiler does, and
// returns the slots holding their values.
func slotsOf(vars map[string]any) (slotResolver, []any) {
	t := newVarTable()
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.slot(n)
	}
	slots := make([]any, len(t.names))
	for n, v := range vars {
		slots[t.index[n]] = v
	}
	return func(name string) (int, bool) {
		k, ok := t.index[name]
		return k, ok
	}, slots
}

func runVM(m *vm.VM, prog *vm.Program, vars map[string]any) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return m.Run(prog, vars)
}

// sameValue is reflect.DeepEqual with NaN equal to itself, inside lists
// and objects too, and the type of every number kept.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || x != x && y != y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

var fastSeeds = []string{
	"total + i * i", "a + b", "a - b", "a * b", "a / b", "a % b", "a % z", "a / z", "f / z", "-a", "-f", "-s", "!yes", "!a",
	"big + 1", "small - 1", "big * big", "small / -1", "small % -1", "a + f", "f + a", "f * g", "s + t", "s + a", "a + s",
	"a == 7", "a == 7.0", "f == 2.5", "a != b", "s == 'x'", "s == a", "n == nil", "nm == nil", "nl == nil", "l == nil",
	"m == m", "yes == true", "a < b", "a <= 7", "f > a", "s < t", "s < a", "nan < 1", "nan >= nan", "inf > big",
	"yes && no", "yes || a", "no || a", "no && a", "a && yes", "n ?? 3", "nm ?? 1", "a ?? 2", "m.n ?? 'd'",
	"yes ? a : b", "a ? 1 : 2", "m.k", "m.in.q", "m.nope", "m.k.x", "n.x", "l[0]", "l[-1]", "l[9]", "l[-9]", "l[f]",
	"m['s']", "m[a]", "l[4][0]", "{a: a, b: f}", "{x: 1, x: 2}", "[a, s, n]", "[]", "{}", "{k: m.in}.k.q",
	"a > 1 && s == 'x' || f < 0", "not (a == 7)", "(a + b) * (a - b) / 2", "a % 2 == 0 ? 'even' : 'odd'",
	"1 + 2.5", "3 / 2", "7 % 3", "'a' + 'b'", "nil", "true", "1e308 * 10", "-small", "len(l)", "l[0:1]",
	"a in [1, 7]", "s contains 'x'", "m?.k", "$env", "let q = 1; q",
	// the number model (numbers.go): whole results are ints, overflow and
	// division by zero are errors.
	"8 / 2 % 2", "a / 7", "big / -1", "small / 2", "f * 2", "f * 2 % 2", "f % 2", "g % z", "a ** 2", "a ** -1", "big ** 2",
	"f ** 2", "(big - 1) + 1", "small + -1", "-(small)", "small * -1", "-1 * small", "1e18 * 10", "inf - inf", "nan + 1", "a ^ 3",
}

// TestFastExprMatchesVM runs every seed and thousands of generated
// expressions through the fast path and the VM, with the variables typed
// and untyped.
func TestFastExprMatchesVM(t *testing.T) {
	vars := fastVars()
	taken := 0
	for _, src := range fastSeeds {
		for _, typed := range []bool{false, true} {
			if checkFast(t, src, vars, typed) {
				taken++
			}
		}
	}
	if taken < len(fastSeeds) {
		t.Errorf("the fast path took only %d of %d seed evaluations", taken, 2*len(fastSeeds))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		src := genFastExpr(r, 4)
		checkFast(t, src, vars, r.IntN(2) == 0)
	}
}

// genFastExpr builds a random expression of the fast path's grammar (and a
// little beyond it) over fastVars.
func genFastExpr(r *rand.Rand, depth int) string {
	leaves := []string{"a", "b", "z", "big", "small", "f", "g", "nan", "inf", "s", "t", "e", "yes", "no", "n",
		"m", "l", "nm", "nl", "m.k", "m.s", "m.in.q", "l[0]", "l[2]", "l[-1]", "0", "1", "-1", "2.5", "'x'", "''", "nil", "true", "false"}
	if depth == 0 || r.IntN(4) == 0 {
		return leaves[r.IntN(len(leaves))]
	}
	sub := func() string { return genFastExpr(r, depth-1) }
	switch r.IntN(7) {
	case 0:
		return "!" + sub()
	case 1:
		return "-(" + sub() + ")"
	case 2:
		return "(" + sub() + " ? " + sub() + " : " + sub() + ")"
	case 3:
		return "{p: " + sub() + ", q: " + sub() + "}"
	case 4:
		return "[" + sub() + ", " + sub() + "]"
	}
	ops := []string{"+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??", "and", "or"}
	return "(" + sub() + " " + ops[r.IntN(len(ops))] + " " + sub() + ")"
}

// FuzzFastExpr: for any expression, the fast path agrees with the VM.
func FuzzFastExpr(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, src string, typed bool) {
		if len(src) > 2000 || strings.Count(src, "(") > 100 {
			return
		}
		checkFast(t, src, fastVars(), typed)
	})
}

// BenchmarkFastExpr evaluates total + i * i with the fast path and with
// expr's VM, on the same variables.
func BenchmarkFastExpr(b *testing.B) {
	prog, err := compileExprSafe("total + i * i", types.Map{"total": types.Any, "i": types.Any})
	if err != nil {
		b.Fatal(err)
	}
	vars := map[string]any{"total": 1000, "i": 300}
	b.Run("fast", func(b *testing.B) {
		slotOf, slots := slotsOf(vars)
		f := compileFast(prog.Node(), slotOf)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := f(slots); !ok {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("vm", func(b *testing.B) {
		var m vm.VM
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Run(prog, vars); err != nil {
				b.Fatal(err)
			}
		}
	})
}
