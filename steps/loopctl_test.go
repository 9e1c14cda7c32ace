package steps_test

import "testing"

func TestLoopControlInsideTry(t *testing.T) {
	runCases(t, []stepCase{
		{name: "break inside try is not caught", defs: []string{mainFn(`[
			{"type": "var", "name": "c", "value": "0"},
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "for", "count": "5", "as": "i", "steps": [
				{"type": "try", "steps": [
					{"type": "if", "cond": "i == 2", "then": [{"type": "break"}]},
					{"type": "set", "name": "c", "value": "c + 1"}],
				 "catch": [{"type": "set", "name": "caught", "value": "true"}]}]}]`, "{c: c, caught: caught}")},
			want: `{"c":2,"caught":false}`},
		{name: "return inside try inside loop", defs: []string{mainFn(`[
			{"type": "for", "count": "5", "as": "i", "steps": [
				{"type": "try", "steps": [
					{"type": "if", "cond": "i == 3", "then": [{"type": "return", "value": "'returned ' + string(i)"}]}],
				 "catch": [{"type": "return", "value": "'caught'"}]}]}]`, "'fell through'")},
			want: `"returned 3"`},
	})
}
