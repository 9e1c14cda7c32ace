package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestIf(t *testing.T) {
	ifDef := func(cond string) string {
		return mainFn(`[{"type": "if", "cond": "`+cond+`",
			"then": [{"type": "var", "name": "label", "value": "'then'"}],
			"else": [{"type": "var", "name": "label", "value": "'else'"}]}]`, "label")
	}
	runCases(t, []stepCase{
		{name: "then", defs: []string{ifDef("1 < 2")}, want: `"then"`},
		{name: "else", defs: []string{ifDef("1 > 2")}, want: `"else"`},
		{name: "null is false", defs: []string{ifDef("nil")}, want: `"else"`},
		{name: "not a bool", defs: []string{ifDef("abs(1)")},
			wantErr: "main: stack[0].cond: condition `abs(1)` gave an int (1), not true or false (execution exec-1)", wantCode: engine.CodeExpression},
		{name: "no else", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "0"},
			{"type": "if", "cond": "false", "then": [{"type": "set", "name": "x", "value": "1"}]}]`, "x")}, want: `0`},
		{name: "nested", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "0"},
			{"type": "if", "cond": "true", "then": [
				{"type": "if", "cond": "x == 0", "then": [{"type": "set", "name": "x", "value": "2"}]}]}]`, "x")}, want: `2`},
	})
}
