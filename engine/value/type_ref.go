package value

import (
	"encoding/json"
	"errors"

	"github.com/expr-lang/expr/types"
)

// RefType is a reference to a record of another table, announced for
// relations (issue 18, item 4): the field will name its table, and the
// column will take that table's id type with a foreign key. Until then it
// is registered as planned, so a definition naming it gets a clear error.
type RefType struct{}

// Ref is the ref type.
var Ref Type = RefType{}

var _ Type = RefType{}

func init() { Register(Ref) }

func (RefType) Info() Info {
	return Info{Name: "ref", Description: "A record of another table (a foreign key).", Editor: "ref", Column: true,
		Planned: "relations between tables are being built; until then keep the other record's id in an int or uuid field"}
}

var errPlanned = errors.New("type ref is not available yet")

func (RefType) Coerce(any) (any, error) { return nil, errPlanned }

func (RefType) Column(Dialect) string { return "" }

func (RefType) Encode(any, Dialect) (any, error) { return nil, errPlanned }

func (RefType) Decode(any) (any, error) { return nil, errPlanned }

func (RefType) Literal(json.RawMessage, Dialect) (string, error) { return "", errPlanned }

func (RefType) Schema() map[string]any { return map[string]any{} }

func (RefType) ExprType() types.Type { return types.Any }
