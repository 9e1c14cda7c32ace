package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine/value"
)

// Definition kinds.
const (
	KindFunction   = "function"
	KindEndpoint   = "endpoint"
	KindTask       = "task"
	KindTable      = "table"
	KindMiddleware = "middleware"
)

var kinds = []string{KindFunction, KindEndpoint, KindTask, KindTable, KindMiddleware}

// NamePattern is what every definition, variable and input name must match.
var NamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Definition is one JSON document of a workspace, decoded. Stacks stay raw
// here; Compile decodes them against the step registry.
type Definition struct {
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Input       []InputField      `json:"input,omitempty"`
	Stack       []json.RawMessage `json:"stack,omitempty"`
	Response    string            `json:"response,omitempty"`
	// Output declares what the function or endpoint answers (§28): an
	// object of fields when written as a list of fields (the syntax of
	// input), or one value's type when written as one field. It is
	// documented in OpenAPI and checked in debug runs.
	Output *InputField `json:"output,omitempty"`
	// outputFields: Output was written as a list of fields.
	outputFields bool
	Settings     Settings `json:"settings,omitzero"`

	// Endpoint fields.
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Auth   string `json:"auth,omitempty"`
	// AuthMethods are the auth methods any one of which an endpoint
	// accepts (AuthJWT, AuthAPIKey); Auth is the first.
	AuthMethods []string `json:"-"`
	// CORS overrides the server's cross-origin policy for an endpoint.
	CORS *CORS `json:"cors,omitempty"`
	// RateLimit bounds the HTTP calls of an endpoint or function.
	RateLimit    *RateLimit `json:"rate_limit,omitempty"`
	Middleware   []string   `json:"middleware,omitempty"`
	Status       int        `json:"status,omitempty"`
	PromoteAfter Duration   `json:"promote_after,omitzero"`

	// Middleware fields: Stage is StageBefore (the default) or StageAfter.
	Stage string `json:"stage,omitempty"`

	// Task fields.
	Schedule *Schedule `json:"schedule,omitempty"`

	// History is the history policy of a runnable definition (§29; nil:
	// the defaults).
	History *History `json:"history,omitempty"`

	// Table fields.
	IDType   string         `json:"id,omitempty"`
	Fields   []TableField   `json:"fields,omitempty"`
	Indexes  []TableIndex   `json:"indexes,omitempty"`
	Triggers []TableTrigger `json:"triggers,omitempty"`

	// File is where the definition was read from, if from a file.
	File string `json:"-"`
	// Raw is the document as read.
	Raw json.RawMessage `json:"-"`
	// Version is the stored version this is (0: not read from a store).
	Version int `json:"-"`
}

// InputField describes one input of a function, endpoint or task, or one
// field of an object input.
type InputField struct {
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Description string          `json:"description,omitempty"`
	Required    bool            `json:"required,omitempty"`
	List        bool            `json:"list,omitempty"`
	Default     json.RawMessage `json:"default,omitempty"`
	Min         *float64        `json:"min,omitempty"`
	Max         *float64        `json:"max,omitempty"`
	Values      []string        `json:"values,omitempty"`
	Fields      []InputField    `json:"fields,omitempty"`
	// Sensitive inputs (passwords, card numbers) are kept out of execution
	// records: they are stored as "[redacted]".
	Sensitive bool `json:"sensitive,omitempty"`
}

// Settings are run settings of functions and tasks.
type Settings struct {
	Timeout      Duration `json:"timeout,omitzero"`
	Retries      Retries  `json:"retries,omitzero"`
	Queue        string   `json:"queue,omitempty"`
	Public       bool     `json:"public,omitempty"`
	PromoteAfter Duration `json:"promote_after,omitzero"`
}

