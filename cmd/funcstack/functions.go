package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/exprfn"
)

// cmdFunctions prints the catalogue of expression functions: a table of
// every one (or of those of a category), one function in full, the JSON
// that GET /_/api/functions serves (--json) or docs/functions.md
// (--markdown).
func cmdFunctions(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("functions", stderr)
	asJSON := fs.Bool("json", false, "print the catalogue as JSON, as GET /_/api/functions serves it")
	asMarkdown := fs.Bool("markdown", false, "print the catalogue as Markdown (docs/functions.md)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "funcstack functions: unexpected argument %q; give at most one function name or category\n", pos[1])
		return 2
	}
	if *asMarkdown {
		fmt.Fprint(stdout, exprfn.Markdown())
		return 0
	}
	fns := exprfn.Catalogue()
	if len(pos) == 1 {
		fns = nil
		for _, f := range exprfn.Catalogue() {
			if f.Name == pos[0] || string(f.Category) == pos[0] {
				fns = append(fns, f)
			}
		}
		if len(fns) == 0 {
			var names []string
			for _, f := range exprfn.Catalogue() {
				names = append(names, f.Name)
			}
			msg := fmt.Sprintf("funcstack functions: no function or category %q", pos[0])
			if s := engine.Closest(pos[0], names); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			fmt.Fprintf(stderr, "%s; categories: text, math, array, object, time, security, type, other\n", msg)
			return 1
		}
	}
	if *asJSON {
		return printJSON(stdout, fns)
	}
	if len(fns) == 1 && fns[0].Name == pos[0] {
		f := fns[0]
		fmt.Fprintf(stdout, "%s\n  %s\n  category: %s\n  example:  %s\n  result:   %s\n", f.Signature, f.Description, f.Category, f.Example, f.Result)
		return 0
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CATEGORY\tFUNCTION\tDESCRIPTION")
	for _, f := range fns {
		fmt.Fprintf(w, "%s\t%s\t%s\n", f.Category, f.Signature, strings.TrimSuffix(f.Description, "."))
	}
	w.Flush()
	return 0
}
