package value

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Decimal is an exact decimal number: what a stack holds for a value of
// type decimal. Addition, subtraction and multiplication are exact (every
// digit is kept); division keeps DivisionDigits significant digits,
// rounding half away from zero, as PostgreSQL's numeric does. A Decimal is
// immutable: every operation makes a new one. It encodes to JSON as a
// number with its exact digits (19.99, never 19.989999999999998).
//
// The arithmetic is github.com/cockroachdb/apd/v3's (the decimal package
// of CockroachDB, which implements the General Decimal Arithmetic
// specification behind PostgreSQL's numeric): values below 2^128 need no
// allocation of their own, and precision and rounding are per operation,
// with no package-wide setting another package could change.
type Decimal struct{ d apd.Decimal }

// DivisionDigits is the number of significant digits a division keeps
// when the quotient does not end (1/3), as IEEE 754's decimal128.
const DivisionDigits = 34

var (
	// exact computes without rounding (additions, subtractions,
	// multiplications); its traps make overflow an error.
	exact = apd.BaseContext
	// division rounds to DivisionDigits digits.
	division = func() *apd.Context {
		c := apd.BaseContext.WithPrecision(DivisionDigits)
		c.Rounding = apd.RoundHalfUp
		return c
	}()
	// whole rounds to whole numbers (round, floor, ceil).
	whole = apd.BaseContext.WithPrecision(1000)
)

// DecimalFromInt is n as a Decimal.
func DecimalFromInt(n int64) Decimal {
	var x Decimal
	x.d.SetInt64(n)
	return x
}

// ParseDecimal reads decimal text: 19.99, -0.5, 1e3, with every digit
// kept. NaN and infinities are refused.
func ParseDecimal(s string) (Decimal, error) {
	var x Decimal
	s = strings.TrimSpace(s)
	if _, _, err := x.d.SetString(s); err != nil || x.d.Form != apd.Finite {
		return Decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return x, nil
}

// DecimalFromFloat is f as a Decimal: the shortest decimal that reads back
// as f (0.1 is 0.1, not 0.1000000000000000055511151231257827).
func DecimalFromFloat(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, fmt.Errorf("%v is not a finite number", f)
	}
	return ParseDecimal(strconv.FormatFloat(f, 'g', -1, 64))
}

// MustDecimal is ParseDecimal for constants; it panics on bad text.
func MustDecimal(s string) Decimal {
	x, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return x
}

// AsDecimal converts a number (a Decimal, an int, a json.Number, or
// decimal text) to a Decimal. Floats are refused (ok false): mixing them
// with decimals would lose the exactness; use DecimalFromFloat to take a
// float's shortest decimal on purpose.
func AsDecimal(v any) (Decimal, bool) {
	switch n := v.(type) {
	case Decimal:
		return n, true
	case int:
		return DecimalFromInt(int64(n)), true
	case int64:
		return DecimalFromInt(n), true
	case int32:
		return DecimalFromInt(int64(n)), true
	case json.Number:
		x, err := ParseDecimal(n.String())
		return x, err == nil
	case string:
		x, err := ParseDecimal(n)
		return x, err == nil
	}
	return Decimal{}, false
}

// String writes the decimal without an exponent: 19.99, -0.5, 1000.
func (x Decimal) String() string { return x.d.Text('f') }

// MarshalJSON writes the decimal as a JSON number with its exact digits.
func (x Decimal) MarshalJSON() ([]byte, error) {
	if x.d.Form != apd.Finite {
		return nil, errors.New("a decimal that is not a finite number cannot be written as JSON")
	}
	return []byte(x.String()), nil
}

// Cmp compares x and y: -1, 0 or 1. 2.5 and 2.50 are equal.
func (x Decimal) Cmp(y Decimal) int { return x.d.Cmp(&y.d) }

// Sign is -1, 0 or 1.
func (x Decimal) Sign() int { return x.d.Sign() }

// Float64 is the nearest float64.
func (x Decimal) Float64() float64 {
	f, _ := x.d.Float64()
	return f
}

// Int is x as an int when x is whole and fits 64 bits.
func (x Decimal) Int() (int, bool) {
	var t apd.Decimal
	if _, err := exact.RoundToIntegralExact(&t, &x.d); err != nil || t.Cmp(&x.d) != 0 {
		return 0, false
	}
	n, err := t.Int64()
	return int(n), err == nil
}

// Reduce drops trailing zeros: 2.50 is 2.5, 100 is 1E+2 (written 100).
func (x Decimal) Reduce() Decimal {
	var r Decimal
	r.d.Reduce(&x.d)
	return r
}

// ErrDivisionByZero is a division or remainder by zero.
var ErrDivisionByZero = errors.New("division by zero")

func op2(f func(d, x, y *apd.Decimal) (apd.Condition, error), x, y Decimal) (Decimal, error) {
	var r Decimal
	if _, err := f(&r.d, &x.d, &y.d); err != nil {
		return Decimal{}, fmt.Errorf("decimal arithmetic: %v", err)
	}
	return r, nil
}

// Add is x + y, exact.
func (x Decimal) Add(y Decimal) (Decimal, error) { return op2(exact.Add, x, y) }

// Sub is x - y, exact.
func (x Decimal) Sub(y Decimal) (Decimal, error) { return op2(exact.Sub, x, y) }

// Mul is x * y, exact.
func (x Decimal) Mul(y Decimal) (Decimal, error) { return op2(exact.Mul, x, y) }

// Quo is x / y, to DivisionDigits significant digits.
func (x Decimal) Quo(y Decimal) (Decimal, error) {
	if y.d.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	r, err := op2(division.Quo, x, y)
	if err != nil {
		return r, err
	}
	return r.Reduce(), nil
}

