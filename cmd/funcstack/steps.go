package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/funcstack/funcstack/engine"
)

// cmdSteps prints the step catalogue: as JSON, or with --markdown as the
// page docs/steps.md (make docs writes it; a test keeps it current).
func cmdSteps(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("steps", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "print the catalogue as the Markdown page docs/steps.md")
	if _, ok := parseArgs(fs, args, 0, stderr, "steps takes no arguments"); !ok {
		return 2
	}
	if !*markdown {
		return printJSON(stdout, engine.Catalogue())
	}
	b, err := json.Marshal(engine.Catalogue())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	page, err := stepsMarkdown(b)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	io.WriteString(stdout, page)
	return 0
}

// stepsMarkdown renders the catalogue, given as its JSON, as Markdown. It
// reads the JSON rather than the Go types so that whatever the registry
// publishes reaches the page: keys it does not know are printed too.
func stepsMarkdown(catalogue []byte) (string, error) {
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(catalogue, &entries); err != nil {
		return "", fmt.Errorf("steps --markdown: the catalogue is not a list of objects: %w", err)
	}
	var b strings.Builder
	b.WriteString("# Step types\n\n")
	b.WriteString("<!-- Generated from the step registry by `funcstack steps --markdown`; do not edit: run `make docs`. -->\n\n")
	b.WriteString("Every step type funcstack knows, with its fields and an example, as the\n")
	b.WriteString("registry in `steps/` declares them (`GET /_/api/steps` and `funcstack steps`\n")
	b.WriteString("give the same as JSON). The format's rules are in [format.md](format.md).\n\n")

	var categories []string
	byCategory := map[string][]map[string]json.RawMessage{}
	for _, e := range entries {
		c := jsonText(e["category"])
		if _, seen := byCategory[c]; !seen {
			categories = append(categories, c)
		}
		byCategory[c] = append(byCategory[c], e)
	}
	if len(entries) > 0 {
		if common, ok := entries[0]["common_fields"]; ok {
			b.WriteString("Every step also accepts these fields:\n\n")
			if err := fieldTable(&b, common); err != nil {
				return "", err
			}
		}
	}
	b.WriteString("## Contents\n\n")
	for _, c := range categories {
		var links []string
		for _, e := range byCategory[c] {
			name := jsonText(e["type"])
			links = append(links, fmt.Sprintf("[`%s`](#%s)", name, anchor(name)))
		}
		fmt.Fprintf(&b, "- **%s**: %s\n", c, strings.Join(links, ", "))
	}
	b.WriteString("\n")
	known := map[string]bool{"type": true, "category": true, "summary": true, "title": true, "description": true,
		"fields": true, "example": true, "common_fields": true}
	for _, c := range categories {
		fmt.Fprintf(&b, "## %s\n\n", c)
		for _, e := range byCategory[c] {
			fmt.Fprintf(&b, "### %s\n\n", jsonText(e["type"]))
			// the builder's palette title and compact one-line template
			switch t, s := oneLine(jsonText(e["title"])), oneLine(jsonText(e["summary"])); {
			case t != "" && s != "":
				fmt.Fprintf(&b, "**%s** · in the builder: `%s`\n\n", t, s)
			case t != "":
				fmt.Fprintf(&b, "**%s**\n\n", t)
			case s != "":
				fmt.Fprintf(&b, "In the builder: `%s`\n\n", s)
			}
			if s := oneLine(jsonText(e["description"])); s != "" {
				b.WriteString(s + "\n\n")
			}
			var extra []string
			for k := range e {
				if !known[k] {
					extra = append(extra, k)
				}
			}
			sort.Strings(extra)
			for _, k := range extra {
				fmt.Fprintf(&b, "- %s: %s\n", k, cell(e[k]))
			}
			if len(extra) > 0 {
				b.WriteString("\n")
			}
			if err := fieldTable(&b, e["fields"]); err != nil {
				return "", err
			}
			if ex := e["example"]; len(ex) > 0 && string(ex) != "null" {
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, ex, "", "  "); err != nil {
					return "", fmt.Errorf("steps --markdown: the example of %s: %w", jsonText(e["type"]), err)
				}
				fmt.Fprintf(&b, "```json\n%s\n```\n\n", pretty.String())
			}
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n", nil
}

// fieldTable writes a list of field specs as a table: name, kind,
// required, default, description (with the allowed values and any key the
// table has no column for).
func fieldTable(b *strings.Builder, raw json.RawMessage) error {
	var fields []map[string]json.RawMessage
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("steps --markdown: fields are not a list of objects: %w", err)
	}
	if len(fields) == 0 {
		return nil
	}
	b.WriteString("| field | kind | required | default | description |\n|---|---|---|---|---|\n")
	for _, f := range fields {
		req := ""
		if string(f["required"]) == "true" {
			req = "yes"
		}
		def := ""
		if d, ok := f["default"]; ok {
			def = "`" + cell(d) + "`"
		}
		desc := cell(f["description"])
		if v, ok := f["values"]; ok {
			var vals []string
			if json.Unmarshal(v, &vals) == nil {
				desc = strings.TrimSpace(desc + " (one of `" + strings.Join(vals, "`, `") + "`)")
			}
		}
		var extra []string
		for k := range f {
			switch k {
			case "name", "kind", "required", "default", "description", "values":
			default:
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			desc = strings.TrimSpace(desc + " (" + k + ": " + cell(f[k]) + ")")
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", jsonText(f["name"]), jsonText(f["kind"]), req, def, desc)
	}
	b.WriteString("\n")
	return nil
}

// jsonText is a JSON string's value, or the JSON itself for anything else.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// cell is a value as it can stand in one table cell.
func cell(raw json.RawMessage) string {
	return strings.ReplaceAll(oneLine(jsonText(raw)), "|", `\|`)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// anchor is the id GitHub gives the heading "### name".
func anchor(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, name)
}
