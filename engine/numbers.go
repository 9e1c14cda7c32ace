package engine

import (
	"fmt"
	"math"
	"strconv"

	"github.com/expr-lang/expr/vm/runtime"

	"github.com/funcstack/funcstack/engine/value"
)

// The number model: one place computes every arithmetic operator, for
// expr's VM (the patched operator calls of arith.go) and for the fast
// path (fastexpr.go) alike.
//
//   - int op int gives an int for + - * % and ** (a non-negative
//     exponent); a result that does not fit 64 bits is an error
//     ("integer overflow"), never a wrap.
//   - / gives an int when the quotient is a whole number that fits
//     (8 / 2 is 4), else a float (7 / 2 is 3.5).
//   - with a float, the result is computed as a float; one that is a
//     whole number and fits an int is an int (1.5 * 2 is 3), as JSON does
//     not tell 3 from 3.0; one that is not finite is an error.
//   - a decimal with an int gives a decimal (arith.go's decimalBinary).
//   - division or modulo by zero is an error, never +Inf or NaN.
//
// Errors are *ArithError: code arithmetic_error, catchable by try.

// ArithError is an arithmetic error: an integer overflow, a division or
// modulo by zero, a result that is not a finite number.
type ArithError struct{ Msg string }

func (e *ArithError) Error() string { return e.Msg }

func overflow(a any, op string, b any) error {
	return &ArithError{Msg: fmt.Sprintf("integer overflow: %s %s %s does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers", numText(a), op, numText(b))}
}

func numText(v any) string {
	switch n := v.(type) {
	case int:
		return strconv.Itoa(n)
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func byZero(a any, op string) error {
	what := "division"
	if op == "%" {
		what = "modulo"
	}
	return &ArithError{Msg: fmt.Sprintf("%s by zero: %s %s 0; check the divisor first (d == 0 ? ... : x %s d)", what, numText(a), op, op)}
}

// floatResult is f as the language holds it: an int when whole and in
// range, an error when not finite.
func floatResult(f float64, a any, op string, b any) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &ArithError{Msg: fmt.Sprintf("number overflow: %s %s %s is not a finite number", numText(a), op, numText(b))}
	}
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return int(f), nil
	}
	return f, nil
}

// numOp computes a op b for + - * / % ** on numbers and texts. handled is
// false for values it leaves to expr's runtime (times, durations, ...).
func numOp(op string, a, b any) (v any, handled bool, err error) {
	if isDec(a) || isDec(b) {
		v, err := decimalBinary(op, a, b)
		return v, true, err
	}
	x, xi := a.(int)
	y, yi := b.(int)
	if xi && yi {
		v, err := intOp(op, x, y)
		return v, true, err
	}
	if op == "+" {
		if s, ok := a.(string); ok {
			if t, ok := b.(string); ok {
				return s + t, true, nil
			}
		}
	}
	fx, ok1 := numberOf(a)
	fy, ok2 := numberOf(b)
	if !ok1 || !ok2 {
		return nil, false, nil
	}
	var f float64
	switch op {
	case "+":
		f = fx + fy
	case "-":
		f = fx - fy
	case "*":
		f = fx * fy
	case "/":
		if fy == 0 {
			return nil, true, byZero(a, op)
		}
		f = fx / fy
	case "%":
		if fy == 0 {
			return nil, true, byZero(a, op)
		}
		f = math.Mod(fx, fy)
	case "**", "^":
		f = math.Pow(fx, fy)
	default:
		return nil, false, nil
	}
	v, err = floatResult(f, a, op, b)
	return v, true, err
}

// intOp is numOp on two ints.
func intOp(op string, x, y int) (any, error) {
	switch op {
	case "+":
		s := x + y
		if (s^x)&(s^y) < 0 {
			return nil, overflow(x, op, y)
		}
		return s, nil
	case "-":
		d := x - y
		if (x^y)&(x^d) < 0 {
			return nil, overflow(x, op, y)
		}
		return d, nil
	case "*":
		p, ok := mulInt(x, y)
		if !ok {
			return nil, overflow(x, op, y)
		}
		return p, nil
	case "/":
		if y == 0 {
			return nil, byZero(x, op)
		}
		if x%y == 0 && !(x == math.MinInt && y == -1) {
			return x / y, nil
		}
		return floatResult(float64(x)/float64(y), x, op, y)
	case "%":
		if y == 0 {
			return nil, byZero(x, op)
		}
		return x % y, nil
	case "**", "^":
		if y < 0 {
			return floatResult(math.Pow(float64(x), float64(y)), x, op, y)
		}
		r, base, e := 1, x, y
		for e > 0 {
			var ok bool
			if e&1 == 1 {
				if r, ok = mulInt(r, base); !ok {
					return nil, overflow(x, op, y)
				}
			}
			if e >>= 1; e > 0 {
				if base, ok = mulInt(base, base); !ok {
					return nil, overflow(x, op, y)
				}
			}
		}
		return r, nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

// mulInt is x * y and whether it fits.
func mulInt(x, y int) (int, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	p := x * y
	if p/y != x || (x == -1 && y == math.MinInt) || (y == -1 && x == math.MinInt) {
		return 0, false
	}
	return p, true
}

// negNum is unary minus; handled as in numOp.
func negNum(v any) (any, bool, error) {
	switch n := v.(type) {
	case int:
		if n == math.MinInt {
			return nil, true, &ArithError{Msg: fmt.Sprintf("integer overflow: -(%d) does not fit a 64-bit int", n)}
		}
		return -n, true, nil
	case float64:
		return -n, true, nil
	case value.Decimal:
		return n.Neg(), true, nil
	}
	return nil, false, nil
}

// runtimeOp is expr's own operator, for the values numOp leaves.
func runtimeOp(op string, a, b any) any {
	switch op {
	case "+":
		return runtime.Add(a, b)
	case "-":
		return runtime.Subtract(a, b)
	case "*":
		return runtime.Multiply(a, b)
	case "/":
		return runtime.Divide(a, b)
	case "%":
		return runtime.Modulo(a, b)
	}
	return runtime.Exponent(a, b)
}
