package exprfn

import (
	"fmt"
	"math"
	"math/bits"
)

func init() {
	register(
		&Function{Name: "sqrt", Category: Math, Signature: "sqrt(number) → decimal",
			Description: "The square root of a number of 0 or more.",
			Example:     "sqrt(2.25)", Result: "1.5",
			Func: sqrtFunc, Types: []any{new(func(any) float64)}},
		&Function{Name: "pow", Category: Math, Signature: "pow(base, exponent) → number",
			Description: "The base to the power of the exponent: a whole number for whole numbers and an exponent of 0 or more (an error when it overflows), an exact decimal for an exact decimal and such an exponent, else a float.",
			Example:     "[pow(2, 10), pow(9, 0.5), pow(2, -1)]", Result: "[1024,3,0.5]",
			Func: powFunc, Types: []any{new(func(any, any) any)}},
		&Function{Name: "clamp", Category: Math, Signature: "clamp(number, min, max) → number",
			Description: "The number kept within min and max: min when below it, max when above it.",
			Example:     "[clamp(15, 0, 10), clamp(-3, 0, 10), clamp(4.5, 0, 10)]", Result: "[10,0,4.5]",
			Func: clampFunc, Types: []any{new(func(any, any, any) any)}},
	)
}

func sqrtFunc(args ...any) (any, error) {
	const example = "sqrt(16)"
	if err := arity("sqrt", args, 1, 1, "one number, e.g. "+example); err != nil {
		return nil, err
	}
	f, _, err := number("sqrt", "the argument", args[0], example)
	if err != nil {
		return nil, err
	}
	if f < 0 {
		return nil, fmt.Errorf("sqrt: the argument must be 0 or more; got %s", describe(args[0]))
	}
	return math.Sqrt(f), nil
}

func powFunc(args ...any) (any, error) {
	const example = "pow(2, 10)"
	if err := arity("pow", args, 2, 2, "a base and an exponent, e.g. "+example); err != nil {
		return nil, err
	}
	b, bInt, err := number("pow", "the base", args[0], example)
	if err != nil {
		return nil, err
	}
	e, eInt, err := number("pow", "the exponent", args[1], example)
	if err != nil {
		return nil, err
	}
	if bInt && eInt && e >= 0 {
		base, _ := whole(args[0])
		exp, _ := whole(args[1])
		if n, ok := powInt(base, exp); ok {
			return n, nil
		}
		return nil, fmt.Errorf("pow: %d to the power of %d is beyond the range of whole numbers (about ±9.2e18); use a decimal base, e.g. pow(%d.0, %d)", base, exp, base, exp)
	}
	if p, ok := args[0].(decimalPower); ok && eInt && e >= 0 {
		exp, _ := whole(args[1])
		r, err := p.PowInt(exp)
		if err != nil {
			return nil, fmt.Errorf("pow: %v; for an approximation use a float base, e.g. pow(float(x), %d)", err, exp)
		}
		return r, nil
	}
	return finite("pow", math.Pow(b, e))
}

// decimalPower is an exact decimal that computes its whole powers exactly
// (engine/value's Decimal).
type decimalPower interface {
	PowInt(n int) (any, error)
}

// powInt is base**exp by squaring, ok false on overflow.
func powInt(base, exp int) (int, bool) {
	result := 1
	for exp > 0 {
		var ok bool
		if exp&1 == 1 {
			if result, ok = mulInt(result, base); !ok {
				return 0, false
			}
		}
		if exp >>= 1; exp > 0 {
			if base, ok = mulInt(base, base); !ok {
				return 0, false
			}
		}
	}
	return result, true
}

// mulInt is a*b, ok false when it overflows.
func mulInt(a, b int) (int, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(uint64(abs(a)), uint64(abs(b)))
	neg := (a < 0) != (b < 0)
	if hi != 0 || (lo > math.MaxInt64 && !(neg && lo == 1<<63)) {
		return 0, false
	}
	if neg {
		return -int(lo), true
	}
	return int(lo), true
}

// abs is |n| as a uint64 (|min int| does not fit an int).
func abs(n int) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}

func clampFunc(args ...any) (any, error) {
	const example = "clamp(qty, 1, 10)"
	if err := arity("clamp", args, 3, 3, "a number, a minimum and a maximum, e.g. "+example); err != nil {
		return nil, err
	}
	x, _, err := number("clamp", "the number", args[0], example)
	if err != nil {
		return nil, err
	}
	lo, _, err := number("clamp", "the minimum", args[1], example)
	if err != nil {
		return nil, err
	}
	hi, _, err := number("clamp", "the maximum", args[2], example)
	if err != nil {
		return nil, err
	}
	switch {
	case lo > hi:
		return nil, fmt.Errorf("clamp: the minimum %v is above the maximum %v; e.g. %s", args[1], args[2], example)
	case x < lo:
		return args[1], nil
	case x > hi:
		return args[2], nil
	}
	return args[0], nil
}
