package engine

import (
	"regexp"
	"strings"
)

// expr's VM reports a value of the wrong kind in Go's words: a null
// condition was "interface conversion: interface {} is nil, not bool",
// upper(null) "… is nil, not string", a field of null "cannot fetch a from
// <nil>". readableExprError says the same in the words of the docs (null,
// text, list, object) and what to write instead. Other messages pass
// unchanged.

var (
	reConversion = regexp.MustCompile(`^interface conversion: interface \{\} is (.+), not (.+)$`)
	reFetchNil   = regexp.MustCompile(`^cannot fetch (.+) from <nil>$`)
)

// goTypeWords are Go's names of the values a stack holds, as the docs
// name them.
var goTypeWords = map[string]string{
	"nil": "null", "<nil>": "null", "string": "text", "int": "int", "float64": "decimal", "bool": "bool",
	"[]interface {}": "a list", "map[string]interface {}": "an object", "time.Time": "a timestamp",
	"value.Decimal": "decimal", "time.Duration": "a duration",
}

func typeWords(goType string) string {
	if w, ok := goTypeWords[goType]; ok {
		return w
	}
	return goType
}

func readableExprError(msg string) string {
	if m := reConversion.FindStringSubmatch(msg); m != nil {
		got := typeWords(m[1])
		switch m[2] {
		case "bool":
			s := "expected true or false, got " + got
			if got == "null" {
				s += " (a value that was not sent or not found is null: write x ?? false, or give the input a default)"
			}
			return s
		case "string":
			s := "expected text, got " + got
			if got == "null" {
				s += " (write x ?? '' for an empty text instead)"
			} else {
				s += " (string(x) makes text of it)"
			}
			return s
		}
		return "expected " + typeWords(m[2]) + ", got " + got
	}
	if m := reFetchNil.FindStringSubmatch(msg); m != nil {
		field := m[1]
		dot := "?." + field
		if strings.Trim(field, "0123456789-") == "" {
			dot = "?.[" + field + "]"
		}
		return "cannot read " + field + " of null; write " + dot + " to get null instead (and ?? to give a default)"
	}
	return msg
}
