package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// TestValueLimits: a stack that grows a value without end stops with an
// error naming the variable and the limit, instead of taking the server's
// memory (a text doubled 40 times would be 16 TiB).
func TestValueLimits(t *testing.T) {
	small := engine.Config{Limits: engine.Limits{MaxTextBytes: 1000, MaxItems: 50, MaxDepth: 5}}
	runCases(t, []stepCase{
		{name: "a text doubled in a loop", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "'xxxxxxxxxxxxxxxx'"},
			{"type": "for", "count": "40", "as": "i", "steps": [{"type": "set", "name": "s", "value": "s + s"}]}]`, "len(s)")},
			wantErr:  "main: stack[1].steps[0]: s would hold 1.0 KiB of text (limit max_text_bytes, 1000 B); keep large data in a table, or raise the limit (--max-text-bytes) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "the default limit stops it too", defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "'xxxxxxxxxxxxxxxx'"},
			{"type": "for", "count": "40", "as": "i", "steps": [{"type": "set", "name": "s", "value": "s + s"}]}]`, "len(s)")},
			wantErr:  "main: stack[1].steps[0]: s would hold 32.0 MiB of text (limit max_text_bytes, 16.0 MiB); keep large data in a table, or raise the limit (--max-text-bytes) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "a list appended to in nested loops", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "for", "count": "10", "as": "i", "steps": [
				{"type": "for", "count": "10", "as": "j", "steps": [{"type": "set", "name": "l", "value": "append(l, i * j)"}]}]}]`, "len(l)")},
			wantErr:  "main: stack[1].steps[0].steps[0]: l would hold a list of 51 items (limit max_items, 50); page through the data, or raise the limit (--max-items) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "a list doubled with concat", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1, 2, 3]"},
			{"type": "while", "cond": "true", "steps": [{"type": "set", "name": "l", "value": "concat(l, l)"}]}]`, "len(l)")},
			wantErr:  "main: stack[1].steps[0]: l would hold a list of 96 items (limit max_items, 50); page through the data, or raise the limit (--max-items) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "an object of too many keys", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "fromPairs(map(1..60, [string(#), #]))"}]`, "o")},
			wantErr:  "main: stack[0]: o would hold an object of 60 items (limit max_items, 50); page through the data, or raise the limit (--max-items) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "an object wrapped in itself in a loop", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{}"},
			{"type": "for", "count": "3000", "as": "i", "steps": [
				{"type": "for", "count": "3000", "as": "j", "steps": [{"type": "set", "name": "o", "value": "{a: o}"}]}]}]`, "o")},
			wantErr:  "main: stack[1].steps[0].steps[0]: o would nest lists and objects more than 1000 deep (limit max_depth); flatten the value, or raise the limit (--max-depth) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "a deep item appended", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "set", "name": "l", "value": "append(l, [[[[1]]]])"},
			{"type": "set", "name": "l", "value": "append(l, [[[[[1]]]]])"}]`, "l")},
			wantErr:  "main: stack[2]: l would nest lists and objects more than 5 deep (limit max_depth); flatten the value, or raise the limit (--max-depth) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "lists nested by a builtin", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1]"},
			{"type": "while", "cond": "true", "steps": [{"type": "set", "name": "l", "value": "map([l], #)"}]}]`, "l")},
			wantErr:  "main: stack[1].steps[0]: l would nest lists and objects more than 5 deep (limit max_depth); flatten the value, or raise the limit (--max-depth) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "values within the limits pass", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "''"},
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "for", "count": "50", "as": "i", "steps": [
				{"type": "set", "name": "s", "value": "s + 'abcdefghijklmnopqrst'"},
				{"type": "set", "name": "l", "value": "append(l, i)"}]}]`, "[len(s), len(l)]")},
			want: `[1000,50]`},
	})
}
