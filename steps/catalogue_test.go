package steps_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// examplePreamble says how to make a step type's catalogue example compile:
// the steps declaring what it reads, and whether it must sit in a loop.
type examplePreamble struct {
	pre  string // steps (a JSON list body, without brackets) run before the example
	loop bool   // wrap the example in a loop (break, continue)
	skip string // a known bug: the example cannot compile
}

// preambles has one entry per registered step type; a new step type must
// add one.
var preambles = map[string]examplePreamble{
	"var":          {},
	"set":          {pre: `{"type": "var", "name": "total", "value": "0"}, {"type": "var", "name": "i", "value": "1"}`},
	"if":           {pre: `{"type": "var", "name": "total", "value": "0"}`},
	"switch":       {},
	"foreach":      {pre: `{"type": "var", "name": "total", "value": "0"}`},
	"for":          {pre: `{"type": "var", "name": "total", "value": "0"}`},
	"while":        {pre: `{"type": "var", "name": "n", "value": "27"}`},
	"break":        {loop: true},
	"continue":     {loop: true},
	"return":       {pre: `{"type": "var", "name": "total", "value": "0"}`},
	"throw":        {pre: `{"type": "var", "name": "product", "value": "{name: 'widget'}"}`},
	"precondition": {},
	"try":          {pre: `{"type": "var", "name": "total", "value": "10"}`},
	"call":         {},
	"await":        {pre: `{"type": "var", "name": "a", "value": "''"}, {"type": "var", "name": "b", "value": "''"}`},
	"sleep":        {},
	"log":          {pre: `{"type": "var", "name": "total", "value": "0"}`},
	"http":         {pre: `{"type": "var", "name": "order", "value": "{id: 1}"}`},
	"respond":      {},
	"file.save":    {},
	"file.read":    {},
	"file.keep":    {},
	"file.delete":  {pre: `{"type": "var", "name": "record", "value": "{photo: input.document}"}`},

	"auth.token":          {pre: `{"type": "var", "name": "user", "value": "{id: 1}"}`},
	"auth.hash_password":  {},
	"auth.check_password": {pre: `{"type": "var", "name": "user", "value": "{id: 1, password_hash: ''}"}`},
}

// exampleSupport are the definitions the examples call or read.
var exampleSupport = []string{
	fn("sum_squares", `[{"name": "n", "type": "int", "required": true}]`, `[]`, "input.n"),
	fn("charge", `[{"name": "amount", "type": "decimal", "required": true}]`, `[]`, "input.amount"),
}

// wrapperInputs are the inputs the examples read.
const wrapperInputs = `[{"name": "n", "type": "int"}, {"name": "items", "type": "json", "list": true},
	{"name": "plan", "type": "text"}, {"name": "qty", "type": "int"}, {"name": "password", "type": "text"}, {"name": "document", "type": "file"}]`

func TestCatalogueExamplesCompile(t *testing.T) {
	types := engine.StepTypes()
	if len(types) == 0 {
		t.Fatal("no step types registered")
	}
	for _, st := range types {
		t.Run(st.Name, func(t *testing.T) {
			p, ok := preambles[st.Name]
			if !ok {
				t.Fatalf("step type %q has no entry in preambles (catalogue_test.go): add one so that its example is checked", st.Name)
			}
			if p.skip != "" {
				t.Skip(p.skip)
			}
			if len(st.Example) == 0 {
				t.Fatalf("step type %q has no example", st.Name)
			}
			var ex map[string]any
			if err := json.Unmarshal(st.Example, &ex); err != nil {
				t.Fatalf("example is not a JSON object: %v", err)
			}
			if ex["type"] != st.Name {
				t.Errorf("example has type %v, want %q", ex["type"], st.Name)
			}
			step := string(st.Example)
			if p.loop {
				step = fmt.Sprintf(`{"type": "for", "count": "1", "as": "loop_i", "steps": [%s]}`, step)
			}
			stack := "[" + step + "]"
			if p.pre != "" {
				stack = "[" + p.pre + ", " + step + "]"
			}
			def := fn("wrapper", wrapperInputs, stack, "")
			var diags engine.Diagnostics
			d := engine.ParseDefinition("wrapper.json", []byte(def), &diags)
			defs := []*engine.Definition{d}
			for i, s := range exampleSupport {
				defs = append(defs, engine.ParseDefinition(fmt.Sprintf("support%d.json", i), []byte(s), &diags))
			}
			_, more := engine.Compile(defs)
			diags = append(diags, more...)
			if len(diags) > 0 {
				var lines []string
				for _, d := range diags {
					lines = append(lines, d.Severity+": "+d.String())
				}
				t.Errorf("example %s does not compile cleanly:\n%s", st.Example, strings.Join(lines, "\n"))
			}
		})
	}
	for name := range preambles {
		if engine.LookupStep(name) == nil {
			t.Errorf("preambles has %q, which is not a registered step type", name)
		}
	}
}