// Retries is a retry policy: at most Attempts runs in all, the second after
// Backoff, each later one after twice the previous wait.
type Retries struct {
	Attempts int      `json:"max_attempts,omitempty"`
	Backoff  Duration `json:"backoff,omitzero"`
	// NonRetryable lists error codes (a throw's code) that end a durable
	// run at once instead of retrying it.
	NonRetryable []string `json:"non_retryable,omitempty"`
}

// Schedule is when a task runs: a cron expression or a fixed interval.
type Schedule struct {
	Cron  string   `json:"cron,omitempty"`
	Every Duration `json:"every,omitzero"`
	// CatchUp is what becomes of ticks missed while no node could run
	// them: CatchUpOne (the default) runs one run for them all as soon as
	// a node can, CatchUpNone drops them.
	CatchUp string `json:"catch_up,omitempty"`
}

// Catch-up policies of a task's schedule.
const (
	CatchUpOne  = "one"
	CatchUpNone = "none"
)

// CatchUpPolicy is s's catch-up policy, CatchUpOne when unset.
func (s *Schedule) CatchUpPolicy() string {
	if s.CatchUp == "" {
		return CatchUpOne
	}
	return s.CatchUp
}

// Duration is a time.Duration written in JSON as "30s", "15m", "1h30m".
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// ParseDuration parses "30s", "15m", "2h", "1h30m", "500ms" and also "1d".
func ParseDuration(s string) (Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" && !strings.ContainsAny(n, "hmsuµn") {
		d, err := time.ParseDuration(n + "h")
		return Duration(d * 24), err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like \"30s\", \"15m\" or \"2h\"", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative; a duration must be positive", s)
	}
	return Duration(d), nil
}

// ParseDefinition decodes one JSON document. It reports every problem it
// finds in diags and returns nil only when the document is not a JSON
// object at all.
func ParseDefinition(file string, data []byte, diags *Diagnostics) *Definition {
	r := &reporter{file: file, diags: diags}
	if err := checkJSON(data); err != nil {
		r.errorf("", "invalid_json", "%s", err)
		return nil
	}
	// Name first, so every later diagnostic carries it.
	var head struct {
		Name any `json:"name"`
	}
	_ = json.Unmarshal(data, &head)
	if s, ok := head.Name.(string); ok && s != "" {
		r.def = s
	}
	o, ok := decodeObject(r, "", data)
	if !ok {
		return nil
	}
	d := &Definition{File: file, Raw: append(json.RawMessage(nil), data...)}
	if !o.has("kind") {
		o.used["kind"] = true
		r.errorf("kind", "required", "required: one of %s", strings.Join(kinds, ", "))
	}
	d.Kind = o.str("kind", false)
	d.Name = o.str("name", true)
	if d.Name != "" && !NamePattern.MatchString(d.Name) {
		r.errorf("name", "bad_name", "name %q must match [a-z][a-z0-9_]* (lower-case letters, digits, _)", d.Name)
	} else if len(d.Name) > MaxNameBytes {
		r.errorf("name", CodeLimit, "name %q is %d characters long; at most %d fit (limit max_name_bytes: names become PostgreSQL identifiers)", d.Name, len(d.Name), MaxNameBytes)
	}
	d.Description = o.str("description", false)
	known := []string{"kind", "name", "description"}
	switch d.Kind {
	case "":
	case KindFunction, KindEndpoint, KindTask, KindMiddleware:
		known = append(known, "input", "output", "stack", "response", "settings")
		d.Input = parseInputFields(o, "input")
		d.Output, d.outputFields = parseOutput(o)
		if items, ok := o.array("stack"); ok {
			d.Stack = items
		}
		if raw, ok := o.raw("response"); ok {
			if err := json.Unmarshal(raw, &d.Response); err != nil {
				r.errorf("response", "wrong_type", "expected an expression string, got %s; write it in quotes, e.g. \"{total: total}\"", jsonKind(raw))
			}
		}
		d.Settings = parseSettings(o)
		switch d.Kind {
		case KindEndpoint:
			known = append(known, "method", "path", "middleware", "status", "promote_after")
			parseEndpoint(o, d)
		case KindTask:
			known = append(known, "schedule")
			d.Schedule = parseSchedule(o)
		case KindMiddleware:
			known = append(known, "stage")
			parseMiddleware(o, d)
		}
	case KindTable:
		known = append(known, "id", "fields", "indexes", "triggers")
		parseTable(o, d)
	default:
		if s := closest(d.Kind, kinds); s != "" {
			r.errorf("kind", "bad_kind", "unknown kind %q (did you mean %q?)", d.Kind, s)
		} else {
			r.errorf("kind", "bad_kind", "unknown kind %q; use one of %s", d.Kind, strings.Join(kinds, ", "))
		}
		return d
	}
	if d.Kind == "" {
		return d // which fields are known depends on the kind
	}
	for _, f := range fieldsOf(d.Kind) {
		known = append(known, f.Name)
		f.parse(o, d)
	}
	o.rejectUnknown(known)
	return d
}

