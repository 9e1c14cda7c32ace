package exprfn

import (
	"testing"
	"time"
)

func TestTimeFunctions(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	runCases(t, []exprCase{
		{src: "unixMs(t)", want: 1772373909123},
		{src: "unixMs('1970-01-01T00:00:00.001Z')", want: 1},
		{src: "unixMs('2026-03-01')", want: 1772323200000},
		{src: "unixMs('01/03/2026')", err: `unixMs: the argument must be a timestamp or a text in RFC 3339 (2026-03-01T14:30:00Z) or YYYY-MM-DD, e.g. unixMs(now()); got text "01/03/2026"; for other layouts use parseDate`},
		{src: "unixMs(n)", err: "unixMs: the argument must be a timestamp, e.g. unixMs(now()); got int 5; for milliseconds since 1970 use fromUnixMs(5)"},
		{src: "fromUnixMs(1772373909123)", want: utc(2026, 3, 1, 14, 5, 9, 123000000)},
		{src: "fromUnixMs(-1)", want: utc(1969, 12, 31, 23, 59, 59, 999000000)},
		{src: "fromUnixMs(unixMs(t)) == date('2026-03-01T14:05:09.123Z')", want: true},
		{src: "fromUnixMs(253402300800000)", err: "fromUnixMs: the result is in the year 10000; timestamps go from the year 0 to 9999"},
		{src: "fromUnixMs(s)", err: `fromUnixMs: the argument must be a whole number of milliseconds, e.g. fromUnixMs(1772323200000); got text "text"`},

		{src: "formatDate(t, 'YYYY-MM-DD HH:mm:ss.SSS')", want: "2026-03-01 14:05:09.123"},
		{src: "formatDate(t, 'DD/MM/YY h:m:s a')", want: "01/03/26 2:5:9 pm"},
		{src: "formatDate(t, 'D M YYYY H [h] mm')", want: "1 3 2026 14 h 05"},
		{src: "formatDate(t, 'dddd, MMMM D')", want: "Sunday, March 1"},
		{src: "formatDate(t, 'YYYY-MM-DDTHH:mm:ssZ')", want: "2026-03-01T14:05:09Z"},
		{src: "formatDate(t, 'HH:mm Z ZZ', 'Europe/Paris')", want: "15:05 +01:00 +0100"},
		{src: "formatDate(t, 'HH:mm Z', 'America/New_York')", want: "09:05 -05:00"},
		{src: "formatDate(t, 'hh A', 'UTC')", want: "02 PM"},
		{src: "formatDate(date('2026-03-01T00:30:00Z'), 'h:mm A')", want: "12:30 AM"},
		{src: "formatDate(t, 'SSSSSSSSS S')", want: "123456789 1"},
		{src: "formatDate(t, '2006-01-02 15:04')", want: "2026-03-01 14:05"},
		{src: "formatDate(t, 'RFC1123')", want: "Sun, 01 Mar 2026 14:05:09 UTC"},
		{src: "formatDate('2026-03-01T14:05:09+02:00', 'HH:mm')", want: "12:05"},
		{src: "formatDate(t, 'YYYYY')", err: `formatDate: "YYYYY" in the layout "YYYYY" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is`},
		{src: "formatDate(t, 'Day: dd')", err: `formatDate: "Day" in the layout "Day: dd" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is`},
		{src: "formatDate(t, 'Do MMM')", want: "1st Mar"},
		{src: "[formatDate('2026-03-02', 'Do'), formatDate('2026-03-03', 'Do'), formatDate('2026-03-04', 'Do'), formatDate('2026-03-11', 'Do'), formatDate('2026-03-12', 'Do'), formatDate('2026-03-13', 'Do'), formatDate('2026-03-21', 'Do'), formatDate('2026-03-22', 'Do'), formatDate('2026-03-23', 'Do'), formatDate('2026-03-31', 'Do')]",
			want: []any{"2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"}},
		{src: "formatDate(t, 'dddd [the] Do [of] MMMM, h a')", want: "Sunday the 1st of March, 2 pm"},
		{src: "formatDate(t, 'YYYY at HH')", err: `formatDate: "at" in the layout "YYYY at HH" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is`},
		{src: "formatDate(t, 'Qo YYYY')", err: `formatDate: "Qo" in the layout "Qo YYYY" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is`},
		{src: "formatDate(t, s)", err: `formatDate: "text" in the layout "text" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is`},
		{src: "formatDate(t, 'X')", err: `formatDate: "X" in the layout "X" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is`},
		{src: "formatDate(t, '[at')", err: `formatDate: the layout "[at" opens a [ it does not close; write literal text as [text]`},
		{src: "formatDate(t, 'HH', 'Mars/Olympus')", err: `formatDate: "Mars/Olympus" is not a timezone; name one as the IANA database does, e.g. 'Europe/Paris', 'America/New_York' or 'UTC'`},
		{src: "formatDate(t, 'HH', 'Local')", err: `formatDate: "Local" is not a timezone; name one as the IANA database does, e.g. 'Europe/Paris', 'America/New_York' or 'UTC'`},
		{src: "formatDate(n, 'HH')", err: "formatDate: the timestamp must be a timestamp, e.g. formatDate(now(), 'YYYY-MM-DD HH:mm'); got int 5; for milliseconds since 1970 use fromUnixMs(5)"},

		{src: "parseDate('2026-03-01 14:05', 'YYYY-MM-DD HH:mm')", want: utc(2026, 3, 1, 14, 5, 0, 0)},
		{src: "parseDate('1/3/2026', 'D/M/YYYY')", want: utc(2026, 3, 1, 0, 0, 0, 0)},
		{src: "parseDate('31/12/99 11:59:58.250 pm', 'DD/MM/YY hh:mm:ss.SSS a')", want: utc(1999, 12, 31, 23, 59, 58, 250000000)},
		{src: "parseDate('12:00 AM', 'hh:mm A')", want: utc(1970, 1, 1, 0, 0, 0, 0)},
		{src: "parseDate('Sun, 1 march 2026', 'ddd, D MMMM YYYY')", want: utc(2026, 3, 1, 0, 0, 0, 0)},
		{src: "parseDate('01/03/2026 14:30', 'DD/MM/YYYY HH:mm', 'Europe/Paris') == date('2026-03-01T13:30:00Z')", want: true},
		{src: "parseDate('2026-03-01T14:30:00-05:00', 'YYYY-MM-DDTHH:mm:ssZ', 'Europe/Paris') == date('2026-03-01T19:30:00Z')", want: true},
		{src: "parseDate('March 21st, 2026', 'MMMM Do, YYYY')", want: utc(2026, 3, 21, 0, 0, 0, 0)},
		{src: "parseDate('March 21th, 2026', 'MMMM Do, YYYY')", err: `parseDate: "March 21th, 2026" does not match the layout "MMMM Do, YYYY": expected 21st for Do at "21th, 2026"`},
		{src: "parseDate('20260301', 'YYYYMMDD')", want: utc(2026, 3, 1, 0, 0, 0, 0)},
		{src: "parseDate('2026-03-01', 'DateOnly')", want: utc(2026, 3, 1, 0, 0, 0, 0)},
		{src: "parseDate('01.03.2026', '02.01.2006', 'Europe/Paris')", want: time.Date(2026, 3, 1, 0, 0, 0, 0, paris)},
		{src: "parseDate('31/02/2026', 'DD/MM/YYYY')", err: `parseDate: "31/02/2026" does not match the layout "DD/MM/YYYY": day 31 is not in February 2026`},
		{src: "parseDate('2026-13-01', 'YYYY-MM-DD')", err: `parseDate: "2026-13-01" does not match the layout "YYYY-MM-DD": month 13 is not from 1 to 12`},
		{src: "parseDate('1/3/2026', 'DD/MM/YYYY')", err: `parseDate: "1/3/2026" does not match the layout "DD/MM/YYYY": expected 2 digits for DD at "1/3/2026"`},
		{src: "parseDate('2026-03-01 x', 'YYYY-MM-DD')", err: `parseDate: "2026-03-01 x" does not match the layout "YYYY-MM-DD": extra text " x" at the end`},
		{src: "parseDate('2026/03/01', 'YYYY-MM-DD')", err: `parseDate: "2026/03/01" does not match the layout "YYYY-MM-DD": expected "-" at "/03/01"`},
		{src: "parseDate('13:00 PM', 'hh:mm A')", err: `parseDate: "13:00 PM" does not match the layout "hh:mm A": hour 13 is not from 1 to 12`},
		{src: "parseDate('10:00 +25:00', 'HH:mm Z')", err: `parseDate: "10:00 +25:00" does not match the layout "HH:mm Z": expected an offset such as Z, +01:00 or -0500 at "+25:00"`},
		{src: "parseDate('Mon', 'MMM')", err: `parseDate: "Mon" does not match the layout "MMM": expected a name for MMM at "Mon"`},
		{src: "parseDate('2026-02-30', '2006-01-02')", err: `parseDate: "2026-02-30" does not match the layout "2006-01-02": day out of range`},

		{src: "dateAdd(t, '2h')", want: utc(2026, 3, 1, 16, 5, 9, 123456789)},
		{src: "dateAdd(t, '-1d12h30m')", want: utc(2026, 2, 28, 1, 35, 9, 123456789)},
		{src: "dateAdd(t, '+1.5h')", want: utc(2026, 3, 1, 15, 35, 9, 123456789)},
		{src: "dateAdd(t, '1w')", want: utc(2026, 3, 8, 14, 5, 9, 123456789)},
		{src: "dateAdd(t, '1y2mo3d4h5m6s7ms')", want: utc(2027, 5, 4, 18, 10, 15, 130456789)},
		{src: "dateAdd('2024-02-29', '1y')", want: utc(2025, 2, 28, 0, 0, 0, 0)},
		{src: "dateAdd('2026-03-31', '-1mo')", want: utc(2026, 2, 28, 0, 0, 0, 0)},
		{src: "dateAdd('2026-01-15', '-13mo')", want: utc(2024, 12, 15, 0, 0, 0, 0)},
		{src: "dateAdd(t, 1000)", want: utc(2026, 3, 1, 14, 5, 10, 123456789)},
		{src: "dateAdd(t, duration('1m'))", want: utc(2026, 3, 1, 14, 6, 9, 123456789)},
		{src: "dateAdd(t, '2 hours')", err: `dateAdd: "2 hours" is not an amount of time: expected a number and a unit at "2 hours"; write it as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms)`},
		{src: "dateAdd(t, '1.5d')", err: `dateAdd: "1.5d" is not an amount of time: 1.5d: years, months, weeks and days must be whole; write it as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms)`},
		{src: "dateAdd(t, '')", err: `dateAdd: "" is not an amount of time: it has no number; write it as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms)`},
		{src: "dateAdd(t, '999999999h')", err: `dateAdd: "999999999h" is not an amount of time: it is longer than 1752000 hours; write it as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms)`},
		{src: "dateAdd(t, '8000y')", err: "dateAdd: the result is in the year 10026; timestamps go from the year 0 to 9999"},
		{src: "dateAdd(t, l)", err: "dateAdd: the amount must be a text such as '2h' or '-1d', or a number of milliseconds, e.g. dateAdd(now(), '2h'); got a list"},
		{src: "dateAdd(t, 9223372036854775807)", err: "dateAdd: 9223372036854775807 milliseconds is beyond the years 0 to 9999"},
	})
}

// TestReadableLayoutsRoundTrip writes a timestamp in each readable layout
// and reads it back.
func TestReadableLayoutsRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 9, 7, 4, 3, 120000000, time.FixedZone("", -(3*3600+30*60)))
	for _, layout := range []string{
		"YYYY-MM-DDTHH:mm:ss.SSSZ", "DD/MM/YYYY hh:mm:ss.SS A ZZ", "dddd D MMMM YYYY [at] H:m:s.SS Z", "ddd, DD MMM YYYY HH:mm:ss.SSS ZZ",
	} {
		text, err := formatDateFunc(at, layout, "America/St_Johns")
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseDateFunc(text, layout)
		if err != nil {
			t.Fatalf("%s: %q does not read back: %v", layout, text, err)
		}
		if !back.(time.Time).Equal(at) {
			t.Errorf("%s: %q reads back as %v, want %v", layout, text, back, at)
		}
	}
}
