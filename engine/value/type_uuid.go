package value

import (
	"encoding/json"
	"fmt"

	"github.com/expr-lang/expr/types"
	"github.com/google/uuid"
)

// UUIDType is a UUID, held as its canonical text: UUID on PostgreSQL,
// TEXT on SQLite.
type UUIDType struct{}

// UUID is the uuid type.
var UUID Type = UUIDType{}

var _ Type = UUIDType{}

func init() { Register(UUID) }

func (UUIDType) Info() Info {
	return Info{Name: "uuid", Description: "A UUID such as 0190d2a4-5b1c-7c3e-9f00-123456789abc.", Editor: "uuid",
		Input: true, Column: true, ListOK: true, Equality: true, Ordered: true, Example: json.RawMessage(`"0190d2a4-5b1c-7c3e-9f00-123456789abc"`)}
}

func (UUIDType) Coerce(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, expected("uuid", v)
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, expected("uuid", v)
	}
	return u.String(), nil
}

func (UUIDType) Column(d Dialect) string {
	if d == Postgres {
		return "UUID"
	}
	return "TEXT"
}

func (UUIDType) Encode(v any, _ Dialect) (any, error) {
	switch x := v.(type) {
	case string:
		if u, err := uuid.Parse(x); err == nil {
			return u.String(), nil
		}
	case uuid.UUID:
		return x.String(), nil
	case [16]byte:
		return uuid.UUID(x).String(), nil
	}
	return nil, &Mismatch{"a UUID", v}
}

func (UUIDType) Decode(v any) (any, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		if len(s) == 16 {
			u, _ := uuid.FromBytes(s)
			return u.String(), nil
		}
		return string(s), nil
	case [16]byte:
		return uuid.UUID(s).String(), nil
	}
	return nil, cannotRead(v, "uuid")
}

func (UUIDType) Literal(raw json.RawMessage, _ Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	s, ok := jsonText(raw)
	if !ok {
		return "", fmt.Errorf("default %s is not a UUID; write it in quotes", raw)
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", fmt.Errorf("default %q is not a UUID", s)
	}
	return quoteLiteral(u.String())
}

func (UUIDType) Schema() map[string]any { return map[string]any{"type": "string", "format": "uuid"} }

func (UUIDType) ExprType() types.Type { return types.String }