// checkJSON reports a syntax error with its line and column.
func checkJSON(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		if _, ok := v.(map[string]any); !ok {
			return fmt.Errorf("a definition must be a JSON object, got %s", jsonKind(data))
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the offending byte; point at it, not past it
		// (at the end of the input there is no byte to point at).
		off := int(se.Offset)
		if off > 0 && off < len(data) {
			off--
		}
		line, col := lineCol(data, off)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := lineCol(data, int(te.Offset))
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, te.Error())
	}
	return fmt.Errorf("invalid JSON: %s", err)
}

func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func parseInputFields(o *object, key string) []InputField {
	items, ok := o.array(key)
	if !ok {
		return nil
	}
	out := make([]InputField, 0, len(items))
	seen := map[string]bool{}
	for i, raw := range items {
		path := indexPath(o.at(key), i)
		fo, ok := decodeObject(o.r, path, raw)
		if !ok {
			continue
		}
		f := parseInputField(fo, true)
		if seen[f.Name] && f.Name != "" {
			what := "input"
			if key == "output" {
				what = "output field"
			}
			o.r.errorf(joinPath(path, "name"), "duplicate", "%s %q is defined twice", what, f.Name)
		}
		seen[f.Name] = true
		out = append(out, f)
	}
	return out
}

// parseOutput reads "output": a list of fields (an object answer, written
// like input) or one field without a name (any other answer, e.g.
// {"type": "int", "list": true}). Either way it becomes one field named
// output.
func parseOutput(o *object) (*InputField, bool) {
	raw, ok := o.raw("output")
	if !ok || isNull(raw) {
		return nil, false
	}
	switch firstByte(raw) {
	case '[':
		return &InputField{Name: "output", Type: value.Object.Info().Name, Required: true, Fields: parseInputFields(o, "output")}, true
	case '{':
		fo, ok := decodeObject(o.r, o.at("output"), raw)
		if !ok {
			return nil, false
		}
		f := parseInputField(fo, false)
		if f.Name != "" {
			o.r.errorf(joinPath(fo.path, "name"), "bad_output", "a one-value output has no name; to declare an object's fields, write output as a list of fields like input")
		}
		if len(f.Default) > 0 {
			o.r.errorf(joinPath(fo.path, "default"), "bad_output", "an output has no default; give the value in the stack's return")
			f.Default = nil
		}
		f.Name = "output"
		return &f, false
	}
	o.r.errorf(o.at("output"), "wrong_type", `expected a list of fields like input ([{"name": "total", "type": "decimal"}]) or one field ({"type": "int", "list": true}), got %s`, jsonKind(raw))
	return nil, false
}

// firstByte is the first byte of a JSON value that is not white space.
func firstByte(raw json.RawMessage) byte {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\n', '\r':
		default:
			return b
		}
	}
	return 0
}

