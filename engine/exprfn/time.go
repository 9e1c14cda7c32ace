package exprfn

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // timezone names work on hosts without a zoneinfo database
	"unicode"
)

func init() {
	register(
		&Function{Name: "unixMs", Category: Time, Signature: "unixMs(timestamp) → int",
			Description: "The timestamp (or RFC 3339 text) as milliseconds since 1970-01-01 UTC.",
			Example:     "unixMs('2026-03-01T00:00:00Z')", Result: "1772323200000",
			Func: unixMsFunc, Types: []any{new(func(any) int)}},
		&Function{Name: "fromUnixMs", Category: Time, Signature: "fromUnixMs(ms) → timestamp",
			Description: "The timestamp that many milliseconds after 1970-01-01 UTC.",
			Example:     "fromUnixMs(1772323200000)", Result: `"2026-03-01T00:00:00Z"`,
			Func: fromUnixMsFunc, Types: []any{new(func(any) time.Time)}},
		&Function{Name: "formatDate", Category: Time, Signature: "formatDate(timestamp, layout, timezone?) → text",
			Description: "The timestamp written in a layout such as 'DD/MM/YYYY HH:mm' (YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ; [text] as is; another letter is an error), a Go layout or a name such as 'RFC3339'; in UTC or the timezone named.",
			Example:     "formatDate('2026-03-01T14:05:09Z', 'ddd Do MMM YYYY, h:mm A', 'Europe/Paris')", Result: `"Sun 1st Mar 2026, 3:05 PM"`,
			Func: formatDateFunc, Types: []any{new(func(any, string) string), new(func(any, string, string) string)}},
		&Function{Name: "parseDate", Category: Time, Signature: "parseDate(text, layout, timezone?) → timestamp",
			Description: "The timestamp a text holds, read with a layout as formatDate writes them; a text without an offset is read in UTC or the timezone named.",
			Example:     "parseDate('01/03/2026 14:30', 'DD/MM/YYYY HH:mm', 'Europe/Paris')", Result: `"2026-03-01T14:30:00+01:00"`,
			Func: parseDateFunc, Types: []any{new(func(string, string) time.Time), new(func(string, string, string) time.Time)}},
		&Function{Name: "dateAdd", Category: Time, Signature: "dateAdd(timestamp, amount) → timestamp",
			Description: "The timestamp moved by an amount such as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms; years, months and days on the calendar, a month after January 31 being February 28), or by a number of milliseconds.",
			Example:     "dateAdd('2026-01-31T10:00:00Z', '1mo2h')", Result: `"2026-02-28T12:00:00Z"`,
			Func: dateAddFunc, Types: []any{new(func(any, any) time.Time)}},
		&Function{Name: "startOf", Category: Time, Signature: "startOf(timestamp, unit, timezone?) → timestamp",
			Description: "The start of the timestamp's 'hour', 'day', 'week' (Monday), 'month' or 'year', in UTC or the timezone named.",
			Example:     "startOf('2026-03-04T14:05:09Z', 'week', 'Europe/Paris')", Result: `"2026-03-02T00:00:00+01:00"`,
			Func: startEndFunc("startOf", false), Types: startEndTypes},
		&Function{Name: "endOf", Category: Time, Signature: "endOf(timestamp, unit, timezone?) → timestamp",
			Description: "The last millisecond of the timestamp's 'hour', 'day', 'week' (Monday to Sunday), 'month' or 'year', in UTC or the timezone named, as Moment's endOf; for a range to the nanosecond, compare with < startOf of the next.",
			Example:     "endOf('2026-02-10T14:05:09Z', 'month')", Result: `"2026-02-28T23:59:59.999Z"`,
			Func: startEndFunc("endOf", true), Types: startEndTypes},
		&Function{Name: "dateDiff", Category: Time, Signature: "dateDiff(from, to, unit) → int",
			Description: "The whole units from one timestamp to another, cut toward zero, negative when to is before from; units 'ms', 's', 'm', 'h', 'd' (24 hours), 'w', or 'milliseconds', 'seconds', 'minutes', 'hours', 'days', 'weeks'; 'mo'/'months' and 'y'/'years' count calendar months as dateAdd moves by them.",
			Example:     "[dateDiff('2026-03-01T00:00:00Z', '2026-03-02T12:00:00Z', 'h'), dateDiff('2026-03-02', '2026-03-01', 'days'), dateDiff('2026-01-31', '2026-02-28', 'months')]", Result: "[36,-1,1]",
			Func: dateDiffFunc, Types: []any{new(func(any, any, string) int)}},
	)
}

