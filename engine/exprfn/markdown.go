package exprfn

import (
	"fmt"
	"strings"
)

// categoryTitles introduce each category in the docs.
var categoryTitles = map[Category]string{
	Array:    "Lists",
	Math:     "Numbers",
	Object:   "Objects",
	Other:    "Other",
	Security: "Hashing, signatures, random values and Base64",
	Text:     "Text",
	Time:     "Dates and times",
	Type:     "Types and conversions",
}

// Markdown renders the catalogue as docs/functions.md (`make docs` writes
// it; TestFunctionsDocUpToDate in cmd/funcstack fails when it is stale).
func Markdown() string {
	cat := Catalogue()
	var b strings.Builder
	b.WriteString("# Expression functions\n\n")
	b.WriteString("<!-- Generated from the function catalogue (engine/exprfn) by `funcstack functions --markdown`; do not edit: run `make docs`. -->\n\n")
	fmt.Fprintf(&b, "Every expression (a `var`'s value, a condition, a response) can call these %d functions: "+
		"funcstack's own and the builtins of [expr](https://expr-lang.org/docs/language-definition). "+
		"`funcstack functions` lists them, `GET /_/api/functions` serves them to the builder's completion, "+
		"and a test runs every example below and compares its result. "+
		"How the catalogue is built, and why: [design.md §17](design.md#17-expression-functions).\n\n", len(cat))
	fmt.Fprintf(&b, "In the signatures, a predicate sees each item of the list as `#` and its fields as `.name`; `?` marks an optional argument; "+
		"a timestamp is also accepted as RFC 3339 text (as tables return them). "+
		"A function given a wrong argument stops the step with an error naming the function and what to pass; "+
		"what one call makes is limited to %s of text (max_text_bytes) and %s items (max_items). "+
		"Regular expressions are RE2 (Go's `regexp`): matching takes time linear in the text, whatever the pattern.\n\n", byteSize(MaxTextBytes), thousands(MaxItems))
	var cats []Category
	for _, f := range cat {
		if len(cats) == 0 || cats[len(cats)-1] != f.Category {
			cats = append(cats, f.Category)
		}
	}
	for i, c := range cats {
		if i > 0 {
			b.WriteString(" · ")
		}
		fmt.Fprintf(&b, "[%s](#%s)", categoryTitles[c], c)
	}
	b.WriteString("\n")
	for i, f := range cat {
		if i == 0 || cat[i-1].Category != f.Category {
			fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n## %s\n\n", f.Category, categoryTitles[f.Category])
			b.WriteString("| function | what it gives | example | result |\n|---|---|---|---|\n")
		}
		result := "`" + cell(f.Result) + "`"
		if f.Varies != "" {
			result += " (for example)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", cell(f.Signature), cell(f.Description), cell(f.Example), result)
	}
	return b.String()
}

// cell escapes text for a cell of a Markdown table.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// thousands writes n with its thousands grouped: 1,000,000.
func thousands(n int) string {
	s, _ := formatNumberFunc(n, 0)
	return s.(string)
}