// parseInputField reads one field of an input (named) or an output (the
// one-value form has no name).
func parseInputField(fo *object, named bool) InputField {
	path := fo.path
	f := InputField{Name: fo.str("name", named), Type: fo.str("type", true)}
	if f.Name != "" && !NamePattern.MatchString(f.Name) {
		fo.r.errorf(joinPath(path, "name"), "bad_name", "input name %q must match [a-z][a-z0-9_]*", f.Name)
	}
	if inputTypes := value.InputTypes(); f.Type != "" && !contains(inputTypes, f.Type) {
		msg := fmt.Sprintf("unknown input type %q; use one of %s", f.Type, strings.Join(inputTypes, ", "))
		if t := value.Lookup(f.Type); t != nil && t.Info().Planned != "" {
			msg = value.Unknown(f.Type, inputTypes)
		} else if s := closest(f.Type, inputTypes); s != "" {
			msg = fmt.Sprintf("unknown input type %q (did you mean %q?)", f.Type, s)
		}
		fo.r.errorf(joinPath(path, "type"), "bad_type", "%s", msg)
	}
	f.Description = fo.str("description", false)
	f.Required = fo.boolean("required")
	f.List = fo.boolean("list")
	if raw, ok := fo.raw("default"); ok {
		f.Default = raw
	}
	if v, ok := fo.number("min"); ok {
		f.Min = &v
	}
	if v, ok := fo.number("max"); ok {
		f.Max = &v
	}
	f.Values = fo.strings("values")
	f.Sensitive = fo.boolean("sensitive")
	if fo.has("fields") {
		f.Fields = parseInputFields(fo, "fields")
		if t := value.Usable(f.Type); t != nil && !t.Info().Fields {
			fo.r.errorf(joinPath(path, "fields"), "bad_type", "only inputs of type %s have fields (this one is %s)", strings.Join(typesWith(func(i value.Info) bool { return i.Fields }), " or "), f.Type)
		}
	} else if t := value.Usable(f.Type); t != nil && t.Info().Fields {
		fo.used["fields"] = true
	}
	fo.rejectUnknown([]string{"name", "type", "description", "required", "list", "default", "min", "max", "values", "fields", "sensitive"})
	return f
}

func parseDuration(o *object, key string) Duration {
	s := o.str(key, false)
	if s == "" {
		return 0
	}
	d, err := ParseDuration(s)
	if err != nil {
		o.r.errorf(o.at(key), "bad_duration", "%s", err)
	}
	return d
}

func parseSettings(parent *object) Settings {
	var s Settings
	raw, ok := parent.raw("settings")
	if !ok {
		return s
	}
	o, ok := decodeObject(parent.r, "settings", raw)
	if !ok {
		return s
	}
	s.Timeout = parseDuration(o, "timeout")
	s.Queue = o.str("queue", false)
	if s.Queue != "" && !NamePattern.MatchString(s.Queue) {
		o.r.errorf(o.at("queue"), "bad_name", "queue name %q must match [a-z][a-z0-9_]*", s.Queue)
	}
	s.Public = o.boolean("public")
	s.PromoteAfter = parseDuration(o, "promote_after")
	if rraw, ok := o.raw("retries"); ok {
		if n, err := jsonInt(rraw); err == nil {
			s.Retries.Attempts = n
		} else if ro, ok := decodeObject(o.r, o.at("retries"), rraw); ok {
			if n, ok := ro.integer("max_attempts"); ok {
				s.Retries.Attempts = int(n)
			}
			s.Retries.Backoff = parseDuration(ro, "backoff")
			s.Retries.NonRetryable = ro.strings("non_retryable")
			ro.rejectUnknown([]string{"max_attempts", "backoff", "non_retryable"})
		}
		if s.Retries.Attempts < 0 || s.Retries.Attempts > 100 {
			o.r.errorf(o.at("retries"), "bad_value", "max_attempts must be between 1 and 100")
		}
	}
	o.rejectUnknown([]string{"timeout", "retries", "queue", "public", "promote_after"})
	return s
}

