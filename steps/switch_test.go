package steps_test

import "testing"

func TestSwitch(t *testing.T) {
	sw := func(value string) string {
		return mainFn(`[{"type": "switch", "value": "`+value+`", "cases": [
			{"match": "1", "steps": [{"type": "var", "name": "r", "value": "'one'"}]},
			{"match": "'two'", "steps": [{"type": "var", "name": "r", "value": "'two'"}]},
			{"match": "[1, 2]", "steps": [{"type": "var", "name": "r", "value": "'list'"}]},
			{"match": "1", "steps": [{"type": "var", "name": "r", "value": "'second one'"}]}],
			"default": [{"type": "var", "name": "r", "value": "'default'"}]}]`, "r")
	}
	runCases(t, []stepCase{
		{name: "first matching case", defs: []string{sw("1")}, want: `"one"`},
		{name: "decimal equals int", defs: []string{sw("2.0 - 1")}, want: `"one"`},
		{name: "text", defs: []string{sw("'tw' + 'o'")}, want: `"two"`},
		{name: "list", defs: []string{sw("[1, 2]")}, want: `"list"`},
		{name: "default", defs: []string{sw("'three'")}, want: `"default"`},
		{name: "no match and no default", defs: []string{mainFn(`[
			{"type": "var", "name": "r", "value": "'none'"},
			{"type": "switch", "value": "5", "cases": [{"match": "1", "steps": [{"type": "set", "name": "r", "value": "'one'"}]}]}]`, "r")},
			want: `"none"`},
	})
}
