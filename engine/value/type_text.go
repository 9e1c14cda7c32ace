package value

import (
	"encoding/json"
	"fmt"

	"github.com/expr-lang/expr/types"
)

// TextType is text of any length: a Go string, TEXT on both databases.
type TextType struct{}

// Text is the text type.
var Text Type = TextType{}

var _ Type = TextType{}

func init() { Register(Text) }

func (TextType) Info() Info {
	return Info{Name: "text", Description: "Text of any length (UTF-8).", Editor: "text",
		Input: true, Column: true, ListOK: true, Bounds: "length", Values: true, Equality: true, Ordered: true, Searchable: true,
		Example: json.RawMessage(`"Ada"`)}
}

func (TextType) Coerce(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, expected("text", v)
	}
	return s, nil
}

func (TextType) Column(Dialect) string { return "TEXT" }

func (TextType) Encode(v any, _ Dialect) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, &Mismatch{"text", v}
	}
	if err := CheckText(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (TextType) Decode(v any) (any, error) {
	if s, ok := bytesOrString(v); ok {
		return s, nil
	}
	return fmt.Sprint(v), nil
}

func (TextType) Literal(raw json.RawMessage, _ Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	s, ok := jsonText(raw)
	if !ok {
		return "", fmt.Errorf("default %s is not text; write it in quotes", raw)
	}
	return quoteLiteral(s)
}

func (TextType) Schema() map[string]any { return map[string]any{"type": "string"} }

func (TextType) ExprType() types.Type { return types.String }
