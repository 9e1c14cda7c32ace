package value

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"
)

// TimestampType is a point in time. Inputs give a time.Time; columns
// hold TIMESTAMPTZ on PostgreSQL and fixed-width UTC text (TimeFormat) on
// SQLite, so that text order is time order; records read back RFC 3339
// text in UTC.
type TimestampType struct{}

// Timestamp is the timestamp type.
var Timestamp Type = TimestampType{}

var _ Type = TimestampType{}

func init() { Register(Timestamp) }

func (TimestampType) Info() Info {
	return Info{Name: "timestamp", Description: "A point in time: RFC 3339 text (2026-01-02T15:04:05Z), a date (2026-01-02) or Unix milliseconds.", Editor: "datetime",
		Input: true, Column: true, ListOK: true, Equality: true, Ordered: true, Example: json.RawMessage(`"2026-01-02T15:04:05Z"`)}
}

// ParseTime reads a timestamp the way inputs give one: a time, RFC 3339
// text, a date, or Unix milliseconds.
func ParseTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p, true
			}
		}
		// Unix milliseconds as text, as a query string or a form field
		// sends them (an int input takes "12" alike).
		if ms, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
		return time.Time{}, false
	case float64, int, int64, int32, json.Number:
		if ms, ok := ToInt(v); ok {
			return time.UnixMilli(int64(ms)).UTC(), true
		}
	}
	return time.Time{}, false
}

func (TimestampType) Coerce(v any) (any, error) {
	if t, ok := ParseTime(v); ok {
		return t, nil
	}
	return nil, expected("timestamp (RFC 3339, e.g. 2026-01-02T15:04:05Z, or Unix milliseconds)", v)
}

func (TimestampType) Column(d Dialect) string {
	if d == Postgres {
		return "TIMESTAMPTZ"
	}
	return "TEXT"
}

func (TimestampType) Encode(v any, d Dialect) (any, error) {
	t, ok := ParseTime(v)
	if !ok {
		return nil, &Mismatch{"a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds)", v}
	}
	return TimeArg(t, d), nil
}

func (TimestampType) Decode(v any) (any, error) {
	t, err := ScanTime(v)
	if err != nil {
		return nil, err
	}
	return FormatTime(t), nil
}

// NowDefault is the SQL default of a timestamp column that takes the
// time of the insert (created_at, updated_at, and "default": "now").
func NowDefault(d Dialect) string {
	if d == Postgres {
		return "CURRENT_TIMESTAMP"
	}
	// %f is SS.SSS; three more zeros make the fixed-width TimeFormat.
	return "(strftime('%Y-%m-%dT%H:%M:%f000Z','now'))"
}

func (TimestampType) Literal(raw json.RawMessage, d Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	s, ok := jsonText(raw)
	if !ok {
		return "", fmt.Errorf("default %s is not a timestamp; write \"now\" or a time like \"2024-01-31T12:00:00Z\"", raw)
	}
	if strings.EqualFold(s, "now") {
		return NowDefault(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", fmt.Errorf("default %q is not a timestamp; write \"now\" or an RFC 3339 time like \"2024-01-31T12:00:00Z\"", s)
	}
	if d == Postgres {
		return quoteLiteral(t.UTC().Format(time.RFC3339Nano))
	}
	return quoteLiteral(t.UTC().Format(TimeFormat))
}

func (TimestampType) Schema() map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "string", "format": "date-time"},
		map[string]any{"type": "string", "format": "date"},
		map[string]any{"type": "integer", "description": "Unix milliseconds"},
	}}
}

// AnswerSchema is the schema of a timestamp in an answer: funcstack
// writes every timestamp as RFC 3339 text.
func (TimestampType) AnswerSchema() map[string]any {
	return map[string]any{"type": "string", "format": "date-time"}
}

// ExprType is any: records hold timestamps as RFC 3339 text.
func (TimestampType) ExprType() types.Type { return types.Any }

// InputExprType is the type of a timestamp input: Coerce makes a
// time.Time.
func (TimestampType) InputExprType() types.Type { return types.TypeOf(time.Time{}) }