// Rem is the remainder of x / y, with the sign of x (as % on ints).
func (x Decimal) Rem(y Decimal) (Decimal, error) {
	if y.d.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	return op2(division.Rem, x, y)
}

// MaxPowDigits bounds the digits of Pow's result: 1.5 to the power of a
// million would have a million digits.
const MaxPowDigits = 1000

// Pow is x to the power n (n of 0 or more), exact: every digit is kept.
// A result of more than MaxPowDigits digits is an error, found before it
// is computed.
func (x Decimal) Pow(n int) (Decimal, error) {
	if n < 0 {
		return Decimal{}, fmt.Errorf("a decimal to a negative power is not exact; got the power %d", n)
	}
	if digits := int64(x.d.NumDigits()); n > 1 && !x.d.IsZero() && digits > 0 && int64(n) > MaxPowDigits/digits {
		return Decimal{}, fmt.Errorf("%s to the power of %d would have more than %d digits", x, n, MaxPowDigits)
	}
	r, base := DecimalFromInt(1), x
	for e := n; e > 0; e >>= 1 {
		var err error
		if e&1 == 1 {
			if r, err = r.Mul(base); err != nil {
				return Decimal{}, err
			}
		}
		if e > 1 {
			if base, err = base.Mul(base); err != nil {
				return Decimal{}, err
			}
		}
	}
	return r, nil
}

// PowInt is Pow for engine/exprfn's pow, which cannot name Decimal (this
// package imports it): the result is a Decimal.
func (x Decimal) PowInt(n int) (any, error) { return x.Pow(n) }

// Neg is -x.
func (x Decimal) Neg() Decimal {
	var r Decimal
	r.d.Neg(&x.d)
	return r
}

// Abs is |x|.
func (x Decimal) Abs() Decimal {
	var r Decimal
	r.d.Abs(&x.d)
	return r
}

// Round is x rounded half away from zero to places digits after the point
// (negative places round to tens, hundreds, …).
func (x Decimal) Round(places int) Decimal {
	var r Decimal
	c := *whole
	c.Rounding = apd.RoundHalfUp
	if _, err := c.Quantize(&r.d, &x.d, int32(-places)); err != nil {
		return x
	}
	return r
}

// Floor is the greatest whole number not above x.
func (x Decimal) Floor() Decimal {
	var r Decimal
	if _, err := whole.Floor(&r.d, &x.d); err != nil {
		return x
	}
	return r
}

// Ceil is the least whole number not below x.
func (x Decimal) Ceil() Decimal {
	var r Decimal
	if _, err := whole.Ceil(&r.d, &x.d); err != nil {
		return x
	}
	return r
}

// The sort key: how SQLite columns hold decimals. SQLite has no exact
// decimal type (a NUMERIC or REAL column would make 0.1 a binary float),
// and decimal text sorts as text ("10" before "9"). The key is text whose
// byte order is the numbers' order, so that ORDER BY, <, =, UNIQUE and
// indexes work on the column as they are, with no function of our own in
// the database:
//
//	zero      =
//	positive  > EEEE : DDD      x = 0.DDD × 10^(EEEE-5000)
//	negative  < eeee : ddd ~    eeee = 9999-EEEE, each d = 9-D
//
// DDD are the significant digits (no trailing zeros, so equal numbers
// have one key), EEEE the exponent plus 5000 in four digits. For
// negatives the digits are complemented and end with ~ so that larger
// magnitudes sort first. 2.5 is >5001:25, -2.5 is <4998:74~, 0.003 is
// >4998:3. Numbers from 10^-5000 to 10^4999 in magnitude are stored.

// SortKey is x's sort key.
func SortKey(x Decimal) (string, error) {
	if x.d.IsZero() {
		return "=", nil
	}
	r := x.Reduce()
	digits := r.d.Coeff.String()
	e := int64(len(digits)) + int64(r.d.Exponent) + 5000
	if e < 0 || e > 9999 {
		return "", fmt.Errorf("%s is too large or too small to store: a decimal column keeps numbers from 1e-5000 to 1e4999 in magnitude", x)
	}
	var b strings.Builder
	b.Grow(len(digits) + 7)
	if !r.d.Negative {
		b.WriteByte('>')
		fmt.Fprintf(&b, "%04d", e)
		b.WriteByte(':')
		b.WriteString(digits)
		return b.String(), nil
	}
	b.WriteByte('<')
	fmt.Fprintf(&b, "%04d", 9999-e)
	b.WriteByte(':')
	for i := 0; i < len(digits); i++ {
		b.WriteByte('9' - digits[i] + '0')
	}
	b.WriteByte('~')
	return b.String(), nil
}

// ParseSortKey reads a sort key back; ok is false for text that is not
// one.
func ParseSortKey(s string) (Decimal, bool) {
	if s == "=" {
		return Decimal{}, true
	}
	if len(s) < 7 || (s[0] != '>' && s[0] != '<') || s[5] != ':' {
		return Decimal{}, false
	}
	e, err := strconv.Atoi(s[1:5])
	if err != nil {
		return Decimal{}, false
	}
	digits := s[6:]
	neg := s[0] == '<'
	if neg {
		if !strings.HasSuffix(digits, "~") {
			return Decimal{}, false
		}
		e = 9999 - e
		b := []byte(digits[:len(digits)-1])
		for i, c := range b {
			b[i] = '9' - c + '0'
		}
		digits = string(b)
	}
	var x Decimal
	if _, ok := x.d.Coeff.SetString(digits, 10); !ok || digits == "" || digits[0] < '1' || digits[0] > '9' {
		return Decimal{}, false
	}
	x.d.Exponent = int32(e - 5000 - len(digits))
	x.d.Negative = neg
	return x, true
}

// GoString writes the digits, as %#v shows them.
func (x Decimal) GoString() string { return x.String() }
