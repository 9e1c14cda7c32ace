package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine/exprfn"
	"github.com/funcstack/funcstack/engine/value"
)

// InputSpec is a compiled list of input fields.
type InputSpec struct {
	fields []inputField
	// sensitive is true when a field, or a field of an object field, is
	// marked sensitive.
	sensitive bool
}

// CodeNotFinite is the field error code of a number that is infinite,
// NaN, or out of the range both backends can keep (value.NonFinite).
const CodeNotFinite = "not_finite"

// Redacted is what execution records hold in place of a sensitive input.
const Redacted = "[redacted]"

// Redact returns input as execution records keep it: sensitive fields
// replaced by Redacted. It returns input itself when nothing is sensitive,
// and never changes it.
func (s *InputSpec) Redact(input any) any {
	m, ok := input.(map[string]any)
	if s == nil || !s.sensitive || !ok {
		return input
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, f := range s.fields {
		v, present := out[f.Name]
		switch {
		case !present || v == nil:
		case f.Sensitive:
			out[f.Name] = Redacted
		case f.nested != nil && f.nested.sensitive:
			if f.List {
				if items, ok := v.([]any); ok {
					red := make([]any, len(items))
					for j, it := range items {
						red[j] = f.nested.Redact(it)
					}
					out[f.Name] = red
				}
			} else {
				out[f.Name] = f.nested.Redact(v)
			}
		}
	}
	return out
}

type inputField struct {
	InputField
	typ    value.Type // nil for a type the definition check refused
	def    any        // decoded default, or nil
	hasDef bool
	nested *InputSpec
}

// Fields returns the declared fields.
func (s *InputSpec) Fields() []InputField {
	out := make([]InputField, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.InputField
	}
	return out
}

func compileInputs(fields []InputField, r *reporter) *InputSpec {
	return compileInputsAt(fields, "input", r)
}

// compileOutput compiles a definition's output declaration into a spec of
// one field named output (nil when there is none).
func compileOutput(d *Definition, r *reporter) *InputSpec {
	o := d.Output
	if o == nil {
		return nil
	}
	cf := inputField{InputField: *o, typ: value.Usable(o.Type)}
	if d.outputFields {
		cf.nested = compileInputsAt(o.Fields, "output", r)
	} else {
		checkConstraints(*o, "output", r)
		if cf.typ != nil && cf.typ.Info().Fields {
			cf.nested = compileInputsAt(o.Fields, "output.fields", r)
		}
	}
	return &InputSpec{fields: []inputField{cf}, sensitive: o.Sensitive || (cf.nested != nil && cf.nested.sensitive)}
}

// minKeptOutText is the shortest text of a sensitive output that is also
// kept out of the rest of a record (its trace, logs and error): a
// shorter one would blank unrelated words.
const minKeptOutText = 4

// redactOutput returns out, the answer of a run of f, as its record keeps
// it: the fields its output declaration marks sensitive hold Redacted,
// and their texts (of minKeptOutText bytes or more) are added to
// secrets, to be kept out of the rest of the record (§28). out itself is
// never changed.
func (f *Function) redactOutput(out any, secrets *[]string) any {
	if f == nil || f.Output == nil || !f.Output.sensitive || out == nil {
		return out
	}
	in := map[string]any{"output": out}
	if secrets != nil {
		*secrets = f.Output.sensitiveTexts(in, *secrets)
	}
	return f.Output.Redact(in).(map[string]any)["output"]
}

// sensitiveTexts appends to texts those that the sensitive fields of v
// hold, at any depth.
func (s *InputSpec) sensitiveTexts(v any, texts []string) []string {
	m, ok := v.(map[string]any)
	if s == nil || !s.sensitive || !ok {
		return texts
	}
	for _, f := range s.fields {
		val := m[f.Name]
		switch {
		case val == nil:
		case f.Sensitive:
			texts = allTexts(val, texts)
		case f.nested != nil && f.nested.sensitive:
			if items, ok := val.([]any); ok && f.List {
				for _, it := range items {
					texts = f.nested.sensitiveTexts(it, texts)
				}
			} else {
				texts = f.nested.sensitiveTexts(val, texts)
			}
		}
	}
	return texts
}

// allTexts appends every text in v of minKeptOutText bytes or more.
func allTexts(v any, texts []string) []string {
	switch x := v.(type) {
	case string:
		if len(x) >= minKeptOutText {
			texts = append(texts, x)
		}
	case []any:
		for _, e := range x {
			texts = allTexts(e, texts)
		}
	case map[string]any:
		for _, e := range x {
			texts = allTexts(e, texts)
		}
	}
	return texts
}

// CheckOutput checks v, the answer of a run, against the function's output
// declaration: nil when it fits (or nothing is declared), else every field
// that does not, named from output (output.total, output[2].sku).
func (f *Function) CheckOutput(v any) []FieldError {
	if f == nil || f.Output == nil {
		return nil
	}
	_, errs := f.Output.validate(map[string]any{"output": v}, map[string]any{}, "")
	return errs
}

func compileInputsAt(fields []InputField, path string, r *reporter) *InputSpec {
	s := &InputSpec{}
	for i, f := range fields {
		p := indexPath(path, i)
		cf := inputField{InputField: f, typ: value.Usable(f.Type)}
		if cf.typ != nil && cf.typ.Info().Fields {
			cf.nested = compileInputsAt(f.Fields, joinPath(p, "fields"), r)
		}
		if f.Sensitive || (cf.nested != nil && cf.nested.sensitive) {
			s.sensitive = true
		}
		checkConstraints(f, p, r)
		if len(f.Default) > 0 {
			var v any
			d := json.NewDecoder(strings.NewReader(string(f.Default)))
			d.UseNumber()
			_ = d.Decode(&v)
			tmp := &InputSpec{fields: []inputField{{InputField: f, typ: cf.typ, nested: cf.nested}}}
			val, errs := tmp.validate(map[string]any{f.Name: v}, map[string]any{}, "")
			if len(errs) > 0 {
				r.errorf(joinPath(p, "default"), "bad_default", "default does not fit the field: %s", errs[0].Message)
			} else {
				cf.def, cf.hasDef = val[f.Name], true
			}
		}
		s.fields = append(s.fields, cf)
	}
	return s
}

// checkConstraints warns of a min, max or values that can never take
// effect on the field at path p: the builder shows every constraint on
// every input, and the server says which apply.
func checkConstraints(f InputField, p string, r *reporter) {
	var info value.Info
	if t := value.Usable(f.Type); t != nil {
		info = t.Info()
	}
	ranged := f.List || info.Bounds != ""
	kind := f.Type
	if f.List {
		kind = "list of " + f.Type
	}
	for _, b := range []struct {
		name string
		v    *float64
	}{{"min", f.Min}, {"max", f.Max}} {
		if b.v != nil && !ranged {
			r.warnf(joinPath(p, b.name), "ignored", "%s has no effect on %s %s input: it bounds %s, the length of %s, the size of %s and the number of items of a list", b.name, article(kind), kind,
				strings.Join(typesWith(func(i value.Info) bool { return i.Bounds == "value" }), " and ")+" values",
				strings.Join(typesWith(func(i value.Info) bool { return i.Bounds == "length" }), " and "),
				strings.Join(typesWith(func(i value.Info) bool { return i.Bounds == "size" }), " and "))
		}
	}
	if ranged && f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		r.warnf(joinPath(p, "max"), "empty_range", "max %v is less than min %v: no value can pass; swap them", *f.Max, *f.Min)
	}
	if len(f.Values) > 0 && !info.Values {
		r.warnf(joinPath(p, "values"), "ignored", "values has no effect on %s %s input: only %s inputs are checked against values", article(kind), kind,
			strings.Join(typesWith(func(i value.Info) bool { return i.Values }), " and "))
	}
}

