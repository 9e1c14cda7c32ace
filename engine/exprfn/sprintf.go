package exprfn

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// sprintfFunc is sprintf(format, values…) with Go's verbs, checked before
// formatting: each verb takes one value of a kind it can write (a whole
// number for %d, whose decimals would otherwise print as %!d(float64=2)),
// the values are exactly as many as the verbs, and widths and precisions
// are bounded (%999999999d would make a gigabyte of spaces).
func sprintfFunc(args ...any) (any, error) {
	const example = "sprintf('%s: %d', name, n)"
	if len(args) == 0 {
		return nil, fmt.Errorf("sprintf takes a format and its values, e.g. %s; got no argument", example)
	}
	format, err := text("sprintf", "the format", args[0], example)
	if err != nil {
		return nil, err
	}
	values := args[1:]
	var goFormat strings.Builder
	var goArgs []any
	var verbs []string
	room := MaxTextBytes // what widths and precisions may still ask for
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			goFormat.WriteByte(c)
			continue
		}
		start := i
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		width, i2, ok := digits(format, i)
		i = i2
		prec := 0
		if ok && i < len(format) && format[i] == '.' {
			prec, i, ok = digits(format, i+1)
		}
		if !ok {
			return nil, fmt.Errorf("sprintf: a width or precision in the format is too large (the result is limited to %s, max_text_bytes)", byteSize(MaxTextBytes))
		}
		if i >= len(format) {
			return nil, fmt.Errorf("sprintf: the format ends in the middle of a verb: %q; write %%%% for a %% sign", format[start:])
		}
		verb := format[i]
		spec := format[start : i+1]
		if verb == '%' {
			goFormat.WriteString("%%")
			continue
		}
		if verb == '*' || verb == '[' {
			return nil, fmt.Errorf("sprintf: %q is not supported; write widths and precisions as numbers in the format, e.g. %%5.2f", spec)
		}
		if room -= width + prec; room < 0 {
			return nil, fmt.Errorf("sprintf: the widths and precisions of the format ask for more than %s (max_text_bytes)", byteSize(MaxTextBytes))
		}
		verbs = append(verbs, spec)
		if len(verbs) > len(values) {
			continue // counted below
		}
		v, err := sprintfArg(spec, verb, values[len(verbs)-1])
		if err != nil {
			return nil, err
		}
		goFormat.WriteString(spec)
		goArgs = append(goArgs, v)
	}
	if len(verbs) != len(values) {
		return nil, fmt.Errorf("sprintf: the format has %d verb%s (%s) but %d value%s followed it; give one value per verb, e.g. %s",
			len(verbs), plural(len(verbs)), strings.Join(verbs, " "), len(values), plural(len(values)), example)
	}
	out := fmt.Sprintf(goFormat.String(), goArgs...)
	if len(out) > MaxTextBytes {
		return nil, errTextLimit("sprintf", "this format")
	}
	return out, nil
}

// digits reads the decimal number at format[i:], if any: ok is false when
// it passes MaxTextBytes.
func digits(format string, i int) (n, next int, ok bool) {
	j := i
	for j < len(format) && format[j] >= '0' && format[j] <= '9' {
		j++
	}
	if j == i {
		return 0, j, true
	}
	n, err := strconv.Atoi(format[i:j])
	if err != nil || n > MaxTextBytes {
		return 0, j, false
	}
	return n, j, true
}

// sprintfArg converts v for verb, or says why it cannot be written so.
func sprintfArg(spec string, verb byte, v any) (any, error) {
	switch verb {
	case 's', 'v', 'q':
		if s, ok := v.(string); ok {
			return s, nil
		}
		return stringFunc(v)
	case 'd', 'o', 'b', 'c':
		if n, ok := whole(v); ok {
			return n, nil
		}
		return nil, sprintfError(spec, "a whole number", v)
	case 'x', 'X':
		if n, ok := whole(v); ok {
			return n, nil
		}
		if s, ok := v.(string); ok {
			return s, nil // the hex of its bytes
		}
		return nil, sprintfError(spec, "a whole number or a text", v)
	case 'f', 'F', 'e', 'E', 'g', 'G':
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case float64:
			return x, nil
		case exactDecimal:
			return decimalForVerb(spec, verb, x), nil
		}
		return nil, sprintfError(spec, "a number", v)
	case 't':
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, sprintfError(spec, "true or false", v)
	}
	return nil, fmt.Errorf("sprintf: %q is not a verb sprintf knows; use %%s (text), %%d (whole number), %%f (decimal), %%x (hex), %%t (bool), %%v (any value) or %%%% (a %% sign)", spec)
}

func sprintfError(spec, want string, got any) error {
	hint := ""
	switch got.(type) {
	case float64:
		if spec[len(spec)-1] == 'd' {
			hint = "; for a decimal use %f, or round it: int(x)"
		}
	case string, time.Time:
		hint = "; for text use %s"
	}
	if reflect.ValueOf(got).Kind() == reflect.Map || reflect.ValueOf(got).Kind() == reflect.Slice {
		hint = "; for a list or object use %v"
	}
	return fmt.Errorf("sprintf: %s needs %s, got %s%s", spec, want, describe(got), hint)
}

// decimalForVerb is an exact decimal as the float sprintf writes for spec.
// For %f it is first rounded on its exact digits, halves away from zero,
// as formatNumber rounds (a decimal 1.005 with %.2f is 1.01, where its
// nearest float, 1.00499…, would be written 1.00): the float of a number
// of at most 15 significant digits is written back with those digits.
func decimalForVerb(spec string, verb byte, d exactDecimal) float64 {
	if verb != 'f' && verb != 'F' {
		return d.Float64()
	}
	prec := 6
	if i := strings.IndexByte(spec, '.'); i >= 0 {
		prec, _, _ = digits(spec, i+1)
	}
	s := d.String()
	sign, abs := "", s
	if strings.HasPrefix(s, "-") {
		sign, abs = "-", s[1:]
	}
	intPart, frac := roundDecimal(abs, prec)
	f, err := strconv.ParseFloat(sign+intPart+"."+frac+"0", 64)
	if err != nil {
		return d.Float64()
	}
	return f
}