func TestCatalogueFields(t *testing.T) {
	for _, e := range engine.Catalogue() {
		if e.Category == "" {
			t.Errorf("%s: no category", e.Name)
		}
		if strings.TrimSpace(e.Description) == "" {
			t.Errorf("%s: no description", e.Name)
		}
		seen := map[string]bool{}
		fields := append(append([]engine.FieldSpec(nil), e.Fields...), e.CommonFields...)
		for _, f := range fields {
			if f.Name == "" {
				t.Errorf("%s: a field has no name", e.Name)
			}
			if seen[f.Name] {
				t.Errorf("%s: field %s is listed twice", e.Name, f.Name)
			}
			seen[f.Name] = true
			if strings.TrimSpace(f.Description) == "" {
				t.Errorf("%s.%s: no description", e.Name, f.Name)
			}
			if f.Kind == "" {
				t.Errorf("%s.%s: no kind", e.Name, f.Name)
			}
			if f.Kind == engine.FieldEnum && len(f.Values) == 0 {
				t.Errorf("%s.%s: an enum with no values", e.Name, f.Name)
			}
			if f.Kind != engine.FieldEnum && len(f.Values) > 0 {
				t.Errorf("%s.%s: values on a %s field", e.Name, f.Name, f.Kind)
			}
		}
		// The example uses only known fields and gives every required one.
		var ex map[string]any
		if err := json.Unmarshal(e.Example, &ex); err != nil {
			t.Errorf("%s: example is not a JSON object: %v", e.Name, err)
			continue
		}
		for k := range ex {
			if !seen[k] {
				t.Errorf("%s: example uses unknown field %q", e.Name, k)
			}
		}
		for _, f := range e.Fields {
			if _, ok := ex[f.Name]; f.Required && !ok {
				t.Errorf("%s: example lacks required field %q", e.Name, f.Name)
			}
		}
	}
	if b, err := json.Marshal(engine.Catalogue()); err != nil || !json.Valid(b) {
		t.Errorf("catalogue does not marshal to JSON: %v", err)
	}
}

// Every step type has a friendly title and a one-line summary template the
// builder's compact stack shows (engine.CheckSummary checks its fields).
func TestCatalogueTitlesAndSummaries(t *testing.T) {
	for _, st := range engine.StepTypes() {
		if st.Title == "" || st.Summary == "" {
			t.Errorf("step type %q: title %q, summary %q: both are needed (the builder's palette and compact stack show them)", st.Name, st.Title, st.Summary)
		}
		if !strings.HasPrefix(st.Summary, st.Name) {
			t.Errorf("step type %q: summary %q does not start with the type's name", st.Name, st.Summary)
		}
	}
	bad := &engine.StepType{Name: "x", Fields: []engine.FieldSpec{{Name: "a"}}, Summary: "x {b}"}
	if err := engine.CheckSummary(bad); err == nil || err.Error() != `summary "x {b}" names {b}, which is not a field of x` {
		t.Errorf("CheckSummary of an unknown field: %v", err)
	}
	bad.Summary = "x [{a}"
	if err := engine.CheckSummary(bad); err == nil || err.Error() != `summary "x [{a}": [ without ]` {
		t.Errorf("CheckSummary of an open bracket: %v", err)
	}
}
