package engine

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Access fields: who may call an endpoint or function over HTTP, from
// which browser origins, and how often (docs/design.md §27). They are
// definition fields of their own registry (DefinitionFields), which the
// parser, the JSON Schema, the builder and docs/format.md read.

// Auth methods an endpoint may require ("auth").
const (
	AuthJWT    = "jwt"
	AuthAPIKey = "api_key"
	AuthNone   = "none"
)

// CORS is a cross-origin policy: the server's (flags and environment) or
// an endpoint's "cors" field, whose set fields override the server's.
type CORS struct {
	// Origins are allowed browser origins: "*" (any), exact origins
	// ("https://app.example.com") and patterns with one "*" in the host
	// ("https://*.example.com": any subdomain). Empty: no cross-origin
	// requests are allowed.
	Origins []string `json:"origins,omitempty"`
	// Methods a preflight may ask for (default: the methods served at
	// the path).
	Methods []string `json:"methods,omitempty"`
	// Headers a request may send (default DefaultCORSHeaders; "*": any).
	Headers []string `json:"headers,omitempty"`
	// Credentials lets the browser send cookies and Authorization.
	Credentials *bool `json:"credentials,omitempty"`
	// MaxAge is how long a browser may keep a preflight's answer
	// (default 10m).
	MaxAge Duration `json:"max_age,omitzero"`
}

// DefaultCORSHeaders are the request headers a CORS policy allows when it
// names none.
var DefaultCORSHeaders = []string{"Authorization", "Content-Type", "X-Api-Key", "Idempotency-Key", "X-Callback-Url"}

// Override returns c with the fields set in o replacing c's.
func (c CORS) Override(o *CORS) CORS {
	if o == nil {
		return c
	}
	if o.Origins != nil {
		c.Origins = o.Origins
	}
	if o.Methods != nil {
		c.Methods = o.Methods
	}
	if o.Headers != nil {
		c.Headers = o.Headers
	}
	if o.Credentials != nil {
		c.Credentials = o.Credentials
	}
	if o.MaxAge != 0 {
		c.MaxAge = o.MaxAge
	}
	return c
}

// CheckOrigin reports what is wrong with an allowed-origin entry, or nil:
// "*", scheme://host[:port] without a path, or such an origin with one "*"
// standing for a run of host labels ("https://*.example.com").
func CheckOrigin(o string) error {
	if o == "*" {
		return nil
	}
	if strings.Count(o, "*") > 1 {
		return fmt.Errorf("origin %q has more than one *; use one, e.g. \"https://*.example.com\"", o)
	}
	u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("origin %q is not an origin; write scheme://host[:port] with nothing after it, e.g. \"https://app.example.com\" or \"https://*.example.com\"", o)
	}
	if strings.Contains(o, "*") && !strings.HasPrefix(u.Host, "wildcard.") {
		return fmt.Errorf("origin %q: * may only stand first in the host, e.g. \"https://*.example.com\"", o)
	}
	return nil
}

// RateLimit bounds how often an endpoint or function is called: at most
// Limit requests per Window for each value of Per.
type RateLimit struct {
	Limit  int      `json:"limit"`
	Window Duration `json:"window"`
	// Per is what is counted apart: RatePerIP (the default: the client's
	// address), RatePerKey (the API key, else the client's address) or an
	// expression over auth, request and input (e.g. "auth.sub").
	Per string `json:"per,omitempty"`
}

// What a rate limit counts apart.
const (
	RatePerIP  = "ip"
	RatePerKey = "key"
)

// Bounds of a rate limit.
const (
	MinRateWindow = time.Second
	MaxRateWindow = 24 * time.Hour
)

// DefinitionField is one registered definition field outside stacks and
// inputs: its name, the kinds it belongs to, what it means, an example,
// its JSON Schema, and how it is parsed into a Definition.
type DefinitionField struct {
	Name        string          `json:"name"`
	Kinds       []string        `json:"kinds"`
	Description string          `json:"description"`
	Example     json.RawMessage `json:"example"`
	Schema      map[string]any  `json:"schema"`
	parse       func(o *object, d *Definition)
}

var definitionFields []*DefinitionField

// DefinitionFields lists the registered definition fields.
func DefinitionFields() []*DefinitionField { return definitionFields }

// fieldsOf names the registered fields of kind.
func fieldsOf(kind string) []*DefinitionField {
	var out []*DefinitionField
	for _, f := range definitionFields {
		if contains(f.Kinds, kind) {
			out = append(out, f)
		}
	}
	return out
}