var startEndTypes = []any{new(func(any, string) time.Time), new(func(any, string, string) time.Time)}

// startEndFunc is startOf (end false) or endOf.
func startEndFunc(fn string, end bool) func(args ...any) (any, error) {
	example := fn + "(now(), 'day')"
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 3, "a timestamp, a unit and an optional timezone, e.g. "+example); err != nil {
			return nil, err
		}
		t, err := timeArg(fn, "the timestamp", args[0], example)
		if err != nil {
			return nil, err
		}
		unit, _ := args[1].(string)
		loc, err := location(fn, args, 2, example)
		if err != nil {
			return nil, err
		}
		t = t.In(loc)
		y, mo, d := t.Date()
		var start, next time.Time
		switch unit {
		case "hour":
			start = time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc)
			next = start.Add(time.Hour)
		case "day":
			start, next = time.Date(y, mo, d, 0, 0, 0, 0, loc), time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
		case "week":
			back := (int(t.Weekday()) + 6) % 7 // days since Monday
			start, next = time.Date(y, mo, d-back, 0, 0, 0, 0, loc), time.Date(y, mo, d-back+7, 0, 0, 0, 0, loc)
		case "month":
			start, next = time.Date(y, mo, 1, 0, 0, 0, 0, loc), time.Date(y, mo+1, 1, 0, 0, 0, 0, loc)
		case "year":
			start, next = time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
		default:
			return nil, argError(fn, "the unit", "'hour', 'day', 'week', 'month' or 'year'", example, args[1])
		}
		if end {
			return inRange(fn, next.Add(-time.Millisecond))
		}
		return inRange(fn, start)
	}
}

// diffUnits are dateDiff's units of fixed length.
var diffUnits = map[string]time.Duration{
	"ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

func dateDiffFunc(args ...any) (any, error) {
	const example = "dateDiff(order.created_at, now(), 'days')"
	if err := arity("dateDiff", args, 3, 3, "two timestamps and a unit, e.g. "+example); err != nil {
		return nil, err
	}
	from, err := timeArg("dateDiff", "the first timestamp", args[0], example)
	if err != nil {
		return nil, err
	}
	to, err := timeArg("dateDiff", "the second timestamp", args[1], example)
	if err != nil {
		return nil, err
	}
	unit, _ := args[2].(string)
	switch unit {
	case "mo", "month", "months":
		return monthsBetween(from, to), nil
	case "y", "year", "years":
		return monthsBetween(from, to) / 12, nil
	}
	step, ok := diffUnits[unit]
	if !ok {
		return nil, argError("dateDiff", "the unit", "'ms', 's', 'm', 'h', 'd', 'w', 'mo' or 'y' (or 'seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'years')", example, args[2])
	}
	// In nanoseconds the years 0 to 9999 pass int64 (time.Sub saturates
	// at 292 years): computed on big ints, cut toward zero by Quo.
	ns := new(big.Int).Mul(big.NewInt(to.Unix()-from.Unix()), big.NewInt(int64(time.Second)))
	ns.Add(ns, big.NewInt(int64(to.Nanosecond()-from.Nanosecond())))
	return int(ns.Quo(ns, big.NewInt(int64(step))).Int64()), nil
}

// monthsBetween is the whole calendar months from a to b: the most n with
// addMonths(a, n) not past b (not before b when b is before a).
func monthsBetween(a, b time.Time) int {
	b = b.In(a.Location())
	n := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if n > 0 && addMonths(a, n).After(b) {
		n--
	} else if n < 0 && addMonths(a, n).Before(b) {
		n++
	}
	return n
}

// timeArg is a timestamp argument: a timestamp, or text in RFC 3339 (as
// tables and requests give them) or YYYY-MM-DD.
func timeArg(fn, arg string, v any, example string) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.DateOnly, x); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%s: %s must be a timestamp or a text in RFC 3339 (2026-03-01T14:30:00Z) or YYYY-MM-DD, e.g. %s; got %s; for other layouts use parseDate",
			fn, arg, example, describe(v))
	case int, float64:
		return time.Time{}, fmt.Errorf("%s: %s must be a timestamp, e.g. %s; got %s; for milliseconds since 1970 use fromUnixMs(%v)", fn, arg, example, describe(v), v)
	}
	return time.Time{}, argError(fn, arg, "a timestamp", example, v)
}

