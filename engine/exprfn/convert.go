package exprfn

import (
	"strings"
)

func init() {
	register(
		&Function{Name: "bool", Category: Type, Signature: "bool(value) → bool",
			Description: "A bool, a text 'true', 'false', 'yes', 'no', '1' or '0' (any case, spaces around it ignored) or the number 1 or 0 as true or false; anything else, null included, is an error.",
			Example:     "[bool('Yes'), bool(' FALSE '), bool(1), bool('0'), bool(true)]", Result: "[true,false,true,false,true]",
			Func: boolFunc, Types: []any{new(func(any) bool)}},
	)
}

func boolFunc(args ...any) (any, error) {
	const example = "bool(input.subscribed)"
	if err := arity("bool", args, 1, 1, "one value, e.g. "+example); err != nil {
		return nil, err
	}
	switch x := args[0].(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "1":
			return true, nil
		case "false", "no", "0":
			return false, nil
		}
	default:
		if f, _, err := number("bool", "", x, example); err == nil && (f == 0 || f == 1) {
			return f == 1, nil
		}
	}
	return nil, argError("bool", "the value", "true or false, a text 'true', 'false', 'yes', 'no', '1' or '0', or the number 1 or 0 (for a null, write x ?? false)", example, args[0])
}