func jsonInt(raw json.RawMessage) (int, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != float64(int(f)) {
		return 0, errors.New("not an integer")
	}
	return int(f), nil
}

var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

func parseEndpoint(o *object, d *Definition) {
	d.Method = strings.ToUpper(o.str("method", true))
	if d.Method != "" && !contains(httpMethods, d.Method) {
		o.r.errorf("method", "bad_value", "method %q is not one of %s", d.Method, strings.Join(httpMethods, ", "))
	}
	d.Path = o.str("path", true)
	if d.Path != "" && !strings.HasPrefix(d.Path, "/") {
		o.r.errorf("path", "bad_value", "path %q must start with /", d.Path)
	}
	d.Middleware = o.strings("middleware")
	if n, ok := o.integer("status"); ok {
		if n < 100 || n > 599 {
			o.r.errorf("status", "bad_value", "status %d is not an HTTP status (100-599)", n)
		}
		d.Status = int(n)
	}
	d.PromoteAfter = parseDuration(o, "promote_after")
}

// Middleware stages.
const (
	StageBefore = "before"
	StageAfter  = "after"
)

// parseMiddleware reads a middleware's stage.
func parseMiddleware(o *object, d *Definition) {
	d.Stage = o.str("stage", false)
	switch d.Stage {
	case "":
		d.Stage = StageBefore
	case StageBefore, StageAfter:
	default:
		o.r.errorf("stage", "bad_value", "stage %q is not \"before\" (run before the endpoint; the default) or \"after\" (reshape its response)", d.Stage)
	}
}

// RunInputs are the inputs a runnable definition is validated against: its
// own, and for an after-middleware also response (json) and status (int),
// the endpoint's answer, unless it declares them itself.
func (d *Definition) RunInputs() []InputField {
	if d.Kind != KindMiddleware || d.Stage != StageAfter {
		return d.Input
	}
	in := d.Input
	has := func(n string) bool {
		for _, f := range d.Input {
			if f.Name == n {
				return true
			}
		}
		return false
	}
	if !has("response") {
		in = append(in[:len(in):len(in)], InputField{Name: "response", Type: "json", Description: "the endpoint's response"})
	}
	if !has("status") {
		in = append(in[:len(in):len(in)], InputField{Name: "status", Type: "int", Description: "the endpoint's HTTP status"})
	}
	return in
}

func parseSchedule(parent *object) *Schedule {
	raw, ok := parent.raw("schedule")
	if !ok {
		return nil
	}
	o, ok := decodeObject(parent.r, "schedule", raw)
	if !ok {
		return nil
	}
	s := &Schedule{Cron: o.str("cron", false), Every: parseDuration(o, "every"), CatchUp: o.str("catch_up", false)}
	if s.CatchUp != "" && s.CatchUp != CatchUpOne && s.CatchUp != CatchUpNone {
		o.r.errorf("schedule.catch_up", "bad_value", "catch_up %q must be \"one\" (ticks missed while no node could run them run once, as soon as one can; the default) or \"none\" (they are dropped)", s.CatchUp)
	}
	if (s.Cron == "") == (s.Every == 0) {
		o.r.errorf("schedule", "bad_value", "give exactly one of cron (e.g. \"*/5 * * * *\") or every (e.g. \"1m\")")
	}
	if s.Cron != "" && !strings.HasPrefix(s.Cron, "@") && len(strings.Fields(s.Cron)) != 5 && len(strings.Fields(s.Cron)) != 6 {
		o.r.errorf("schedule.cron", "bad_value", "cron %q must have 5 fields (minute hour day month weekday), 6 with seconds first, or be a descriptor such as @hourly", s.Cron)
	} else if _, err := ParseCron(s.Cron); s.Cron != "" && err != nil {
		o.r.errorf("schedule.cron", "bad_value", "cron %q: %v", s.Cron, err)
	}
	o.rejectUnknown([]string{"cron", "every", "catch_up"})
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
