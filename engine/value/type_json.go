package value

import (
	"encoding/json"
	"fmt"
	"github.com/funcstack/funcstack/engine/exprfn"

	"github.com/expr-lang/expr/types"
)

// JSONType is any JSON value: JSONB on PostgreSQL, JSON text on SQLite.
type JSONType struct{}

// JSON is the json type.
var JSON Type = JSONType{}

var _ Type = JSONType{}

func init() { Register(JSON) }

func (JSONType) Info() Info {
	return Info{Name: "json", Description: "Any JSON value: an object, a list, a number, text, true, false or null.", Editor: "json",
		Input: true, Column: true, ListOK: true, Example: json.RawMessage(`{"size": "M"}`)}
}

func (JSONType) Coerce(v any) (any, error) { return exprfn.Numbers(v), nil }

// Column is JSONB on PostgreSQL; on SQLite JSON_TEXT, a declared type
// only (text affinity), which tells db.sql that the column holds JSON.
// Columns applied as TEXT are rebuilt on the next sync.
func (JSONType) Column(d Dialect) string {
	if d == Postgres {
		return "JSONB"
	}
	return "JSON_TEXT"
}

func (JSONType) Encode(v any, _ Dialect) (any, error) {
	b, err := marshalStored(v)
	if err != nil {
		return nil, &Refused{fmt.Sprintf("the value cannot be written as JSON: %v", err)}
	}
	return string(b), nil
}

func (JSONType) Decode(v any) (any, error) {
	if s, ok := v.([]byte); ok {
		return decodeStoredJSON(s)
	}
	if s, ok := v.(string); ok {
		return decodeStoredJSON([]byte(s))
	}
	return exprfn.Numbers(v), nil
}

func (JSONType) Literal(raw json.RawMessage, _ Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("default is not JSON: %v", err)
	}
	b, err := marshalStored(v)
	if err != nil {
		return "", err
	}
	return quoteLiteral(string(b))
}

func (JSONType) Schema() map[string]any { return map[string]any{} }

func (JSONType) ExprType() types.Type { return types.Any }