// typesWith names the input types whose Info has a property.
func typesWith(has func(value.Info) bool) []string {
	var out []string
	for _, n := range value.InputTypes() {
		if has(value.Lookup(n).Info()) {
			out = append(out, n)
		}
	}
	return out
}

// Validate checks raw input (decoded JSON, or Go values from a call)
// against the spec. It returns the input with every declared field present
// (nil when absent), values converted to their types (int → int,
// decimal → float64, timestamp → time.Time), and unknown fields dropped.
// Every failing field is named in the error. It never changes raw: the
// caller's input may be shared with its execution record, which the
// records writer encodes while the run goes on.
func (s *InputSpec) Validate(raw any) (map[string]any, *Error) {
	if s == nil {
		return map[string]any{}, nil
	}
	var m map[string]any
	switch v := raw.(type) {
	case nil:
		m = map[string]any{}
	case map[string]any:
		m = v
	default:
		return nil, &Error{Code: CodeInvalidInput, Message: fmt.Sprintf("input must be a JSON object, got %s", typeName(raw))}
	}
	out, errs := s.validate(m, make(map[string]any, len(s.fields)), "")
	if len(errs) > 0 {
		return nil, &Error{Code: CodeInvalidInput, Message: "invalid input", Fields: errs}
	}
	return out, nil
}

// ValidateOwned is Validate for a map the caller made for this call and
// gives up: it is converted in place instead of copied.
func (s *InputSpec) ValidateOwned(m map[string]any) (map[string]any, *Error) {
	if s == nil || m == nil {
		return s.Validate(m)
	}
	for k := range m {
		if !s.has(k) {
			delete(m, k)
		}
	}
	out, errs := s.validate(m, m, "")
	if len(errs) > 0 {
		return nil, &Error{Code: CodeInvalidInput, Message: "invalid input", Fields: errs}
	}
	return out, nil
}

