package engine

import "github.com/funcstack/funcstack/engine/value"

// JSONSchema returns a JSON Schema (2020-12) of the definition format,
// built from the step registry, for editors and other tools. The compiler
// remains the authority: it also checks scopes, names and expressions.
func JSONSchema() map[string]any {
	str := map[string]any{"type": "string"}
	name := map[string]any{"type": "string", "pattern": NamePattern.String()}
	duration := map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^[0-9]+d$`}
	steps := map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/step"}}
	kindSchema := func(f FieldSpec) map[string]any {
		var s map[string]any
		switch f.Kind {
		case FieldName, FieldFunction, FieldTable:
			s = clone(name)
		case FieldEnum:
			s = map[string]any{"enum": f.Values}
		case FieldBool:
			s = map[string]any{"type": "boolean"}
		case FieldInt:
			s = map[string]any{"type": "integer"}
		case FieldDuration:
			s = clone(duration)
		case FieldSteps:
			s = clone(steps)
		case FieldExprMap:
			s = map[string]any{"type": "object", "additionalProperties": str}
		case FieldExprList, FieldStringList:
			s = map[string]any{"type": "array", "items": str}
		case FieldCases:
			s = map[string]any{"type": "array", "items": map[string]any{
				"type": "object", "required": []string{"match"}, "additionalProperties": false,
				"properties": map[string]any{"match": str, "steps": steps}}}
		default:
			s = clone(str)
		}
		if f.Dynamic {
			s = map[string]any{"anyOf": []any{s, map[string]any{"type": "string", "description": "an expression giving the value"}}}
		}
		s["description"] = f.Description
		return s
	}
	var variants []any
	for _, t := range StepTypes() {
		props := map[string]any{"type": map[string]any{"const": t.Name}}
		required := []string{"type"}
		for _, f := range commonStepFields[1:] {
			props[f.Name] = kindSchema(f)
		}
		for _, f := range t.Fields {
			props[f.Name] = kindSchema(f)
			if f.Required {
				required = append(required, f.Name)
			}
		}
		variants = append(variants, map[string]any{
			"title": t.Name, "description": t.Description, "type": "object",
			"properties": props, "required": required, "additionalProperties": false,
		})
	}
	inputField := map[string]any{
		"type": "object", "required": []string{"name", "type"}, "additionalProperties": false,
		"properties": map[string]any{
			"name": name, "type": map[string]any{"enum": value.InputTypes()}, "description": str,
			"required": map[string]any{"type": "boolean"}, "list": map[string]any{"type": "boolean"},
			"default": map[string]any{}, "min": map[string]any{"type": "number"}, "max": map[string]any{"type": "number"},
			"values":    map[string]any{"type": "array", "items": str},
			"fields":    map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/input_field"}},
			"sensitive": map[string]any{"type": "boolean", "description": "keep the value out of execution records"},
		},
	}
	schema := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"title":       "funcstack definition",
		"description": "One funcstack definition: a function, endpoint, task, table or middleware.",
		"type":        "object",
		"required":    []string{"kind", "name"},
		"properties": map[string]any{
			"kind":        map[string]any{"enum": kinds},
			"name":        name,
			"description": str,
			"input":       map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/input_field"}},
			"output": map[string]any{"description": "what it answers: a list of fields (an object answer) or one field without a name",
				"oneOf": []any{
					map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/input_field"}},
					map[string]any{"$ref": "#/$defs/output_value"},
				}},
			"stack":         steps,
			"response":      map[string]any{"type": "string", "description": "an expression giving the response"},
			"settings":      map[string]any{"type": "object"},
			"method":        map[string]any{"enum": httpMethods},
			"path":          map[string]any{"type": "string", "pattern": "^/"},
			"middleware":    map[string]any{"type": "array", "items": name},
			"status":        map[string]any{"type": "integer", "minimum": 100, "maximum": 599},
			"promote_after": duration,
			"stage":         map[string]any{"enum": []string{StageBefore, StageAfter}, "description": "middleware: run before the endpoint (may reject or add to its input) or after it (may reshape its response)"},
			"schedule": map[string]any{"type": "object", "description": "task: when it runs, cron or every",
				"properties": map[string]any{
					"cron":     map[string]any{"type": "string", "description": "5 fields (minute hour day month weekday), 6 with seconds first, or a descriptor such as @hourly; UTC"},
					"every":    duration,
					"catch_up": map[string]any{"enum": []string{CatchUpOne, CatchUpNone}, "description": "ticks missed while no node could run them: one run for them all as soon as a node can (one, the default), or none"},
				},
				"additionalProperties": false},
			"id":       map[string]any{"enum": []string{"int", "uuid"}},
			"fields":   map[string]any{"type": "array"},
			"indexes":  map[string]any{"type": "array"},
			"triggers": map[string]any{"type": "array"},
		},
		"$defs": map[string]any{
			"step":        map[string]any{"oneOf": variants},
			"input_field": inputField,
			"output_value": func() map[string]any {
				v := clone(inputField)
				v["required"] = []string{"type"}
				props := clone(inputField["properties"].(map[string]any))
				delete(props, "name")
				delete(props, "default")
				v["properties"] = props
				return v
			}(),
		},
	}
	props := schema["properties"].(map[string]any)
	for _, f := range DefinitionFields() {
		fs := clone(f.Schema)
		fs["description"] = f.Description
		props[f.Name] = fs
	}
	return schema
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
