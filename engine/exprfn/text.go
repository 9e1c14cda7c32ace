package exprfn

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func init() {
	register(
		&Function{Name: "urlEncode", Category: Text, Signature: "urlEncode(value) → text",
			Description: "The text (or number) encoded for a URL's query string: space as +, every reserved character as %XX.",
			Example:     "'https://example.com/search?q=' + urlEncode('tea & cake')", Result: `"https://example.com/search?q=tea+%26+cake"`,
			Func: urlEncodeFunc, Types: []any{new(func(any) string)}},
		&Function{Name: "urlDecode", Category: Text, Signature: "urlDecode(text) → text",
			Description: "The text a URL query component holds: + as space, %XX decoded.",
			Example:     "urlDecode('tea+%26+cake')", Result: `"tea & cake"`,
			Func: urlDecodeFunc, Types: textToText},
		&Function{Name: "sprintf", Category: Text, Signature: "sprintf(format, values…) → text",
			Description: "The format with each %-verb replaced by the next value: %s text, %d whole number, %.2f decimal, %x hex, %v any value (lists and objects as JSON), %% a %.",
			Example:     "sprintf('%s owes %.2f (%d items)', 'Ann', 12.5, 3)", Result: `"Ann owes 12.50 (3 items)"`,
			Func: sprintfFunc, Types: []any{new(func(string, ...any) string)}},
		&Function{Name: "padStart", Category: Text, Signature: "padStart(text, length, pad?) → text",
			Description: "The text made length characters long by adding the pad (a space by default) at its start.",
			Example:     "padStart('7', 3, '0')", Result: `"007"`,
			Func: padFunc("padStart", true), Types: padTypes},
		&Function{Name: "padEnd", Category: Text, Signature: "padEnd(text, length, pad?) → text",
			Description: "The text made length characters long by adding the pad (a space by default) at its end.",
			Example:     "padEnd('ab', 5, '.')", Result: `"ab..."`,
			Func: padFunc("padEnd", false), Types: padTypes},
		&Function{Name: "capitalize", Category: Text, Signature: "capitalize(text) → text",
			Description: "The text with its first letter in upper case, the rest as it is.",
			Example:     "capitalize('élan vital')", Result: `"Élan vital"`,
			Func: capitalizeFunc, Types: textToText},
		&Function{Name: "slugify", Category: Text, Signature: "slugify(text) → text",
			Description: "The text as a URL slug: lower case, accents removed, every run of other characters than letters and digits made one -.",
			Example:     "slugify('  Crème Brûlée: 2 Ways! ')", Result: `"creme-brulee-2-ways"`,
			Func: slugifyFunc, Types: textToText},
		&Function{Name: "formatNumber", Category: Text, Signature: "formatNumber(number, decimals, decimalPoint?, thousands?) → text",
			Description: "The number with a fixed count of decimals (0 to 20, halves rounded away from zero) and thousands grouped; '.' and ',' by default.",
			Example:     "formatNumber(1234567.891, 2) + ' / ' + formatNumber(1234.5, 2, ',', ' ')", Result: `"1,234,567.89 / 1 234,50"`,
			Func: formatNumberFunc, Types: []any{new(func(any, any) string), new(func(any, any, string) string), new(func(any, any, string, string) string)}},
	)
}

func urlEncodeFunc(args ...any) (any, error) {
	const example = "urlEncode(input.q)"
	if err := arity("urlEncode", args, 1, 1, "one text, e.g. "+example); err != nil {
		return nil, err
	}
	var s string
	switch x := args[0].(type) {
	case string:
		s = x
	case int, float64, bool:
		s = fmt.Sprint(x)
	case exactDecimal:
		s = x.String()
	default:
		return nil, argError("urlEncode", "the argument", "a text or a number", example, args[0])
	}
	out := url.QueryEscape(s)
	if len(out) > MaxTextBytes {
		return nil, errTextLimit("urlEncode", "encoding this text")
	}
	return out, nil
}

func urlDecodeFunc(args ...any) (any, error) {
	const example = "urlDecode('a%20b')"
	s, err := oneText("urlDecode", args, example)
	if err != nil {
		return nil, err
	}
	out, err := url.QueryUnescape(s)
	if err != nil {
		return nil, fmt.Errorf("urlDecode: the text is not URL-encoded: %v", strings.TrimPrefix(err.Error(), "invalid URL escape "))
	}
	if err := validText("urlDecode", out); err != nil {
		return nil, err
	}
	return out, nil
}

var padTypes = []any{new(func(string, any) string), new(func(string, any, string) string)}

