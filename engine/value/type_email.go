package value

import (
	"encoding/json"
	"net/mail"
	"strings"
)

// EmailType is an email address: text that must read as one address when
// it comes as input. Columns store it as text.
type EmailType struct{ TextType }

// Email is the email type.
var Email Type = EmailType{}

var _ Type = EmailType{}

func init() { Register(Email) }

func (EmailType) Info() Info {
	return Info{Name: "email", Description: "An email address (checked when it comes as input).", Editor: "email",
		Input: true, Column: true, ListOK: true, Equality: true, Ordered: true, Searchable: true,
		Example: json.RawMessage(`"ada@example.com"`)}
}

func (EmailType) Coerce(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, expected("email", v)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return nil, expected("email", v)
	}
	return s, nil
}

func (EmailType) Schema() map[string]any { return map[string]any{"type": "string", "format": "email"} }
