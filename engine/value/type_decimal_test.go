package value_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestDecimal(t *testing.T) {
	checkCoerce(t, value.DecimalT, []coerceCase{
		{json.Number("19.99"), `19.99`},
		{json.Number("0.10000000000000000000000000001"), `0.10000000000000000000000000001`},
		{"2.50", `2.50`},
		{7, `7`},
		{0.1, `0.1`},
		{"x", "error: expected decimal, got text"},
		{true, "error: expected decimal, got bool"},
	})
	checkColumn(t, value.DecimalT, "DECIMAL_TEXT", "NUMERIC")
	checkStore(t, value.DecimalT, []storeCase{
		{value.MustDecimal("2.50"), `">5001:25"`, `"2.50"`, `2.5`},
		{value.MustDecimal("-2.5"), `"<4998:74~"`, `"-2.5"`, `-2.5`},
		{0, `"="`, `"0"`, `0`},
		{json.Number("0.003"), `">4998:3"`, `"0.003"`, `0.003`},
		{0.1, `">5000:1"`, `"0.1"`, `0.1`},
		{"x", `error: expects a number, got text "x"`, `error: expects a number, got text "x"`, ""},
		{math.NaN(), "error: expects a finite number, got a decimal (NaN)", "error: expects a finite number, got a decimal (NaN)", ""},
		{value.MustDecimal("1e6000"), "error: 1" + zeros(6000) + " is too large or too small to store: a decimal column keeps numbers from 1e-5000 to 1e4999 in magnitude", `"1` + zeros(6000) + `"`, ""},
	})
	// What older databases and db.sql leave in the column reads too.
	for _, c := range []struct {
		in   any
		want string
	}{{0.30000000000000004, "0.30000000000000004"}, {2.5, "2.5"}, {int64(3), "3"}, {"19.990", "19.99"}, {[]byte("1.5"), "1.5"}} {
		if got, err := value.DecimalT.Decode(c.in); err != nil || got.(value.Decimal).String() != c.want {
			t.Errorf("Decode(%#v) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	checkLiteral(t, value.DecimalT, []literalCase{
		{`2.5`, `'>5001:25'`, `2.5`},
		{`"2.5"`, `error: default "2.5" is not a number`, `error: default "2.5" is not a number`},
	})
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// TestSortKeyOrder: sort keys in byte order are the numbers in numeric
// order, equal numbers have equal keys, and every key reads back.
func TestSortKeyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var nums []value.Decimal
	for _, s := range []string{"0", "-0.00", "10", "9", "9.99", "10.0", "-10", "-9", "0.001", "-0.001", "1e30", "-1e30", "1e-30", "123456789012345678901234567890.5"} {
		nums = append(nums, value.MustDecimal(s))
	}
	for range 2000 {
		n := value.DecimalFromInt(r.Int64N(2_000_000) - 1_000_000)
		scale := value.DecimalFromInt(int64(math.Pow10(r.IntN(8))))
		q, err := n.Quo(scale)
		if err != nil {
			t.Fatal(err)
		}
		nums = append(nums, q)
	}
	keys := make([]string, len(nums))
	for i, n := range nums {
		k, err := value.SortKey(n)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
		back, ok := value.ParseSortKey(k)
		if !ok || back.Cmp(n) != 0 {
			t.Fatalf("key %q of %s reads back as %s (%v)", k, n, back, ok)
		}
	}
	idx := make([]int, len(nums))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	for i := 1; i < len(idx); i++ {
		a, b := nums[idx[i-1]], nums[idx[i]]
		ka, kb := keys[idx[i-1]], keys[idx[i]]
		if c := a.Cmp(b); c > 0 || (c == 0) != (ka == kb) {
			t.Fatalf("keys %q < %q but %s vs %s compare %d", ka, kb, a, b, c)
		}
	}
}

func TestDecimalArithmetic(t *testing.T) {
	d := value.MustDecimal
	sum, _ := d("0.1").Add(d("0.2"))
	if sum.Cmp(d("0.3")) != 0 || sum.String() != "0.3" {
		t.Errorf("0.1 + 0.2 = %s", sum)
	}
	q, _ := d("1").Quo(d("3"))
	if q.String() != "0.3333333333333333333333333333333333" {
		t.Errorf("1/3 = %s", q)
	}
	q, _ = d("10").Quo(d("4"))
	if q.String() != "2.5" {
		t.Errorf("10/4 = %s", q)
	}
	if _, err := d("1").Quo(d("0")); err != value.ErrDivisionByZero {
		t.Errorf("1/0: %v", err)
	}
	m, _ := d("19.99").Mul(value.DecimalFromInt(3))
	if m.String() != "59.97" {
		t.Errorf("19.99*3 = %s", m)
	}
	for in, want := range map[string]string{"2.345": "2.35", "-2.345": "-2.35", "2.344": "2.34", "2": "2.00"} {
		if got := d(in).Round(2).String(); got != want {
			t.Errorf("round(%s, 2) = %s, want %s", in, got, want)
		}
	}
	if got := d("-2.5").Floor().String(); got != "-3" {
		t.Errorf("floor(-2.5) = %s", got)
	}
	if got := d("2.1").Ceil().String(); got != "3" {
		t.Errorf("ceil(2.1) = %s", got)
	}
	if n, ok := d("42.000").Int(); !ok || n != 42 {
		t.Errorf("Int(42.000) = %d, %v", n, ok)
	}
	if _, ok := d("42.5").Int(); ok {
		t.Error("Int(42.5) is whole")
	}
	b, _ := json.Marshal(map[string]any{"total": d("0.30")})
	if string(b) != `{"total":0.30}` {
		t.Errorf("JSON %s", b)
	}
}
