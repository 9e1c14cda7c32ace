package value_test

import (
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/value"
)

func TestTimestamp(t *testing.T) {
	checkCoerce(t, value.Timestamp, []coerceCase{
		{"2026-01-02T15:04:05Z", "time.Date(2026, time.January, 2, 15, 4, 5, 0, time.UTC)"},
		{"2026-01-02", "time.Date(2026, time.January, 2, 0, 0, 0, 0, time.UTC)"},
		{0, "time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)"},
		{"1767225600000", "time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)"}, // ?since=1767225600000
		{" -1000 ", "time.Date(1969, time.December, 31, 23, 59, 59, 0, time.UTC)"},
		{"1767225600000.5", "error: expected timestamp (RFC 3339, e.g. 2026-01-02T15:04:05Z, or Unix milliseconds), got text"},
		{"yesterday", "error: expected timestamp (RFC 3339, e.g. 2026-01-02T15:04:05Z, or Unix milliseconds), got text"},
	})
	checkColumn(t, value.Timestamp, "TEXT", "TIMESTAMPTZ")
	born := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	checkStore(t, value.Timestamp, []storeCase{
		{born, `"2026-11-23T09:00:00.123456Z"`, "time.Date(2026, time.November, 23, 9, 0, 0, 123456000, time.UTC)", `"2026-11-23T09:00:00.123456Z"`},
		{"yesterday", `error: expects a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds), got text "yesterday"`,
			`error: expects a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds), got text "yesterday"`, ""},
	})
	checkLiteral(t, value.Timestamp, []literalCase{
		{`"now"`, "(strftime('%Y-%m-%dT%H:%M:%f000Z','now'))", "CURRENT_TIMESTAMP"},
		{`"2024-01-31T12:00:00+01:00"`, "'2024-01-31T11:00:00.000000Z'", "'2024-01-31T11:00:00Z'"},
		{`"soon"`, `error: default "soon" is not a timestamp; write "now" or an RFC 3339 time like "2024-01-31T12:00:00Z"`,
			`error: default "soon" is not a timestamp; write "now" or an RFC 3339 time like "2024-01-31T12:00:00Z"`},
	})
}
