package exprfn

import (
	"testing"
)

func TestMathFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{src: "sqrt(16)", want: 4.0},
		{src: "sqrt(0)", want: 0.0},
		{src: "sqrt(-1)", err: "sqrt: the argument must be 0 or more; got int -1"},
		{src: "sqrt(s)", err: `sqrt: the argument must be a number, e.g. sqrt(16); got text "text"`},
		{src: "pow(2, 62)", want: 1 << 62},
		{src: "pow(-2, 63)", want: -1 << 63},
		{src: "pow(-3, 3)", want: -27},
		{src: "pow(0, 0)", want: 1},
		{src: "pow(1, 9223372036854775807)", want: 1},
		{src: "pow(-1, 9223372036854775807)", want: -1},
		{src: "pow(2, 63)", err: "pow: 2 to the power of 63 is beyond the range of whole numbers (about ±9.2e18); use a decimal base, e.g. pow(2.0, 63)"},
		{src: "pow(10, 19)", err: "pow: 10 to the power of 19 is beyond the range of whole numbers (about ±9.2e18); use a decimal base, e.g. pow(10.0, 19)"},
		{src: "pow(2.0, 63)", want: 9223372036854775808.0},
		{src: "pow(4, 0.5)", want: 2.0},
		{src: "pow(2, -2)", want: 0.25},
		{src: "pow(10.0, 400)", err: "pow: the result is not a finite number"},
		{src: "pow(-8, 1 / 3)", err: "pow: the result is not a finite number"},
		{src: "pow(nul, 2)", err: "pow: the base must be a number, e.g. pow(2, 10); got null"},
		{src: "clamp(5, 0, 10)", want: 5},
		{src: "clamp(-5, 0, 10)", want: 0},
		{src: "clamp(15, 0, 10.5)", want: 10.5},
		{src: "clamp(2.5, 3, 3)", want: 3},
		{src: "clamp(1, 10, 0)", err: "clamp: the minimum 10 is above the maximum 0; e.g. clamp(qty, 1, 10)"},
		{src: "clamp(s, 0, 1)", err: `clamp: the number must be a number, e.g. clamp(qty, 1, 10); got text "text"`},
	})
}