// inRange refuses a timestamp JSON cannot write (RFC 3339 has 4-digit years).
func inRange(fn string, t time.Time) (any, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("%s: the result is in the year %d; timestamps go from the year 0 to 9999", fn, y)
	}
	return t, nil
}

func unixMsFunc(args ...any) (any, error) {
	const example = "unixMs(now())"
	if err := arity("unixMs", args, 1, 1, "one timestamp, e.g. "+example); err != nil {
		return nil, err
	}
	t, err := timeArg("unixMs", "the argument", args[0], example)
	if err != nil {
		return nil, err
	}
	return int(t.UnixMilli()), nil
}

func fromUnixMsFunc(args ...any) (any, error) {
	const example = "fromUnixMs(1772323200000)"
	if err := arity("fromUnixMs", args, 1, 1, "a number of milliseconds, e.g. "+example); err != nil {
		return nil, err
	}
	ms, ok := whole(args[0])
	if !ok {
		return nil, argError("fromUnixMs", "the argument", "a whole number of milliseconds", example, args[0])
	}
	return inRange("fromUnixMs", time.UnixMilli(int64(ms)).UTC())
}

// location is the timezone argument args[i], or UTC.
func location(fn string, args []any, i int, example string) (*time.Location, error) {
	if len(args) <= i {
		return time.UTC, nil
	}
	switch x := args[i].(type) {
	case *time.Location:
		return x, nil
	case string:
		loc, err := time.LoadLocation(x)
		if err != nil || x == "" || x == "Local" {
			return nil, fmt.Errorf("%s: %q is not a timezone; name one as the IANA database does, e.g. 'Europe/Paris', 'America/New_York' or 'UTC'", fn, x)
		}
		return loc, nil
	}
	return nil, argError(fn, "the timezone", "a timezone name", example, args[i])
}

func formatDateFunc(args ...any) (any, error) {
	const example = "formatDate(now(), 'YYYY-MM-DD HH:mm')"
	if err := arity("formatDate", args, 2, 3, "a timestamp, a layout and an optional timezone, e.g. "+example); err != nil {
		return nil, err
	}
	t, err := timeArg("formatDate", "the timestamp", args[0], example)
	if err != nil {
		return nil, err
	}
	layout, err := text("formatDate", "the layout", args[1], example)
	if err != nil {
		return nil, err
	}
	loc, err := location("formatDate", args, 2, example)
	if err != nil {
		return nil, err
	}
	t = t.In(loc)
	if goLayout, ok := goLayoutOf(layout); ok {
		return t.Format(goLayout), nil
	}
	pieces, err := readLayout("formatDate", layout)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, p := range pieces {
		if p.literal {
			b.WriteString(p.text)
			continue
		}
		b.WriteString(formatToken(t, p.text))
	}
	return b.String(), nil
}

func parseDateFunc(args ...any) (any, error) {
	const example = "parseDate('01/03/2026', 'DD/MM/YYYY')"
	if err := arity("parseDate", args, 2, 3, "a text, a layout and an optional timezone, e.g. "+example); err != nil {
		return nil, err
	}
	s, err := text("parseDate", "the text", args[0], example)
	if err != nil {
		return nil, err
	}
	layout, err := text("parseDate", "the layout", args[1], example)
	if err != nil {
		return nil, err
	}
	loc, err := location("parseDate", args, 2, example)
	if err != nil {
		return nil, err
	}
	if goLayout, ok := goLayoutOf(layout); ok {
		t, err := time.ParseInLocation(goLayout, s, loc)
		if err != nil {
			return nil, fmt.Errorf("parseDate: %q does not match the layout %q: %s", s, layout, parseErrorText(err))
		}
		return inRange("parseDate", t)
	}
	pieces, err := readLayout("parseDate", layout)
	if err != nil {
		return nil, err
	}
	t, err := parseReadable(s, pieces, loc)
	if err != nil {
		return nil, fmt.Errorf("parseDate: %q does not match the layout %q: %v", s, layout, err)
	}
	return inRange("parseDate", t)
}

