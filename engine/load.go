package engine

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Loading a workspace: every definition file under a directory.

// LoadWorkspace reads every *.json file under dir (recursively, in name
// order) and parses each as one definition. Problems are reported in the
// returned diagnostics, with the line and column of their path in the
// file; the definitions that could be read are returned.
func LoadWorkspace(dir string) ([]*Definition, Diagnostics) {
	var diags Diagnostics
	var files []string
	err := filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() && path != dir && (strings.HasPrefix(de.Name(), ".") || de.Name() == "node_modules" || de.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".json") && !strings.HasSuffix(de.Name(), ".schema.json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		diags = append(diags, Diagnostic{Severity: SeverityError, Code: "io", File: dir, Message: err.Error()})
		return nil, diags
	}
	sort.Strings(files)
	var defs []*Definition
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			diags = append(diags, Diagnostic{Severity: SeverityError, Code: "io", File: f, Message: err.Error()})
			continue
		}
		from := len(diags)
		if d := ParseDefinition(f, data, &diags); d != nil {
			defs = append(defs, d)
		}
		diags.locate(from, f, data)
	}
	return defs, diags
}
