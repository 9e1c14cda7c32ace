package value

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/expr-lang/expr/types"
)

// BoolType is true or false: BOOLEAN on PostgreSQL, INTEGER 0/1 on
// SQLite.
type BoolType struct{}

// Bool is the bool type.
var Bool Type = BoolType{}

var _ Type = BoolType{}

func init() { Register(Bool) }

func (BoolType) Info() Info {
	return Info{Name: "bool", Description: "true or false.", Editor: "toggle",
		Input: true, Column: true, ListOK: true, Equality: true, Example: json.RawMessage(`true`)}
}

func (BoolType) Coerce(v any) (any, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		if p, err := strconv.ParseBool(b); err == nil {
			return p, nil
		}
	}
	return nil, expected("bool", v)
}

// Column is BOOLEAN on both: on SQLite a declared type only (numeric
// affinity, values 0 and 1), which tells db.sql that the column holds
// bools. Columns applied as INTEGER are rebuilt on the next sync.
func (BoolType) Column(d Dialect) string { return "BOOLEAN" }

// BoolArg is b as a bound parameter on d: a bool on PostgreSQL, 0 or 1 on
// SQLite.
func BoolArg(b bool, d Dialect) any {
	switch {
	case d == Postgres:
		return b
	case b:
		return int64(1)
	}
	return int64(0)
}

func (BoolType) Encode(v any, d Dialect) (any, error) {
	switch x := v.(type) {
	case bool:
		return BoolArg(x, d), nil
	case string:
		if p, err := strconv.ParseBool(x); err == nil {
			return BoolArg(p, d), nil
		}
	}
	return nil, &Mismatch{"true or false", v}
}

func (BoolType) Decode(v any) (any, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case int64:
		return b != 0, nil
	}
	if s, ok := bytesOrString(v); ok {
		return strconv.ParseBool(s)
	}
	return nil, cannotRead(v, "bool")
}

func (BoolType) Literal(raw json.RawMessage, d Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return "", fmt.Errorf("default %s is not true or false", raw)
	}
	switch {
	case d == Postgres && b:
		return "TRUE", nil
	case d == Postgres:
		return "FALSE", nil
	case b:
		return "1", nil
	}
	return "0", nil
}

func (BoolType) Schema() map[string]any { return map[string]any{"type": "boolean"} }

func (BoolType) ExprType() types.Type { return types.Bool }
