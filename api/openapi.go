package api

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/api/docs"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// GET /openapi.json is an OpenAPI 3.1 document of the generated endpoints,
// made from the program the engine has loaded when it is asked for (and
// kept until another program is loaded): each endpoint's method and path,
// its path parameters, its other inputs as query parameters (GET, DELETE)
// or a JSON body (POST, PUT, PATCH) with JSON Schemas from the input
// types, its responses including the error shape of docs/design.md §10 Errors, and
// "auth": "jwt" as a bearer security scheme; and POST /function/{name} and
// /async-function/{name} of every public function. A success response's
// schema is the declared output, else what the compiler knows of the
// answer, else any value (docs/design.md §28). GET /docs renders it.

// openAPI caches the document of one program.
type openAPI struct {
	mu   sync.Mutex
	prog *engine.Program
	doc  []byte
}

func (s *Server) openapiJSON(c *gin.Context) {
	p := s.cfg.Engine.Program()
	s.oapi.mu.Lock()
	if s.oapi.prog != p || s.oapi.doc == nil {
		b, err := marshal(OpenAPI(p))
		if err != nil {
			s.oapi.mu.Unlock()
			writeError(c, &engine.Error{Code: engine.CodeInternal, Message: "writing the OpenAPI document: " + err.Error()})
			return
		}
		s.oapi.prog, s.oapi.doc = p, b
	}
	doc := s.oapi.doc
	s.oapi.mu.Unlock()
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
}

// obj is a JSON object under construction.
type obj = map[string]any

// OpenAPI returns the OpenAPI 3.1 document of p's endpoints.
func OpenAPI(p *engine.Program) map[string]any {
	var fns, public []*engine.Function
	if p != nil {
		for _, f := range p.Functions {
			switch {
			case f.Kind == engine.KindEndpoint:
				fns = append(fns, f)
			case f.Kind == engine.KindFunction && f.Def.Settings.Public:
				public = append(public, f)
			}
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	sort.Slice(public, func(i, j int) bool { return public[i].Name < public[j].Name })
	paths := obj{}
	for _, f := range public {
		paths["/function/"+f.Name] = obj{"post": functionOperation(f, false)}
		paths["/async-function/"+f.Name] = obj{"post": functionOperation(f, true)}
	}
	usesJWT, usesKeys := false, false
	for _, f := range fns {
		d := f.Def
		path, params := openAPIPath(d.Path)
		item, _ := paths[path].(obj)
		if item == nil {
			item = obj{}
			paths[path] = item
		}
		item[strings.ToLower(d.Method)] = operation(p, f, params)
		usesJWT = usesJWT || d.Accepts(engine.AuthJWT)
		usesKeys = usesKeys || d.Accepts(engine.AuthAPIKey)
	}
	components := obj{
		"schemas": obj{
			"Error": obj{
				"type": "object", "required": []string{"error"}, "additionalProperties": false,
				"description": "Every error funcstack answers (docs/design.md §10 Errors).",
				"properties": obj{"error": obj{
					"type": "object", "required": []string{"code", "message"},
					"properties": obj{
						"code":         obj{"type": "string", "description": "what went wrong, for programs (invalid_input, unauthorized, timeout, …, or a throw's code)"},
						"message":      obj{"type": "string", "description": "what went wrong, where, and what to do"},
						"definition":   obj{"type": "string", "description": "the definition the error comes from"},
						"path":         obj{"type": "string", "description": "the JSON path of the step or field in that definition"},
						"execution_id": obj{"type": "string", "format": "uuid", "description": "the execution, readable under /_/api/executions/{id}"},
						"fields": obj{"type": "array", "description": "every failing input field", "items": obj{
							"type": "object", "required": []string{"field", "code", "message"},
							"properties": obj{"field": obj{"type": "string"}, "code": obj{"type": "string"}, "message": obj{"type": "string"}},
						}},
					},
				}},
			},
			"Promoted": obj{
				"type": "object", "required": []string{"id", "status_url"},
				"description": "A run that goes on in the background: queued by /async-function, or a run that outgrew promote_after.",
				"properties": obj{
					"id":         obj{"type": "string", "format": "uuid", "description": "the execution ID (also in X-Call-Id)"},
					"status_url": obj{"type": "string", "description": "where the execution record is read (admin token)"},
				},
			},
		},
		"responses": obj{
			"Error": obj{"description": "An error; the status says which kind.", "content": jsonContent(ref("schemas", "Error"))},
		},
	}
	doc := obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "funcstack API",
			"version":     "1",
			"description": "The endpoints generated from this funcstack workspace's endpoint definitions. Errors have one shape, Error.",
		},
		"servers":    []any{obj{"url": "/"}},
		"paths":      paths,
		"components": components,
	}
	schemes := obj{}
	if usesJWT {
		schemes["jwt"] = obj{
			"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
			"description": "An HS256 token with exp, signed with the server's JWT secret (the auth.token step makes them).",
		}
	}
	if usesKeys {
		schemes["api_key"] = obj{
			"type": "apiKey", "in": "header", "name": "X-Api-Key",
			"description": "An API key (fsk_…) with a scope that allows the call; Authorization: Bearer fsk_… works too. Made with funcstack keys create or POST /_/api/keys.",
		}
	}
	if len(schemes) > 0 {
		components["securitySchemes"] = schemes
	}
	return doc
}