func init() {
	str := map[string]any{"type": "string"}
	durationSchema := map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^[0-9]+d$`}
	authNames := []string{AuthJWT, AuthAPIKey, AuthNone}
	definitionFields = []*DefinitionField{
		{
			Name: "auth", Kinds: []string{KindEndpoint},
			Description: "who may call the endpoint: \"jwt\" (a bearer JWT signed with the server's secret), \"api_key\" (an API key allowed to call it), a list of them (any one will do), or \"none\" (anyone; the default)",
			Example:     json.RawMessage(`["jwt", "api_key"]`),
			Schema: map[string]any{"oneOf": []any{
				map[string]any{"enum": authNames},
				map[string]any{"type": "array", "items": map[string]any{"enum": authNames[:2]}, "minItems": 1, "uniqueItems": true},
			}},
			parse: parseAuth,
		},
		{
			Name: "cors", Kinds: []string{KindEndpoint},
			Description: "the endpoint's cross-origin policy; the fields set replace the server's (--cors-origins and the other --cors flags)",
			Example:     json.RawMessage(`{"origins": ["https://app.example.com", "https://*.example.com"], "credentials": true, "max_age": "1h"}`),
			Schema: map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
				"origins":     map[string]any{"type": "array", "items": str, "description": "allowed origins: \"*\", \"https://app.example.com\", \"https://*.example.com\"; [] allows none"},
				"methods":     map[string]any{"type": "array", "items": map[string]any{"enum": httpMethods}, "description": "methods a preflight may ask for (default: those served at the path)"},
				"headers":     map[string]any{"type": "array", "items": str, "description": "request headers allowed (default Authorization, Content-Type, X-Api-Key, Idempotency-Key, X-Callback-Url; \"*\": any)"},
				"credentials": map[string]any{"type": "boolean", "description": "let browsers send cookies and Authorization"},
				"max_age":     durationSchema,
			}},
			parse: func(o *object, d *Definition) { d.CORS = parseCORS(o) },
		},
		{
			Name: "rate_limit", Kinds: []string{KindEndpoint, KindFunction},
			Description: "at most limit HTTP calls per window for each client (per: \"ip\", the default; \"key\": per API key; or an expression over auth, request and input, e.g. \"auth.sub\"); more get 429 with Retry-After",
			Example:     json.RawMessage(`{"limit": 100, "window": "1m", "per": "ip"}`),
			Schema: map[string]any{"type": "object", "additionalProperties": false, "required": []string{"limit", "window"}, "properties": map[string]any{
				"limit":  map[string]any{"type": "integer", "minimum": 1},
				"window": durationSchema,
				"per":    str,
			}},
			parse: func(o *object, d *Definition) { d.RateLimit = parseRateLimit(o) },
		},
	}
}

// parseAuth reads "auth": one method or a list of them.
func parseAuth(o *object, d *Definition) {
	raw, ok := o.raw("auth")
	if !ok {
		return
	}
	var one string
	var list []string
	if json.Unmarshal(raw, &one) == nil {
		list = []string{one}
	} else if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		o.r.errorf("auth", "wrong_type", "expected \"jwt\", \"api_key\", \"none\" or a list such as [\"jwt\", \"api_key\"], got %s", jsonKind(raw))
		return
	}
	for i, m := range list {
		path := "auth"
		if json.Unmarshal(raw, &one) != nil {
			path = indexPath("auth", i)
		}
		switch {
		case m == AuthJWT || m == AuthAPIKey:
		case m == AuthNone && len(list) == 1:
			continue
		case m == AuthNone:
			o.r.errorf(path, "bad_value", "\"none\" cannot stand in a list; leave auth out for an open endpoint")
			continue
		default:
			msg := fmt.Sprintf("auth %q is not supported; use \"jwt\", \"api_key\", a list of both, or leave it out", m)
			if s := closest(m, []string{AuthJWT, AuthAPIKey}); s != "" {
				msg = fmt.Sprintf("auth %q is not supported (did you mean %q?)", m, s)
			}
			o.r.errorf(path, "bad_value", "%s", msg)
			continue
		}
		if contains(d.AuthMethods, m) {
			o.r.errorf(path, "duplicate", "auth lists %q twice", m)
			continue
		}
		d.AuthMethods = append(d.AuthMethods, m)
	}
	if len(d.AuthMethods) > 0 {
		d.Auth = d.AuthMethods[0]
	}
}

// Accepts reports whether the endpoint accepts the auth method m.
func (d *Definition) Accepts(m string) bool { return contains(d.AuthMethods, m) }

func parseCORS(parent *object) *CORS {
	raw, ok := parent.raw("cors")
	if !ok {
		return nil
	}
	o, ok := decodeObject(parent.r, "cors", raw)
	if !ok {
		return nil
	}
	c := &CORS{}
	if o.has("origins") {
		c.Origins = o.strings("origins")
		if c.Origins == nil {
			c.Origins = []string{}
		}
		for i, or := range c.Origins {
			if err := CheckOrigin(or); err != nil {
				o.r.errorf(indexPath(o.at("origins"), i), "bad_value", "%v", err)
			}
		}
	} else if _, isSet := o.fields["origins"]; isSet {
		o.used["origins"] = true
		c.Origins = []string{}
	}
	if o.has("methods") {
		c.Methods = []string{}
		for i, m := range o.strings("methods") {
			m = strings.ToUpper(m)
			if !contains(httpMethods, m) {
				o.r.errorf(indexPath(o.at("methods"), i), "bad_value", "method %q is not one of %s", m, strings.Join(httpMethods, ", "))
			}
			c.Methods = append(c.Methods, m)
		}
	}
	if o.has("headers") {
		c.Headers = o.strings("headers")
		if c.Headers == nil {
			c.Headers = []string{}
		}
	}
	if o.has("credentials") {
		b := o.boolean("credentials")
		c.Credentials = &b
	}
	c.MaxAge = parseDuration(o, "max_age")
	if c.Credentials != nil && *c.Credentials && contains(c.Origins, "*") {
		o.r.errorf(o.at("origins"), "bad_value", "\"*\" cannot be used with credentials: browsers refuse it; list the origins, or use a pattern such as \"https://*.example.com\"")
	}
	o.rejectUnknown([]string{"origins", "methods", "headers", "credentials", "max_age"})
	return c
}

func parseRateLimit(parent *object) *RateLimit {
	raw, ok := parent.raw("rate_limit")
	if !ok {
		return nil
	}
	o, ok := decodeObject(parent.r, "rate_limit", raw)
	if !ok {
		return nil
	}
	rl := &RateLimit{}
	if n, ok := o.integer("limit"); ok {
		if n < 1 || n > 1<<31-1 {
			o.r.errorf(o.at("limit"), "bad_value", "limit %d must be at least 1", n)
		}
		rl.Limit = int(n)
	} else if !o.has("limit") {
		o.missing("limit", "how many calls a window allows, e.g. 100")
	}
	if !o.has("window") {
		o.missing("window", "the window's length, e.g. \"1m\"")
	}
	rl.Window = parseDuration(o, "window")
	if w := rl.Window.D(); o.has("window") && w != 0 && (w < MinRateWindow || w > MaxRateWindow || w%time.Second != 0) {
		o.r.errorf(o.at("window"), "bad_value", "window %s must be whole seconds between 1s and 24h", w)
	}
	rl.Per = o.str("per", false)
	if rl.Per == "" {
		rl.Per = RatePerIP
	}
	if err := CheckRatePer(rl.Per); err != nil {
		o.r.errorf(o.at("per"), "bad_expression", "%v", err)
	}
	o.rejectUnknown([]string{"limit", "window", "per"})
	return rl
}

// RatePerEnv is the environment a rate limit's per expression is compiled
// and run with: the auth claims, the request and the input.
type RatePerEnv struct {
	Auth    map[string]any `expr:"auth"`
	Request map[string]any `expr:"request"`
	Input   map[string]any `expr:"input"`
}

// CheckRatePer reports what is wrong with a rate limit's per, or nil.
func CheckRatePer(per string) error {
	if per == RatePerIP || per == RatePerKey {
		return nil
	}
	if _, err := CompileRatePer(per); err != nil {
		return err
	}
	return nil
}

// CompileRatePer compiles a per expression over auth, request and input.
func CompileRatePer(per string) (*RatePer, error) {
	p, err := expr.Compile(per, append([]expr.Option{expr.Env(RatePerEnv{}), expr.MaxNodes(1000)}, ExprOptions()...)...)
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return nil, fmt.Errorf("per %q is not \"ip\", \"key\" or an expression over auth, request and input (e.g. \"auth.sub\"): %s", per, first)
	}
	return &RatePer{p: p}, nil
}

// RatePer is a compiled per expression.
type RatePer struct{ p *vm.Program }

// Key evaluates the per expression; the result as text is what is
// counted apart (null or "": no key, which counts by the client's address).
func (r *RatePer) Key(env RatePerEnv) (string, error) {
	v, err := expr.Run(r.p, env)
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", nil
	}
	return Text(v), nil
}
