package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// FieldKind says how a step field is written and checked.
type FieldKind string

// Field kinds. The catalogue publishes them so that the UI can render a form
// for every step type without knowing any step by name.
const (
	FieldExpr       FieldKind = "expr"        // an expression string
	FieldTemplate   FieldKind = "template"    // text with {{ expression }} parts
	FieldName       FieldKind = "name"        // a variable name ([a-z][a-z0-9_]*)
	FieldString     FieldKind = "string"      // plain text
	FieldEnum       FieldKind = "enum"        // one of Values
	FieldBool       FieldKind = "bool"        // true or false
	FieldInt        FieldKind = "int"         // a whole number
	FieldDuration   FieldKind = "duration"    // "30s", "15m"
	FieldSteps      FieldKind = "steps"       // a nested list of steps
	FieldExprMap    FieldKind = "expr_map"    // {"key": "expression"}
	FieldExprList   FieldKind = "expr_list"   // ["expression", ...]
	FieldStringList FieldKind = "string_list" // ["text", ...]
	FieldCases      FieldKind = "cases"       // [{"match": "expr", "steps": [...]}]
	FieldFunction   FieldKind = "function"    // the name of a function definition
	FieldTable      FieldKind = "table"       // the name of a table definition
)

// FieldSpec describes one field of a step type.
type FieldSpec struct {
	Name        string    `json:"name"`
	Kind        FieldKind `json:"kind"`
	Required    bool      `json:"required,omitempty"`
	Description string    `json:"description"`
	Values      []string  `json:"values,omitempty"`
	Default     any       `json:"default,omitempty"`
	// Columns says the expression reads the step's table's columns as
	// <table>.<column> (a where): the builder completes them.
	Columns bool `json:"columns,omitempty"`
	// Dynamic: the field may instead be one expression (a JSON string)
	// giving its value at run time (db.add's data: "input.record").
	Dynamic bool `json:"dynamic,omitempty"`
	// Expects is the kind of value an expression field should give (one of
	// the Expect constants; empty: any value). The compiler refuses a
	// literal of another kind (cond: "'yes'"); the builder offers the
	// value modes that write such a value (text, number, true/false) beside
	// ƒx; the docs print it.
	Expects string `json:"expects,omitempty"`
	// Local: what the field declares stays inside the step. A name field
	// (a loop variable) names a variable of the step's blocks only; a steps
	// field's variables are not in scope after the step (a loop body may
	// run zero times). The compiler drops a local block's names
	// (StepCompiler.Block); the builder's completion and inspector read it.
	Local bool `json:"local,omitempty"`
}

// What an expression field expects (FieldSpec.Expects).
const (
	ExpectText   = "text"
	ExpectNumber = "number"
	ExpectInt    = "int" // a whole number
	ExpectBool   = "bool"
	ExpectList   = "list"
	ExpectObject = "object"
)

// RunFunc runs one compiled step. The value it returns is the step's result
// as shown in a trace (the value stored, the branch taken, ...).
type RunFunc func(s *State) (any, error)

// CompileFunc compiles one step: it reads the step's fields through c (which
// reports every problem with its JSON path) and returns the function that
// runs it. It returns nil when the step cannot run; c holds the reasons.
type CompileFunc func(c *StepCompiler) RunFunc

// StepType is one entry of the step registry.
type StepType struct {
	Name        string          `json:"type"`
	Category    string          `json:"category"`
	Description string          `json:"description"`
	Fields      []FieldSpec     `json:"fields"`
	Example     json.RawMessage `json:"example"`
	// Title is the step's friendly name in the builder ("Query records").
	Title string `json:"title"`
	// Summary is the one-line template the builder shows for a step of this
	// type: literal text, {field} for a field's value, and [ … ] for a part
	// shown only when every field inside it is set (a bool when true, shown
	// as its name): "call {function}[ {async}][ → {as}]".
	Summary string `json:"summary"`
	// Terminates is true for steps after which the block never goes on
	// (return, throw, break, continue).
	Terminates bool        `json:"-"`
	Compile    CompileFunc `json:"-"`
}

