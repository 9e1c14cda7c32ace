package exprfn

import (
	"regexp"
	"strings"
	"testing"
)

func TestTextFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{src: "join([1, 'a', 2.5, true, nil, t], '|')", want: "1|a|2.5|true||2026-03-01T14:05:09.123456789Z"},
		{src: "join(split('a,b', ','))", want: "ab"},
		{src: "join([])", want: ""},
		{src: "join(['a', l], ',')", err: "join: item 1 is a list; join takes texts, numbers and bools, e.g. join(map(items, .name), ', ')"},
		{src: "join(s)", err: "join: the list must be a list, e.g. join(map(items, .name), ', '); got text \"text\""},
		{src: "join(l, n)", err: "join: the separator must be text, e.g. join(map(items, .name), ', '); got int 5"},
		{src: "[indexOf('crème brûlée', 'b'), indexOf('été', 't'), indexOf('abc', 'z'), indexOf('abc', '')]", want: []any{6, 1, -1, 0}},
		{src: "[lastIndexOf('été', 'é'), lastIndexOf('a-b-c', '-'), lastIndexOf('abc', 'z')]", want: []any{2, 3, -1}},
		{src: "indexOf(nul, '@')", err: "indexOf: the first argument must be text, e.g. indexOf(email, '@'); got null"},
		{src: "lastIndexOf(s, n)", err: "lastIndexOf: the part must be text, e.g. lastIndexOf(email, '@'); got int 5"},
		{src: "urlEncode('a b&c=d/é?')", want: "a+b%26c%3Dd%2F%C3%A9%3F"},
		{src: "urlEncode(42) + urlEncode(2.5) + urlEncode(true)", want: "422.5true"},
		{src: "urlEncode(l)", err: "urlEncode: the argument must be a text or a number, e.g. urlEncode(input.q); got a list"},
		{src: "urlDecode('a+b%26c%3Dd%2F%C3%A9%3F')", want: "a b&c=d/é?"},
		{src: "urlDecode('100%')", err: `urlDecode: the text is not URL-encoded: "%"`},
		{src: "urlDecode('%zz')", err: `urlDecode: the text is not URL-encoded: "%zz"`},
		{src: "urlDecode('%ff')", err: "urlDecode: the result is not UTF-8 text (binary data cannot be held in a text)"},

		{src: "sprintf('%s|%5s|%-5s|%.2s', 'ab', 'ab', 'ab', 'abc')", want: "ab|   ab|ab   |ab"},
		{src: "sprintf('%d|%05d|%+d|%x|%X|%o|%b', 42, 42, 42, 255, 255, 8, 5)", want: "42|00042|+42|ff|FF|10|101"},
		{src: "sprintf('%d', 4.0)", want: "4"},
		{src: "sprintf('%.2f|%8.3f|%e|%g', 3.14159, 2, 1234.5, 0.5)", want: "3.14|   2.000|1.234500e+03|0.5"},
		{src: "sprintf('%v %v %v %v', [1, 'a'], {b: 1, a: nil}, nil, t)", want: `[1,"a"] {"a":null,"b":1} null 2026-03-01T14:05:09.123456789Z`},
		{src: "sprintf('%s', 12)", want: "12"},
		{src: "sprintf('%q %t %x', 'a\"b', true, 'hi')", want: `"a\"b" true 6869`},
		{src: "sprintf('100%%')", want: "100%"},
		{src: "sprintf('no verbs')", want: "no verbs"},
		{src: "sprintf('%d', 2.5)", err: "sprintf: %d needs a whole number, got decimal 2.5; for a decimal use %f, or round it: int(x)"},
		{src: "sprintf('%f', 'x')", err: `sprintf: %f needs a number, got text "x"; for text use %s`},
		{src: "sprintf('%d', l)", err: "sprintf: %d needs a whole number, got a list; for a list or object use %v"},
		{src: "sprintf('%t', 1)", err: "sprintf: %t needs true or false, got int 1"},
		{src: "sprintf('%s and %s', 'a')", err: "sprintf: the format has 2 verbs (%s %s) but 1 value followed it; give one value per verb, e.g. sprintf('%s: %d', name, n)"},
		{src: "sprintf('%s', 'a', 'b')", err: "sprintf: the format has 1 verb (%s) but 2 values followed it; give one value per verb, e.g. sprintf('%s: %d', name, n)"},
		{src: "sprintf('%w', 1)", err: `sprintf: "%w" is not a verb sprintf knows; use %s (text), %d (whole number), %f (decimal), %x (hex), %t (bool), %v (any value) or %% (a % sign)`},
		{src: "sprintf('%*d', 5, 1)", err: `sprintf: "%*" is not supported; write widths and precisions as numbers in the format, e.g. %5.2f`},
		{src: "sprintf('%[1]d', 1)", err: `sprintf: "%[" is not supported; write widths and precisions as numbers in the format, e.g. %5.2f`},
		{src: "sprintf('50%')", err: `sprintf: the format ends in the middle of a verb: "%"; write %% for a % sign`},
		{src: "sprintf('%999999999d', 1)", err: "sprintf: a width or precision in the format is too large (the result is limited to 16 MiB, max_text_bytes)"},
		{src: "sprintf('%9000000d%9000000d', 1, 2)", err: "sprintf: the widths and precisions of the format ask for more than 16 MiB (max_text_bytes)"},
		{src: "sprintf(n)", err: "sprintf: the format must be text, e.g. sprintf('%s: %d', name, n); got int 5"},

		{src: "padStart('7', 3, '0')", want: "007"},
		{src: "padStart('7', 3)", want: "  7"},
		{src: "padStart('abc', 2, '0')", want: "abc"},
		{src: "padStart('é', 4, 'ab')", want: "abaé"},
		{src: "padEnd('日', 3, '·')", want: "日··"},
		{src: "padEnd('x', 0)", want: "x"},
		{src: "padStart('x', 1e9, '0')", err: "padStart: the length 1000000000 would make a text over the 16 MiB limit (max_text_bytes)"},
		{src: "padEnd('x', 9000000, 'é')", err: "padEnd: padding to 9000000 characters would make a text over the 16 MiB limit (max_text_bytes)"},
		{src: "padStart('x', 3, '')", err: "padStart: the pad must not be empty, e.g. padStart('7', 3, '0')"},
		{src: "padStart('x', -1)", err: "padStart: the length must be a whole number of 0 or more, e.g. padStart('7', 3, '0'); got int -1"},
		{src: "padStart(n, 3)", err: "padStart: the text must be text, e.g. padStart('7', 3, '0'); got int 5"},

		{src: "capitalize('hello world')", want: "Hello world"},
		{src: "capitalize('')", want: ""},
		{src: "capitalize('ǆemal')", want: "ǅemal"},
		{src: "capitalize('1st')", want: "1st"},
		{src: "capitalize(nul)", err: "capitalize: the argument must be text, e.g. capitalize('hello'); got null"},

		{src: "slugify('Hello, World!')", want: "hello-world"},
		{src: "slugify('Ça va? Très bien — merci')", want: "ca-va-tres-bien-merci"},
		{src: "slugify('東京 2026')", want: "東京-2026"},
		{src: "slugify('---')", want: ""},
		{src: "slugify('ﬁne ½')", want: "fine-1-2"},

		{src: "formatNumber(1234567.891, 2)", want: "1,234,567.89"},
		{src: "formatNumber(1.005, 2)", want: "1.01"},
		{src: "formatNumber(2.5, 0)", want: "3"},
		{src: "formatNumber(-2.5, 0)", want: "-3"},
		{src: "formatNumber(999.995, 2)", want: "1,000.00"},
		{src: "formatNumber(-0.001, 2)", want: "0.00"},
		{src: "formatNumber(1234, 0)", want: "1,234"},
		{src: "formatNumber(-9223372036854775807 - 1, 0)", want: "-9,223,372,036,854,775,808"},
		{src: "formatNumber(0.5, 3, ',', '.')", want: "0,500"},
		{src: "formatNumber(1234567, 1, '.', '')", want: "1234567.0"},
		{src: "formatNumber(1e21, 0)", want: "1,000,000,000,000,000,000,000"},
		{src: "formatNumber(1, 21)", err: "formatNumber: the decimals must be a whole number from 0 to 20, e.g. formatNumber(1234.5, 2); got int 21"},
		{src: "formatNumber(s, 2)", err: `formatNumber: the number must be a number, e.g. formatNumber(1234.5, 2); got text "text"`},
	})
}

func TestRegexFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{src: "regexMatch('abc', 'b')", want: true},
		{src: "regexMatch('abc', '^b')", want: false},
		{src: "regexMatch('ABC', '(?i)^abc$')", want: true},
		{src: "regexFind('a1b22', '\\\\d+')", want: "1"},
		{src: "regexFind('abc', '\\\\d+')", want: nil},
		{src: "regexFind('k=v', '(\\\\w)=(\\\\w)', 2)", want: "v"},
		{src: "regexFind('ab', 'a|(z)', 1)", want: nil},
		{src: "regexFind('ab', '(a)', 2)", err: "regexFind: the group must be a whole number from 0 (the whole match) to 1 (the pattern's groups), e.g. regexFind(text, 'order-(\\\\d+)', 1); got int 2"},
		{src: "regexFindAll('a1b22c333', '\\\\d+')", want: []any{"1", "22", "333"}},
		{src: "regexFindAll('abc', '\\\\d')", want: []any{}},
		{src: "regexFindAll('a=1,b=2', '(\\\\w)=(\\\\d)', 2)", want: []any{"1", "2"}},
		{src: "regexFindAll('ab', 'a|(b)', 1)", want: []any{nil, "b"}},
		{src: "regexReplace('a1b22', '\\\\d+', '#')", want: "a#b#"},
		{src: "regexReplace('John Smith', '(?P<first>\\\\w+) (?P<last>\\\\w+)', '${last}, $first')", want: "Smith, John"},
		{src: "regexReplace('cost: 5', '\\\\d', '$$$0')", want: "cost: $5"},
		{src: "regexReplace('abc', '', '-')", want: "-a-b-c-"},
		{src: "regexReplace('aaa', 'a*', 'X')", want: "X"},
		{src: "regexReplace('baaac', 'a*', 'X')", want: "XbXcX"},
		{src: "regexMatch('x', '(')", err: "regexMatch: \"(\" is not a regular expression: missing closing ): `(` (patterns are RE2, Go's regexp: no backreferences or lookaround)"},
		{src: "regexMatch('x', '(?=a)')", err: "regexMatch: \"(?=a)\" is not a regular expression: invalid or unsupported Perl syntax: `(?=` (patterns are RE2, Go's regexp: no backreferences or lookaround)"},
		{src: "regexMatch(n, 'a')", err: "regexMatch: the text must be text, e.g. regexMatch(email, '^[^@]+@[^@]+$'); got int 5"},
		{src: "regexMatch('a', nul)", err: "regexMatch: the pattern must be text, e.g. regexMatch(email, '^[^@]+@[^@]+$'); got null"},
		{src: "regexReplace(repeat('a', 1000), '', repeat('b', 20000))", err: "regexReplace: replacing the matches would make a text over the 16 MiB limit (max_text_bytes)"},
		{src: "regexReplace(repeat('a', 20000), '(a)', repeat('b', 1000) + '$1')", err: "regexReplace: replacing the matches would make a text over the 16 MiB limit (max_text_bytes)"},
		{src: "regexReplace(repeat('a', 2000), '(a)', repeat('$1', 10000))", err: "regexReplace: 2000 matches of a replacement of 10000 parts is too much work (at most 16000000); shorten the replacement"},
		{src: "len(regexFindAll(long[1:], 'a'))", want: 1000000},
		{src: "regexFindAll(long, 'a')", err: "regexFindAll: the pattern matches more than 1000000 times (max_items)"},
		{src: "regexMatch(repeat('a', 5000) + '!', '(a+)+$')", want: false}, // no catastrophic backtracking
	})
}

