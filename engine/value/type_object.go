package value

import (
	"encoding/json"
	"errors"
	"github.com/funcstack/funcstack/engine/exprfn"

	"github.com/expr-lang/expr/types"
)

// ObjectType is an input holding an object, whose fields an input may
// declare (fields). It is not a column type: a table keeps objects in a
// json column.
type ObjectType struct{}

// Object is the object type.
var Object Type = ObjectType{}

var _ Type = ObjectType{}

func init() { Register(Object) }

func (ObjectType) Info() Info {
	return Info{Name: "object", Description: "An object; its fields may be declared (fields), each an input of its own.", Editor: "object",
		Input: true, ListOK: true, Fields: true, Example: json.RawMessage(`{"sku": "A-1", "qty": 2}`)}
}

// Coerce checks v is an object. Declared fields are checked by the
// engine, field by field.
func (ObjectType) Coerce(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, expected("object", v)
	}
	return exprfn.Numbers(m), nil
}

func (ObjectType) Column(Dialect) string { return "" }

var errNotColumn = errors.New("object is not a column type; keep objects in a json column")

func (ObjectType) Encode(any, Dialect) (any, error) { return nil, errNotColumn }

func (ObjectType) Decode(any) (any, error) { return nil, errNotColumn }

func (ObjectType) Literal(json.RawMessage, Dialect) (string, error) { return "", errNotColumn }

func (ObjectType) Schema() map[string]any { return map[string]any{"type": "object"} }

func (ObjectType) ExprType() types.Type { return types.Any }