// padFunc is padStart or padEnd: lengths count characters, not bytes, and
// a pad of several characters is repeated and cut to fit.
func padFunc(fn string, start bool) func(args ...any) (any, error) {
	example := fn + "('7', 3, '0')"
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 3, "a text, a length and an optional pad, e.g. "+example); err != nil {
			return nil, err
		}
		s, err := text(fn, "the text", args[0], example)
		if err != nil {
			return nil, err
		}
		n, err := count(fn, "the length", args[1], MaxTextBytes, example)
		if err != nil {
			return nil, err
		}
		pad := " "
		if len(args) == 3 {
			if pad, err = text(fn, "the pad", args[2], example); err != nil {
				return nil, err
			}
			if pad == "" {
				return nil, fmt.Errorf("%s: the pad must not be empty, e.g. %s", fn, example)
			}
		}
		have := utf8.RuneCountInString(s)
		if have >= n {
			return s, nil
		}
		padRunes := []rune(pad)
		missing := n - have
		size := len(s) + missing*len(pad)/len(padRunes) + 4
		if size > MaxTextBytes {
			return nil, errTextLimit(fn, fmt.Sprintf("padding to %d characters", n))
		}
		var b strings.Builder
		b.Grow(size)
		if !start {
			b.WriteString(s)
		}
		for i := 0; i < missing; i++ {
			b.WriteRune(padRunes[i%len(padRunes)])
		}
		if start {
			b.WriteString(s)
		}
		return b.String(), nil
	}
}

func capitalizeFunc(args ...any) (any, error) {
	const example = "capitalize('hello')"
	s, err := oneText("capitalize", args, example)
	if err != nil {
		return nil, err
	}
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || r == utf8.RuneError {
		return s, nil
	}
	return string(unicode.ToTitle(r)) + s[size:], nil
}

func slugifyFunc(args ...any) (any, error) {
	const example = "slugify(product.name)"
	s, err := oneText("slugify", args, example)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // an accent, apart from its letter
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
	}
	return b.String(), nil
}

func formatNumberFunc(args ...any) (any, error) {
	const example = "formatNumber(1234.5, 2)"
	if err := arity("formatNumber", args, 2, 4, "a number, a count of decimals, and an optional decimal point and thousands separator, e.g. "+example); err != nil {
		return nil, err
	}
	f, isInt, err := number("formatNumber", "the number", args[0], example)
	if err != nil {
		return nil, err
	}
	decimals, ok := whole(args[1])
	if !ok || decimals < 0 || decimals > 20 {
		return nil, argError("formatNumber", "the decimals", "a whole number from 0 to 20", example, args[1])
	}
	point, thousands := ".", ","
	if len(args) >= 3 {
		if point, err = text("formatNumber", "the decimal point", args[2], "formatNumber(1234.5, 2, ',', '.')"); err != nil {
			return nil, err
		}
	}
	if len(args) == 4 {
		if thousands, err = text("formatNumber", "the thousands separator", args[3], "formatNumber(1234.5, 2, ',', '.')"); err != nil {
			return nil, err
		}
	}
	if len(point) > 16 || len(thousands) > 16 {
		return nil, fmt.Errorf("formatNumber: the decimal point and the thousands separator must be at most 16 bytes each")
	}
	var digits string // the number's shortest decimal text, without sign
	if d, ok := args[0].(exactDecimal); ok {
		digits = strings.TrimPrefix(d.String(), "-") // every digit, exactly
	} else if isInt {
		n, _ := whole(args[0])
		digits = strconv.FormatUint(abs(n), 10)
	} else {
		digits = strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	}
	intPart, frac := roundDecimal(digits, decimals)
	neg := f < 0 && strings.Trim(intPart+frac, "0") != ""
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(c)
	}
	if decimals > 0 {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String(), nil
}

// roundDecimal rounds a decimal text (digits, maybe a point) to decimals
// places, halves away from zero, as a person rounds what is written
// (1.005 to 2 places is 1.01), and returns its whole and fraction digits.
func roundDecimal(digits string, decimals int) (intPart, frac string) {
	intPart, frac, _ = strings.Cut(digits, ".")
	if len(frac) <= decimals {
		return intPart, frac + strings.Repeat("0", decimals-len(frac))
	}
	up := frac[decimals] >= '5'
	frac = frac[:decimals]
	if !up {
		return intPart, frac
	}
	all := []byte(intPart + frac)
	i := len(all) - 1
	for ; i >= 0; i-- {
		if all[i] == '9' {
			all[i] = '0'
			continue
		}
		all[i]++
		break
	}
	s := string(all)
	if i < 0 {
		s = "1" + s
	}
	return s[:len(s)-decimals], s[len(s)-decimals:]
}
