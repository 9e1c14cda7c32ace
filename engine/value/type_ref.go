package value

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/types"
)

// RefType is a reference to a record of another table: a field
// {"name": "customer", "type": "ref", "table": "customer"} is a column
// holding that record's id, with a foreign key (engine/tables). Its values
// are ids: an int, or a UUID's text, as the other table's id is; the
// column takes the other table's id type (engine/tables resolves it), so
// Column gives the type of an int id.
type RefType struct{}

// Ref is the ref type.
var Ref Type = RefType{}

var _ Type = RefType{}

func init() { Register(Ref) }

func (RefType) Info() Info {
	return Info{Name: "ref", Description: "A record of another table: its id, with a foreign key. Give the table in \"table\" and what deleting that record does in \"on_delete\" (restrict, cascade or set_null).",
		Editor: "ref", Column: true, Equality: true, Ordered: true, Relation: "one", Example: json.RawMessage(`42`)}
}

// Coerce accepts an id: a whole number or a UUID.
func (RefType) Coerce(v any) (any, error) {
	if n, err := Int.Coerce(v); err == nil {
		return n, nil
	}
	if u, err := UUID.Coerce(v); err == nil {
		return u, nil
	}
	return nil, expected("an id (int or uuid)", v)
}

func (RefType) Column(d Dialect) string { return Int.Column(d) }

func (RefType) Encode(v any, d Dialect) (any, error) {
	if s, ok := v.(string); ok {
		if a, err := UUID.Encode(s, d); err == nil {
			return a, nil
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil { // a path or query parameter
			return n, nil
		}
		return nil, &Mismatch{"an id (a whole number or a UUID)", v}
	}
	a, err := Int.Encode(v, d)
	if err != nil {
		return nil, &Mismatch{"an id (a whole number or a UUID)", v}
	}
	return a, nil
}

func (RefType) Decode(v any) (any, error) {
	switch v.(type) {
	case string, []byte, [16]byte:
		return UUID.Decode(v)
	}
	return Int.Decode(v)
}

func (RefType) Literal(raw json.RawMessage, _ Dialect) (string, error) {
	if string(raw) == "null" {
		return "", nil
	}
	return "", fmt.Errorf("a ref has no default other than null; leave default out")
}

func (RefType) Schema() map[string]any {
	return map[string]any{"oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string", "format": "uuid"}},
		"description": "the id of a record of another table, or that record when the step includes it"}
}

func (RefType) ExprType() types.Type { return types.Any }

// RefsType is the other side of a ref: a field {"name": "lines", "type":
// "refs", "table": "order_line", "by": "order"} is no column; it names
// the records of another table whose ref (by) points to this record, for
// db.get and db.query to include.
type RefsType struct{}

// Refs is the refs type.
var Refs Type = RefsType{}

var _ Type = RefsType{}

func init() { Register(Refs) }

func (RefsType) Info() Info {
	return Info{Name: "refs", Description: "The records of another table whose ref points here (no column): give the table in \"table\" and its ref field in \"by\"; db.get and db.query include them as a list.",
		Editor: "refs", Column: true, Relation: "many", Example: json.RawMessage(`[]`)}
}

func (RefsType) Coerce(v any) (any, error) {
	return nil, fmt.Errorf("refs are read, never written: change the other table's ref instead")
}

func (RefsType) Column(Dialect) string { return "" }

func (RefsType) Encode(v any, _ Dialect) (any, error) {
	return nil, &Refused{"refs are read, never written: change the other table's ref instead"}
}

func (RefsType) Decode(v any) (any, error) { return v, nil }

func (RefsType) Literal(json.RawMessage, Dialect) (string, error) {
	return "", fmt.Errorf("refs have no default")
}

func (RefsType) Schema() map[string]any {
	return map[string]any{"type": "array", "items": map[string]any{"type": "object"}}
}

func (RefsType) ExprType() types.Type { return types.Array(types.Any) }