// Field returns the spec of the named field, or nil.
func (t *StepType) Field(name string) *FieldSpec {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// commonStepFields are accepted on every step.
var commonStepFields = []FieldSpec{
	{Name: "type", Kind: FieldString, Required: true, Description: "The step type."},
	{Name: "description", Kind: FieldString, Description: "A note shown in the builder."},
	{Name: "disabled", Kind: FieldBool, Description: "Skip this step when running."},
	{Name: "step_id", Kind: FieldString, Description: "A stable identifier used by the builder."},
}

var registry = struct {
	sync.RWMutex
	types map[string]*StepType
}{types: map[string]*StepType{}}

// Register adds a step type to the registry. It panics on a duplicate or
// malformed registration: those are programming errors found at start.
func Register(t *StepType) {
	registry.Lock()
	defer registry.Unlock()
	if t.Name == "" || t.Compile == nil {
		panic("engine.Register: step type needs a name and a compile func")
	}
	if _, dup := registry.types[t.Name]; dup {
		panic(fmt.Sprintf("engine.Register: step type %q registered twice", t.Name))
	}
	if err := CheckSummary(t); err != nil {
		panic(fmt.Sprintf("engine.Register: step type %q: %v", t.Name, err))
	}
	if len(t.Example) > 0 && !json.Valid(t.Example) {
		panic(fmt.Sprintf("engine.Register: step type %q has an invalid example", t.Name))
	}
	registry.types[t.Name] = t
}

// LookupStep returns the registered step type, or nil.
func LookupStep(name string) *StepType {
	registry.RLock()
	defer registry.RUnlock()
	return registry.types[name]
}

// StepTypes returns every registered step type, sorted by category then name.
func StepTypes() []*StepType {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]*StepType, 0, len(registry.types))
	for _, t := range registry.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func stepTypeNames() []string {
	var names []string
	for _, t := range StepTypes() {
		names = append(names, t.Name)
	}
	return names
}

// CatalogueEntry is how a step type is published: its schema plus the
// fields every step accepts.
type CatalogueEntry struct {
	*StepType
	CommonFields []FieldSpec `json:"common_fields"`
}

// Catalogue returns the step catalogue, straight from the registry.
func Catalogue() []CatalogueEntry {
	types := StepTypes()
	out := make([]CatalogueEntry, len(types))
	for i, t := range types {
		out[i] = CatalogueEntry{StepType: t, CommonFields: commonStepFields}
	}
	return out
}

// CheckSummary reports what is wrong with a step type's summary template:
// an unknown field, a brace or bracket left open or closed twice. The
// builder renders the template; this keeps it renderable. (Every step type
// of package steps has one: its catalogue test says so.)
func CheckSummary(t *StepType) error {
	depth := 0
	for i := 0; i < len(t.Summary); i++ {
		switch t.Summary[i] {
		case '[':
			if depth++; depth > 1 {
				return fmt.Errorf("summary %q: [ inside [ at %d", t.Summary, i)
			}
		case ']':
			if depth--; depth < 0 {
				return fmt.Errorf("summary %q: ] without [ at %d", t.Summary, i)
			}
		case '{':
			j := i + 1
			for j < len(t.Summary) && t.Summary[j] != '}' {
				j++
			}
			if j == len(t.Summary) {
				return fmt.Errorf("summary %q: { without } at %d", t.Summary, i)
			}
			if name := t.Summary[i+1 : j]; t.Field(name) == nil {
				return fmt.Errorf("summary %q names {%s}, which is not a field of %s", t.Summary, name, t.Name)
			}
			i = j
		case '}':
			return fmt.Errorf("summary %q: } without { at %d", t.Summary, i)
		}
	}
	if depth != 0 {
		return fmt.Errorf("summary %q: [ without ]", t.Summary)
	}
	return nil
}