// parseErrorText is the useful end of a time.ParseError.
func parseErrorText(err error) string {
	if pe, ok := err.(*time.ParseError); ok && pe.Message != "" {
		return strings.TrimPrefix(pe.Message, ": ")
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// namedLayouts are Go's layouts by the names its time package gives them.
var namedLayouts = map[string]string{
	"RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano, "RFC1123": time.RFC1123, "RFC1123Z": time.RFC1123Z,
	"RFC822": time.RFC822, "RFC822Z": time.RFC822Z, "RFC850": time.RFC850, "ANSIC": time.ANSIC,
	"UnixDate": time.UnixDate, "RubyDate": time.RubyDate, "Kitchen": time.Kitchen,
	"DateTime": time.DateTime, "DateOnly": time.DateOnly, "TimeOnly": time.TimeOnly,
}

// goLayoutOf says whether layout is one of Go's: a name of namedLayouts,
// or a layout with a digit (Go writes its reference time, 2006-01-02
// 15:04:05, with digits; the readable layouts use letters).
func goLayoutOf(layout string) (string, bool) {
	if l, ok := namedLayouts[layout]; ok {
		return l, true
	}
	return layout, strings.IndexFunc(layout, unicode.IsDigit) >= 0
}

// piece is a token of a readable layout (YYYY, MM, ...) or literal text.
type piece struct {
	text    string
	literal bool
}

// layoutTokens are the readable layout's tokens, longest first.
var layoutTokens = []string{
	"YYYY", "YY", "MMMM", "MMM", "MM", "M", "DD", "Do", "D", "dddd", "ddd", "HH", "H", "hh", "h", "mm", "m", "ss", "s",
	"SSSSSSSSS", "SSSSSS", "SSS", "SS", "S", "A", "a", "ZZ", "Z",
}

// readLayout cuts a readable layout into tokens and literal text; a
// letter of a token's family that is no token (YYY, DDD) is an error, so
// that a typo does not print a letter.
func readLayout(fn, layout string) ([]piece, error) {
	var out []piece
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].literal {
			out[n-1].text += s
			return
		}
		out = append(out, piece{text: s, literal: true})
	}
	for i := 0; i < len(layout); {
		if layout[i] == '[' {
			end := strings.IndexByte(layout[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("%s: the layout %q opens a [ it does not close; write literal text as [text]", fn, layout)
			}
			lit(layout[i+1 : i+end])
			i += end + 1
			continue
		}
		matched := ""
		for _, tok := range layoutTokens {
			if strings.HasPrefix(layout[i:], tok) {
				matched = tok
				break
			}
		}
		if matched != "" {
			run := i + len(matched)
			if run < len(layout) && layout[run] == matched[0] {
				return nil, layoutError(fn, layout, layout[i:], matched[0])
			}
			out = append(out, piece{text: matched})
			i = run
			continue
		}
		if strings.IndexByte("YMDdHhmsSAaZ", layout[i]) >= 0 {
			return nil, layoutError(fn, layout, layout[i:], layout[i])
		}
		// Any other ASCII letter but the T of ISO 8601 is refused too:
		// a token of another library (Moment's Qo, W, X) or a word
		// written without brackets would be written as it is, or worse,
		// read as tokens ("at" is am/pm and a t).
		if c := layout[i]; c != 'T' && isLetter(c) {
			start := i // the error names the word the letter is in
			for start > 0 && isLetter(layout[start-1]) {
				start--
			}
			return nil, layoutError(fn, layout, layout[start:], 0)
		}
		lit(layout[i : i+1])
		i++
	}
	return out, nil
}

// layoutError is the error of the letters at the start of at: the run
// of letter, or with letter 0 the run of ASCII letters.
func layoutError(fn, layout, at string, letter byte) error {
	n := 0
	for n < len(at) && (at[n] == letter || letter == 0 && isLetter(at[n])) {
		n++
	}
	return fmt.Errorf("%s: %q in the layout %q is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is",
		fn, at[:n], layout)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ordinal is n with its English suffix: 1st, 2nd, 3rd, 4th, 11th, 21st.
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// formatToken writes one token of t.
func formatToken(t time.Time, tok string) string {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch tok {
	case "YYYY":
		return fmt.Sprintf("%04d", t.Year())
	case "YY":
		return fmt.Sprintf("%02d", t.Year()%100)
	case "MMMM":
		return t.Month().String()
	case "MMM":
		return t.Month().String()[:3]
	case "MM":
		return fmt.Sprintf("%02d", int(t.Month()))
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "DD":
		return fmt.Sprintf("%02d", t.Day())
	case "D":
		return strconv.Itoa(t.Day())
	case "Do":
		return ordinal(t.Day())
	case "dddd":
		return t.Weekday().String()
	case "ddd":
		return t.Weekday().String()[:3]
	case "HH":
		return fmt.Sprintf("%02d", t.Hour())
	case "H":
		return strconv.Itoa(t.Hour())
	case "hh":
		return fmt.Sprintf("%02d", h12)
	case "h":
		return strconv.Itoa(h12)
	case "mm":
		return fmt.Sprintf("%02d", t.Minute())
	case "m":
		return strconv.Itoa(t.Minute())
	case "ss":
		return fmt.Sprintf("%02d", t.Second())
	case "s":
		return strconv.Itoa(t.Second())
	case "A", "a":
		ampm := "AM"
		if t.Hour() >= 12 {
			ampm = "PM"
		}
		if tok == "a" {
			return strings.ToLower(ampm)
		}
		return ampm
	case "Z", "ZZ":
		_, off := t.Zone()
		if off == 0 && tok == "Z" {
			return "Z"
		}
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		if tok == "Z" {
			return fmt.Sprintf("%c%02d:%02d", sign, off/3600, off/60%60)
		}
		return fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60)
	}
	// S to SSSSSSSSS: that many digits of the fraction of a second.
	return fmt.Sprintf("%09d", t.Nanosecond())[:len(tok)]
}

// parseReadable reads s with a readable layout's pieces.
func parseReadable(s string, pieces []piece, loc *time.Location) (time.Time, error) {
	year, month, day, hour, minute, sec, nsec := 1970, 1, 1, 0, 0, 0, 0
	pm, ampm, h12 := false, false, false
	var zone *time.Location
	pos := 0
	num := func(tok string, least, most int) (int, error) {
		j := pos
		for j < len(s) && j-pos < most && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-pos < least {
			return 0, fmt.Errorf("expected %d digit%s for %s at %q", least, plural(least), tok, rest(s, pos))
		}
		n, _ := strconv.Atoi(s[pos:j])
		pos = j
		return n, nil
	}
	name := func(tok string, names []string) (int, error) {
		for i, n := range names {
			if len(s)-pos >= len(n) && strings.EqualFold(s[pos:pos+len(n)], n) {
				pos += len(n)
				return i, nil
			}
		}
		return 0, fmt.Errorf("expected a name for %s at %q", tok, rest(s, pos))
	}
	var err error
	for _, p := range pieces {
		if p.literal {
			if !strings.HasPrefix(s[pos:], p.text) {
				return time.Time{}, fmt.Errorf("expected %q at %q", p.text, rest(s, pos))
			}
			pos += len(p.text)
			continue
		}
		switch p.text {
		case "YYYY":
			year, err = num(p.text, 4, 4)
		case "YY":
			if year, err = num(p.text, 2, 2); year >= 69 {
				year += 1900
			} else {
				year += 2000
			}
		case "MMMM", "MMM":
			names := monthNames(p.text == "MMM")
			month, err = name(p.text, names)
			month++
		case "MM", "DD", "HH", "hh", "mm", "ss":
			var n int
			n, err = num(p.text, 2, 2)
			month, day, hour, minute, sec = pick2(p.text, n, month, day, hour, minute, sec)
		case "M", "D", "H", "h", "m", "s":
			var n int
			n, err = num(p.text, 1, 2)
			month, day, hour, minute, sec = pick2(strings.Repeat(p.text, 2), n, month, day, hour, minute, sec)
		case "Do":
			at := pos
			if day, err = num(p.text, 1, 2); err == nil {
				suffixes := []string{"st", "nd", "rd", "th"}
				var i int
				if i, err = name(p.text, suffixes); err == nil && !strings.HasSuffix(ordinal(day), suffixes[i]) {
					err = fmt.Errorf("expected %s for Do at %q", ordinal(day), rest(s, at))
				}
			}
		case "dddd", "ddd":
			_, err = name(p.text, weekdayNames(p.text == "ddd"))
		case "A", "a":
			var i int
			i, err = name(p.text, []string{"AM", "PM"})
			ampm, pm = true, i == 1
		case "Z", "ZZ":
			zone, pos, err = readOffset(s, pos)
		default: // S...
			var frac int
			if frac, err = num(p.text, len(p.text), len(p.text)); err == nil {
				nsec = frac * int(math.Pow10(9-len(p.text)))
			}
		}
		if err != nil {
			return time.Time{}, err
		}
		if p.text == "hh" || p.text == "h" {
			h12 = true
		}
	}
	if pos < len(s) {
		return time.Time{}, fmt.Errorf("extra text %q at the end", s[pos:])
	}
	if h12 {
		if hour < 1 || hour > 12 {
			return time.Time{}, fmt.Errorf("hour %d is not from 1 to 12", hour)
		}
		hour %= 12
		if pm {
			hour += 12
		}
	} else if ampm && pm && hour < 12 {
		hour += 12
	}
	switch {
	case month < 1 || month > 12:
		return time.Time{}, fmt.Errorf("month %d is not from 1 to 12", month)
	case day < 1 || day > daysIn(year, month):
		return time.Time{}, fmt.Errorf("day %d is not in %s %d", day, time.Month(month), year)
	case hour > 23:
		return time.Time{}, fmt.Errorf("hour %d is not from 0 to 23", hour)
	case minute > 59:
		return time.Time{}, fmt.Errorf("minute %d is not from 0 to 59", minute)
	case sec > 59:
		return time.Time{}, fmt.Errorf("second %d is not from 0 to 59", sec)
	}
	if zone != nil {
		loc = zone
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}

// pick2 stores n in the field a two-letter token names.
func pick2(tok string, n, month, day, hour, minute, sec int) (int, int, int, int, int) {
	switch tok {
	case "MM":
		month = n
	case "DD":
		day = n
	case "HH", "hh":
		hour = n
	case "mm":
		minute = n
	case "ss":
		sec = n
	}
	return month, day, hour, minute, sec
}

// readOffset reads Z, ±hh:mm or ±hhmm at s[pos:].
func readOffset(s string, pos int) (*time.Location, int, error) {
	if pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
		return time.UTC, pos + 1, nil
	}
	r := s[pos:]
	if len(r) >= 5 && (r[0] == '+' || r[0] == '-') {
		hm := r[1:5]
		n := 5
		if len(r) >= 6 && r[3] == ':' {
			hm, n = r[1:3]+r[4:6], 6
		}
		if v, err := strconv.Atoi(hm); err == nil && len(hm) == 4 && v/100 <= 23 && v%100 <= 59 {
			off := (v/100*3600 + v%100*60)
			if r[0] == '-' {
				off = -off
			}
			return time.FixedZone("", off), pos + n, nil
		}
	}
	return nil, pos, fmt.Errorf("expected an offset such as Z, +01:00 or -0500 at %q", rest(s, pos))
}

func rest(s string, pos int) string {
	if pos >= len(s) {
		return ""
	}
	return s[pos:]
}

func monthNames(short bool) []string {
	out := make([]string, 12)
	for i := range out {
		out[i] = time.Month(i + 1).String()
		if short {
			out[i] = out[i][:3]
		}
	}
	return out
}

func weekdayNames(short bool) []string {
	out := make([]string, 7)
	for i := range out {
		out[i] = time.Weekday(i).String()
		if short {
			out[i] = out[i][:3]
		}
	}
	return out
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func dateAddFunc(args ...any) (any, error) {
	const example = "dateAdd(now(), '2h')"
	if err := arity("dateAdd", args, 2, 2, "a timestamp and an amount, e.g. "+example); err != nil {
		return nil, err
	}
	t, err := timeArg("dateAdd", "the timestamp", args[0], example)
	if err != nil {
		return nil, err
	}
	switch x := args[1].(type) {
	case string:
		years, months, days, d, err := parseAmount(x)
		if err != nil {
			return nil, amountError(x, err)
		}
		return inRange("dateAdd", addMonths(t, 12*years+months).AddDate(0, 0, days).Add(d))
	case time.Duration:
		return inRange("dateAdd", t.Add(x))
	}
	ms, ok := whole(args[1])
	if !ok {
		return nil, argError("dateAdd", "the amount", "a text such as '2h' or '-1d', or a number of milliseconds", example, args[1])
	}
	if ms > math.MaxInt64/int(time.Millisecond) || ms < math.MinInt64/int(time.Millisecond) {
		return nil, fmt.Errorf("dateAdd: %d milliseconds is beyond the years 0 to 9999", ms)
	}
	return inRange("dateAdd", t.Add(time.Duration(ms)*time.Millisecond))
}

// addMonths moves t by n calendar months, keeping its day but for the
// end of a shorter month: a month after January 31 is February 28 (or 29),
// where time.AddDate would roll over into March.
func addMonths(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	y, m, d := t.Date()
	total := int(m) - 1 + n
	y += total / 12
	if total %= 12; total < 0 {
		total += 12
		y--
	}
	month := total + 1
	return time.Date(y, time.Month(month), min(d, daysIn(y, month)), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// amountError is dateAdd's error for an amount it cannot read.
func amountError(amount string, err error) error {
	return fmt.Errorf("dateAdd: %q is not an amount of time: %v; write it as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms)", amount, err)
}

// maxAmount bounds the hours, minutes and seconds of an amount, below
// what a time.Duration holds (292 years).
const maxAmount = float64(200 * 365 * 24 * time.Hour)

// parseAmount reads an amount of time: an optional sign, then numbers with
// units; years, months, weeks and days as whole numbers for AddDate, the
// rest as a duration.
func parseAmount(s string) (years, months, days int, d time.Duration, err error) {
	neg := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" {
		return 0, 0, 0, 0, fmt.Errorf("it has no number")
	}
	var dur time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		j := i
		for j < len(s) && unicode.IsLetter(rune(s[j])) {
			j++
		}
		if i == 0 || j == i {
			return 0, 0, 0, 0, fmt.Errorf("expected a number and a unit at %q", s)
		}
		numText, unit := s[:i], s[i:j]
		s = s[j:]
		f, perr := strconv.ParseFloat(numText, 64)
		if perr != nil || f > 1e9 {
			return 0, 0, 0, 0, fmt.Errorf("%q is not a number of at most 1e9", numText)
		}
		n := int(f)
		calendar := true
		switch unit {
		case "y":
			years += n
		case "mo":
			months += n
		case "w":
			days += 7 * n
		case "d":
			days += n
		default:
			calendar = false
			step, ok := map[string]time.Duration{"h": time.Hour, "m": time.Minute, "s": time.Second,
				"ms": time.Millisecond, "us": time.Microsecond, "ns": time.Nanosecond}[unit]
			if !ok {
				return 0, 0, 0, 0, fmt.Errorf("%q is not a unit", unit)
			}
			add := f * float64(step)
			if add > maxAmount || float64(dur)+add > maxAmount {
				return 0, 0, 0, 0, fmt.Errorf("it is longer than %d hours", int(maxAmount/float64(time.Hour)))
			}
			dur += time.Duration(add)
		}
		if calendar && float64(n) != f {
			return 0, 0, 0, 0, fmt.Errorf("%s%s: years, months, weeks and days must be whole", numText, unit)
		}
	}
	if neg {
		return -years, -months, -days, -dur, nil
	}
	return years, months, days, dur, nil
}