// TestRegexReplaceMatchesGo checks regexReplace against regexp's
// ReplaceAllString, empty matches, named groups and malformed $ included.
func TestRegexReplaceMatchesGo(t *testing.T) {
	for _, c := range []struct{ text, pattern, repl string }{
		{"abc", "", "-"}, {"abc", "x*", "[$0]"}, {"baaac", "a*", "<$0>"}, {"héllo wörld", `\b`, "|"},
		{"line1\nline2", "(?m)^", "> "}, {"aaa", "a*?", "."}, {"日本語", ".", "$0$0"},
		{"k=v", `(?P<k>\w)=(?P<v>\w)`, "${v}=${k} $v $k $2 ${1}x $1x $$ $ $} ${ ${v $9 $01 $00 $-"},
		{"ab", `(a)|(b)`, "[$1|$2]"}, {"aXbX", "X", "$"}, {"ab", "(?P<n>a)|(?P<m>b)", "<$n$m>"},
		{"x", "x", "${1000000000}"}, {"x", "(x)", "$1_ ${1}_ $é"},
	} {
		re := regexp.MustCompile(c.pattern)
		want := re.ReplaceAllString(c.text, c.repl)
		got, err := regexReplaceFunc(c.text, c.pattern, c.repl)
		if err != nil || got != want {
			t.Errorf("regexReplace(%q, %q, %q) = %q, %v; ReplaceAllString gives %q", c.text, c.pattern, c.repl, got, err, want)
		}
	}
}

// TestRegexCacheBounded fills the cache past its size with patterns made
// at run time: it stays bounded and every pattern still works.
func TestRegexCacheBounded(t *testing.T) {
	for i := 0; i < regexCacheSize+100; i++ {
		p := "^x" + strings.Repeat("y", i%50) + string(rune('a'+i%26)) + strings.Repeat("z", i/50)
		if _, err := CompilePattern("regexMatch", p); err != nil {
			t.Fatal(err)
		}
	}
	regexCache.RLock()
	n := len(regexCache.m)
	regexCache.RUnlock()
	if n > regexCacheSize {
		t.Fatalf("the regex cache holds %d patterns; its bound is %d", n, regexCacheSize)
	}
}