func (s *InputSpec) has(name string) bool {
	for i := range s.fields {
		if s.fields[i].Name == name {
			return true
		}
	}
	return false
}

// validate checks m and writes the converted fields to out, which may be m.
func (s *InputSpec) validate(m, out map[string]any, prefix string) (map[string]any, []FieldError) {
	var errs []FieldError
	for _, f := range s.fields {
		name := prefix + f.Name
		v, present := m[f.Name]
		if !present || v == nil {
			if f.hasDef {
				out[f.Name] = f.def
				continue
			}
			if f.Required {
				errs = append(errs, FieldError{Field: name, Code: "required", Message: "required"})
			}
			if present {
				out[f.Name] = nil // sent as null: "clear it", unlike not sent
			}
			continue
		}
		if f.List {
			items, ok := v.([]any)
			if !ok {
				errs = append(errs, FieldError{Field: name, Code: "type", Message: fmt.Sprintf("expected a list of %s, got %s", f.Type, value.TypeName(v))})
				continue
			}
			conv := make([]any, len(items))
			for i, it := range items {
				c, fe := f.convert(it, name+"["+strconv.Itoa(i)+"]")
				errs = append(errs, fe...)
				conv[i] = c
			}
			if fe := f.checkRange(float64(len(items)), name, "items"); fe != nil {
				errs = append(errs, *fe)
			}
			out[f.Name] = conv
			continue
		}
		c, fe := f.convert(v, name)
		errs = append(errs, fe...)
		out[f.Name] = c
	}
	return out, errs
}

func (f *inputField) checkRange(n float64, name, unit string) *FieldError {
	if f.Min != nil && n < *f.Min {
		return &FieldError{Field: name, Code: "min", Message: fmt.Sprintf("must be at least %v%s", *f.Min, plural(*f.Min, unit))}
	}
	if f.Max != nil && n > *f.Max {
		return &FieldError{Field: name, Code: "max", Message: fmt.Sprintf("must be at most %v%s", *f.Max, plural(*f.Max, unit))}
	}
	return nil
}

// plural turns a unit such as " characters" singular for 1.
func plural(n float64, unit string) string {
	if n == 1 {
		return strings.TrimSuffix(unit, "s")
	}
	return unit
}

// convert coerces one value of the field (an item, for a list) and checks
// the field's bounds and values on it.
func (f *inputField) convert(v any, name string) (any, []FieldError) {
	if f.typ == nil {
		return v, nil
	}
	if f.nested != nil && len(f.nested.fields) > 0 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, []FieldError{{Field: name, Code: "type", Message: fmt.Sprintf("expected %s, got %s", f.Type, value.TypeName(v))}}
		}
		return f.nested.validate(m, make(map[string]any, len(f.nested.fields)), name+".")
	}
	if p, text, bad := value.NonFinite(v, name); bad {
		return nil, []FieldError{{Field: p, Code: CodeNotFinite, Message: value.NonFiniteMessage(text)}}
	}
	c, err := f.typ.Coerce(v)
	if err != nil {
		return nil, []FieldError{{Field: name, Code: "type", Message: err.Error()}}
	}
	info := f.typ.Info()
	switch info.Bounds {
	case "length":
		if s, ok := c.(string); ok {
			if fe := f.checkRange(float64(len([]rune(s))), name, " characters"); fe != nil {
				return nil, []FieldError{*fe}
			}
		}
	case "value":
		if n, ok := value.Float(c); ok {
			if fe := f.checkRange(n, name, ""); fe != nil {
				return nil, []FieldError{*fe}
			}
		}
	case "size": // a file: its size in bytes
		if m, ok := c.(map[string]any); ok {
			if n, ok := value.Float(m["size"]); ok {
				if fe := f.checkRange(n, name, " bytes"); fe != nil {
					return nil, []FieldError{*fe}
				}
			}
		}
	}
	if s, ok := c.(string); ok && info.Values && len(f.Values) > 0 && !contains(f.Values, s) {
		return nil, []FieldError{{Field: name, Code: "enum", Message: "must be one of " + strings.Join(f.Values, ", ")}}
	}
	return c, nil
}

// ToInt converts JSON and Go numbers (and numeric strings) to int when
// they are whole.
func ToInt(v any) (int, bool) { return value.ToInt(v) }

// NormalizeNumbers turns json.Number values into int (when whole) or
// float64, so expressions see ordinary numbers (see exprfn.Numbers).
func NormalizeNumbers(v any) any { return exprfn.Numbers(v) }

// typeName names the JSON-ish type of a Go value for error messages.
func typeName(v any) string { return value.TypeName(v) }