// openAPIPath turns /a/:id/*rest into /a/{id}/{rest} and lists the
// parameter names.
func openAPIPath(p string) (string, []string) {
	segs := strings.Split(p, "/")
	var names []string
	for i, s := range segs {
		if len(s) > 1 && (s[0] == ':' || s[0] == '*') {
			names = append(names, s[1:])
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/"), names
}

func operation(p *engine.Program, f *engine.Function, pathParams []string) obj {
	d := f.Def
	inputs := map[string]engine.InputField{}
	var order []string
	add := func(fields []engine.InputField) {
		for _, in := range fields {
			if _, ok := inputs[in.Name]; !ok {
				inputs[in.Name] = in
				order = append(order, in.Name)
			}
		}
	}
	add(d.Input)
	// Before-middleware reads the same request: its inputs are asked for too.
	for _, name := range d.Middleware {
		if mw := p.Definitions[name]; mw != nil && mw.Kind == engine.KindMiddleware && mw.Stage != engine.StageAfter {
			add(mw.Input)
		}
	}
	op := obj{"operationId": d.Name}
	if d.Description != "" {
		op["summary"] = d.Description
	}
	var params []any
	isPath := map[string]bool{}
	for _, name := range pathParams {
		isPath[name] = true
		sc := obj{"type": "string"}
		if in, ok := inputs[name]; ok {
			sc = inputSchema(in)
		}
		params = append(params, obj{"name": name, "in": "path", "required": true, "schema": sc})
	}
	body := obj{"type": "object", "properties": obj{}}
	var required []string
	hasBody := d.Method == "POST" || d.Method == "PUT" || d.Method == "PATCH"
	for _, name := range order {
		if isPath[name] {
			continue
		}
		in := inputs[name]
		if hasBody {
			body["properties"].(obj)[name] = inputSchema(in)
			if in.Required && in.Default == nil {
				required = append(required, name)
			}
			continue
		}
		q := obj{"name": name, "in": "query", "schema": inputSchema(in)}
		if in.Description != "" {
			q["description"] = in.Description
		}
		if in.Required && in.Default == nil {
			q["required"] = true
		}
		params = append(params, q)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if hasBody && len(body["properties"].(obj)) > 0 {
		if len(required) > 0 {
			body["required"] = required
		}
		content := jsonContent(body)
		// The same fields as multipart parts when a file is among them
		// (docs/design.md §26).
		hasFile, form := false, obj{"type": "object"}
		props := obj{}
		for name, sc := range body["properties"].(obj) {
			if inputs[name].Type == value.File.Info().Name {
				hasFile = true
				sc = obj{"type": "string", "format": "binary"}
				if inputs[name].List {
					sc = obj{"type": "array", "items": sc}
				}
			}
			props[name] = sc
		}
		form["properties"] = props
		if len(required) > 0 {
			form["required"] = required
		}
		if hasFile {
			content["multipart/form-data"] = obj{"schema": form}
		}
		op["requestBody"] = obj{"required": len(required) > 0, "content": content}
	}
	st := d.Status
	if st == 0 {
		st = http.StatusOK
	}
	responses := obj{}
	if st == http.StatusNoContent {
		responses["204"] = obj{"description": "Done; no content."}
	} else {
		responses[strconv.Itoa(st)] = obj{"description": "The endpoint's response.", "content": jsonContent(answerSchema(f))}
	}
	for code, desc := range respondStatuses(d) {
		if _, ok := responses[code]; !ok {
			responses[code] = obj{"description": desc}
		}
	}
	errRef := ref("responses", "Error")
	responses["400"] = errRef
	if hasBody {
		responses["413"] = errRef
		responses["415"] = errRef
	}
	if d.PromoteAfter > 0 || d.Settings.PromoteAfter > 0 {
		responses["202"] = obj{
			"description": "Still running after promote_after: the run goes on; its record is at status_url.",
			"headers":     obj{"X-Call-Id": obj{"description": "the execution ID", "schema": obj{"type": "string", "format": "uuid"}}},
			"content":     jsonContent(ref("schemas", "Promoted")),
		}
	}
	// Each accepted method is an alternative.
	var security []any
	if d.Accepts(engine.AuthJWT) {
		security = append(security, obj{"jwt": []string{}})
	}
	if d.Accepts(engine.AuthAPIKey) {
		security = append(security, obj{"api_key": []string{}})
		responses["403"] = errRef // a key without the scope
	}
	if len(security) > 0 {
		op["security"] = security
		responses["401"] = errRef
	}
	responses["500"] = errRef
	responses["504"] = errRef
	responses["default"] = errRef
	op["responses"] = responses
	return op
}

// functionOperation documents POST /function/{name} (async false) or
// /async-function/{name} of a public function.
func functionOperation(f *engine.Function, async bool) obj {
	d := f.Def
	op := obj{"operationId": d.Name}
	if async {
		op["operationId"] = d.Name + "_async"
	}
	if d.Description != "" {
		op["summary"] = d.Description
	}
	body := obj{"type": "object", "properties": obj{}}
	var required []string
	for _, in := range d.Input {
		body["properties"].(obj)[in.Name] = inputSchema(in)
		if in.Required && in.Default == nil {
			required = append(required, in.Name)
		}
	}
	if len(required) > 0 {
		body["required"] = required
	}
	op["requestBody"] = obj{"required": len(required) > 0, "content": jsonContent(body)}
	errRef := ref("responses", "Error")
	callID := obj{"X-Call-Id": obj{"description": "the execution ID", "schema": obj{"type": "string", "format": "uuid"}}}
	responses := obj{"400": errRef, "413": errRef, "415": errRef, "500": errRef, "default": errRef}
	if async {
		responses["503"] = errRef // no durable queue (funcstack run, or the database is down)
		op["description"] = "Queues a durable run and answers at once; the execution's record is at status_url. " +
			"Idempotency-Key gives the same execution for the same key; X-Callback-Url receives the result."
		op["parameters"] = []any{
			obj{"name": "Idempotency-Key", "in": "header", "schema": obj{"type": "string", "maxLength": maxIdempotencyKey}},
			obj{"name": "X-Callback-Url", "in": "header", "schema": obj{"type": "string", "format": "uri"}},
		}
		responses["202"] = obj{"description": "Queued.", "headers": callID, "content": jsonContent(ref("schemas", "Promoted"))}
	} else {
		responses["200"] = obj{"description": "The function's answer.", "content": jsonContent(answerSchema(f))}
		responses["504"] = errRef
		if d.Settings.PromoteAfter > 0 {
			responses["202"] = obj{"description": "Still running after promote_after: the run goes on; its record is at status_url.",
				"headers": callID, "content": jsonContent(ref("schemas", "Promoted"))}
		}
	}
	op["responses"] = responses
	return op
}

// answerSchema is the schema of what f answers: its declared output, else
// what the compiler knows of its answer, else any value.
func answerSchema(f *engine.Function) obj {
	if out := f.Def.Output; out != nil {
		return fieldSchema(*out, true)
	}
	if s := f.AnswerSchema(); s != nil {
		return s
	}
	return obj{}
}

func ref(section, name string) obj { return obj{"$ref": "#/components/" + section + "/" + name} }

func jsonContent(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }

// inputSchema is the JSON Schema of an input field, mirroring what the
// engine's input validation accepts.
func inputSchema(in engine.InputField) obj { return fieldSchema(in, false) }

// fieldSchema is the schema of an input field, or (answer) of an output
// field: values as funcstack writes them.
func fieldSchema(in engine.InputField, answer bool) obj {
	s := itemSchema(in, answer)
	if in.List {
		s = obj{"type": "array", "items": s}
		if in.Min != nil {
			s["minItems"] = int(*in.Min)
		}
		if in.Max != nil {
			s["maxItems"] = int(*in.Max)
		}
	}
	if in.Description != "" {
		s["description"] = in.Description
	}
	if in.Default != nil {
		var v any
		if json.Unmarshal(in.Default, &v) == nil {
			s["default"] = v
		}
	}
	if in.Sensitive && !answer {
		s["writeOnly"] = true // answered fields are answered, sensitive or not
	}
	return s
}

// itemSchema is the schema of one value of the field's type (min and max
// bound each value, and a list's length too).
func itemSchema(in engine.InputField, answer bool) obj {
	var s obj
	bounds := func(lo, hi string) {
		if in.Min != nil {
			s[lo] = number(*in.Min)
		}
		if in.Max != nil {
			s[hi] = number(*in.Max)
		}
	}
	t := value.Usable(in.Type)
	if t == nil {
		return obj{}
	}
	if answer {
		s = value.AnswerSchema(t)
	} else {
		s = t.Schema()
	}
	info := t.Info()
	switch info.Bounds {
	case "length":
		bounds("minLength", "maxLength")
	case "value":
		bounds("minimum", "maximum")
	}
	if info.Values && len(in.Values) > 0 {
		s["enum"] = in.Values
	}
	if info.Fields && len(in.Fields) > 0 {
		props := obj{}
		var req []string
		for _, f := range in.Fields {
			props[f.Name] = fieldSchema(f, answer)
			if f.Required && f.Default == nil {
				req = append(req, f.Name)
			}
		}
		s["properties"] = props
		if len(req) > 0 {
			s["required"] = req
		}
	}
	return s
}

// number writes whole bounds as integers.
func number(f float64) any {
	if f == float64(int64(f)) {
		return int64(f)
	}
	return f
}

// docsPage serves GET /docs, which renders /openapi.json in the browser.
func docsPage(c *gin.Context) {
	c.Header("Content-Security-Policy", docs.CSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docs.Page)
}

// respondStatuses finds the statuses d's respond steps declare (a number,
// or an expression that is one), each with its description: what OpenAPI
// lists beside the endpoint's own status.
func respondStatuses(d *engine.Definition) map[string]string {
	out := map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, it := range x {
				walk(it)
			}
		case map[string]any:
			if x["type"] == "respond" {
				code := ""
				switch st := x["status"].(type) {
				case float64:
					code = strconv.Itoa(int(st))
				case string:
					if n, err := strconv.Atoi(strings.TrimSpace(st)); err == nil {
						code = strconv.Itoa(n)
					}
				case nil:
					code = "200"
					if x["redirect"] != nil {
						code = "302"
					}
				}
				if code != "" {
					desc := "Answered by a respond step."
					if x["redirect"] != nil {
						desc = "A redirect (Location) by a respond step."
					}
					out[code] = desc
				}
			}
			for _, f := range x {
				walk(f)
			}
		}
	}
	for _, raw := range d.Stack {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			walk(v)
		}
	}
	return out
}
