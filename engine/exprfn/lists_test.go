package exprfn

import (
	"testing"
	"time"
)

// TestXanoFilters: the everyday functions a Xano user has as filters
// (to_bool, chunk, diff, intersect, hmac_sha1, start/end of, date diff).
func TestXanoFilters(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, []exprCase{
		{src: "[bool(true), bool(false), bool('TRUE'), bool(' no '), bool('Yes'), bool('1'), bool('0'), bool(1), bool(0), bool(1.0), bool(b)]",
			want: []any{true, false, true, false, true, true, false, true, false, true, true}},
		{src: "bool('maybe')", err: `bool: the value must be true or false, a text 'true', 'false', 'yes', 'no', '1' or '0', or the number 1 or 0 (for a null, write x ?? false), e.g. bool(input.subscribed); got text "maybe"`},
		{src: "bool(2)", err: `bool: the value must be true or false, a text 'true', 'false', 'yes', 'no', '1' or '0', or the number 1 or 0 (for a null, write x ?? false), e.g. bool(input.subscribed); got int 2`},
		{src: "bool(nul)", err: `bool: the value must be true or false, a text 'true', 'false', 'yes', 'no', '1' or '0', or the number 1 or 0 (for a null, write x ?? false), e.g. bool(input.subscribed); got null`},
		{src: "bool(l)", err: `bool: the value must be true or false, a text 'true', 'false', 'yes', 'no', '1' or '0', or the number 1 or 0 (for a null, write x ?? false), e.g. bool(input.subscribed); got a list`},

		{src: "chunk([1, 2, 3, 4, 5], 2)", want: []any{[]any{1, 2}, []any{3, 4}, []any{5}}},
		{src: "chunk([1, 2], 5)", want: []any{[]any{1, 2}}},
		{src: "chunk([], 3)", want: []any{}},
		{src: "chunk(1..4, 2)", want: []any{[]any{1, 2}, []any{3, 4}}},
		{src: "chunk(l, 0)", err: "chunk: the size must be a whole number of 1 or more, e.g. chunk(ids, 100); got int 0"},
		{src: "chunk(l, 1.5)", err: "chunk: the size must be a whole number of 1 or more, e.g. chunk(ids, 100); got decimal 1.5"},
		{src: "chunk(o, 2)", err: "chunk: the list must be a list, e.g. chunk(ids, 100); got an object"},

		{src: "difference([1, 2, 3, 2, 'a', nil], [2, 'a'])", want: []any{1, 3, nil}},
		{src: "difference([1, 2.5, 3], [1.0, 2.5])", want: []any{3}},
		{src: "difference(['a', 'A', true, 1], ['a', 1])", want: []any{"A", true}},
		{src: "difference([{id: 1, t: [1]}, {id: 2}], [{t: [1.0], id: 1}])", want: []any{map[string]any{"id": 2}}},
		{src: "difference([t, date('2026-03-01T15:05:09.123456789+01:00'), date('2026-03-01')], [t])", want: []any{utc(2026, 3, 1, 0, 0, 0, 0)}},
		{src: "difference([], [1])", want: []any{}},
		{src: "difference(l, n)", err: "difference: the second list must be a list, e.g. difference(all_ids, done_ids); got int 5"},
		{src: "intersect([1, 2, 3, 2], [2, 3, 4])", want: []any{2, 3, 2}},
		{src: "intersect([{id: 1}, {id: 2}, 3], [3, {id: 2}])", want: []any{map[string]any{"id": 2}, 3}},
		{src: "intersect([nil, 1], [nil])", want: []any{nil}},
		{src: "intersect([1, 2], [])", want: []any{}},
		{src: "intersect(s, l)", err: `intersect: the first list must be a list, e.g. intersect(all_ids, done_ids); got text "text"`},

		{src: "startOf(t, 'hour')", want: utc(2026, 3, 1, 14, 0, 0, 0)},
		{src: "startOf(t, 'day')", want: utc(2026, 3, 1, 0, 0, 0, 0)},
		{src: "startOf(t, 'week')", want: utc(2026, 2, 23, 0, 0, 0, 0)},
		{src: "startOf('2026-03-02T10:00:00Z', 'week')", want: utc(2026, 3, 2, 0, 0, 0, 0)},
		{src: "startOf(t, 'month')", want: utc(2026, 3, 1, 0, 0, 0, 0)},
		{src: "startOf(t, 'year')", want: utc(2026, 1, 1, 0, 0, 0, 0)},
		{src: "startOf('2026-03-31T23:30:00Z', 'day', 'Europe/Paris')", want: time.Date(2026, 4, 1, 0, 0, 0, 0, paris)},
		{src: "endOf(t, 'hour')", want: utc(2026, 3, 1, 14, 59, 59, 999000000)},
		{src: "endOf(t, 'day')", want: utc(2026, 3, 1, 23, 59, 59, 999000000)},
		{src: "endOf(t, 'week')", want: utc(2026, 3, 1, 23, 59, 59, 999000000)},
		{src: "endOf('2024-02-10', 'month')", want: utc(2024, 2, 29, 23, 59, 59, 999000000)},
		{src: "endOf(t, 'year')", want: utc(2026, 12, 31, 23, 59, 59, 999000000)},
		{src: "endOf('2026-03-29T12:00:00Z', 'day', 'Europe/Paris')", want: time.Date(2026, 3, 29, 23, 59, 59, 999000000, paris)},
		{src: "endOf('9999-12-31', 'year')", want: utc(9999, 12, 31, 23, 59, 59, 999000000)},
		{src: "startOf(t, 'days')", err: `startOf: the unit must be 'hour', 'day', 'week', 'month' or 'year', e.g. startOf(now(), 'day'); got text "days"`},
		{src: "endOf(t, 'day', 'Paris')", err: `endOf: "Paris" is not a timezone; name one as the IANA database does, e.g. 'Europe/Paris', 'America/New_York' or 'UTC'`},
		{src: "endOf(n, 'day')", err: "endOf: the timestamp must be a timestamp, e.g. endOf(now(), 'day'); got int 5; for milliseconds since 1970 use fromUnixMs(5)"},

		{src: "dateDiff('2026-03-01T00:00:00Z', '2026-03-02T12:00:00Z', 'h')", want: 36},
		{src: "dateDiff('2026-03-02T12:00:00Z', '2026-03-01T00:00:00Z', 'hours')", want: -36},
		{src: "dateDiff('2026-03-01T00:00:00Z', '2026-03-02T23:59:59Z', 'd')", want: 1},
		{src: "dateDiff('2026-03-02T23:59:59Z', '2026-03-01T00:00:00Z', 'days')", want: -1},
		{src: "dateDiff(t, dateAdd(t, 1500), 's')", want: 1},
		{src: "dateDiff(t, dateAdd(t, 1500), 'ms')", want: 1500},
		{src: "dateDiff(t, dateAdd(t, '90m'), 'minutes')", want: 90},
		{src: "dateDiff('2026-03-01', '2026-03-15', 'w')", want: 2},
		{src: "dateDiff('0001-01-01', '9999-12-31', 'ms')", want: 315537811200000},
		{src: "dateDiff('2026-01-31', '2026-02-28', 'months')", want: 1},
		{src: "dateDiff('2026-01-31T10:00:00Z', '2026-03-01T09:00:00Z', 'mo')", want: 1},
		{src: "dateDiff('2026-03-31', '2026-02-28', 'months')", want: -1},
		{src: "dateDiff('2026-03-01T10:00:00Z', '2026-02-01T11:00:00Z', 'months')", want: 0},
		{src: "dateDiff('2024-02-29', '2026-02-28', 'y')", want: 2},
		{src: "dateDiff('2024-03-01', '2026-02-28', 'years')", want: 1},
		{src: "dateDiff(t, t, 'fortnights')", err: `dateDiff: the unit must be 'ms', 's', 'm', 'h', 'd', 'w', 'mo' or 'y' (or 'seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'years'), e.g. dateDiff(order.created_at, now(), 'days'); got text "fortnights"`},
		{src: "dateDiff(t, s, 'd')", err: `dateDiff: the second timestamp must be a timestamp or a text in RFC 3339 (2026-03-01T14:30:00Z) or YYYY-MM-DD, e.g. dateDiff(order.created_at, now(), 'days'); got text "text"; for other layouts use parseDate`},

		{src: "hmacSha1('The quick brown fox jumps over the lazy dog', 'key')", want: "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"},
		{src: "hmacSha1('{\"id\":1}', 'secret', 'base64')", want: "pkq9ASkZdrNd69hwrROjDJQ0ODE="},
		{src: "hmacSha1('{\"id\":1}', 'secret', 'base64url')", want: "pkq9ASkZdrNd69hwrROjDJQ0ODE"},
		{src: "hmacSha1('a', 'k', 'b64')", err: `hmacSha1: the encoding must be 'hex', 'base64' or 'base64url', e.g. hmacSha1(body, secret, 'base64'); got text "b64"`},
		{src: "hmacSha1(s, n)", err: "hmacSha1: the key must be text, e.g. hmacSha1(body, secret); got int 5"},
		{src: "hmacSha256('a', 'k', 'b64')", err: `hmacSha256: the encoding must be 'hex', 'base64' or 'base64url', e.g. hmacSha256(body, secret, 'base64'); got text "b64"`},
	})
}
