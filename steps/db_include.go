package steps

import (
	"fmt"
	"slices"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
)

// The include field of db.get and db.query: the ref and refs fields whose
// records to embed (engine/tables' include.go).

var includeField = engine.FieldSpec{Name: "include", Kind: engine.FieldStringList,
	Description: "ref and refs fields whose records to embed, one query per field for all records, e.g. [\"customer\", \"lines.product\"]"}

// related follows a ref to the model of its table, in the workspace being
// compiled.
func related(c *engine.StepCompiler) tables.Related {
	return func(name string) *tables.Table {
		if d := c.TableDef(name); d != nil {
			return tables.Of(d)
		}
		return nil
	}
}

// compileInclude reads the step's include field over t, whose records
// hold cols, and gives the columns to read: cols, and, when the step
// lists no fields, a hidden ref the include follows (it becomes the
// included record).
func compileInclude(c *engine.StepCompiler, t *tables.Table, cols []*tables.Column, listed bool) (*tables.Include, []*tables.Column) {
	if t == nil || !c.Has("include") {
		return nil, cols
	}
	paths := c.StringList("include")
	if len(paths) == 0 {
		return nil, cols
	}
	inc, err := tables.CompileInclude(t, paths, related(c))
	if err != nil {
		ie := err.(*tables.IncludeError)
		c.Errorf(fmt.Sprintf("include[%d]", ie.Index), "bad_include", "%s", ie.Msg)
		return nil, cols
	}
	for _, need := range inc.NeedsColumns(t) {
		if slices.Contains(cols, need) {
			continue
		}
		if !listed {
			cols = append(slices.Clip(cols), need)
			continue
		}
		c.Errorf("fields", "missing_column", "include needs column %s of %s; add it to fields", need.Name, t.Name)
		return nil, cols
	}
	return inc, cols
}

// withIncluded is a record type with the fields inc embeds.
func withIncluded(typ types.Type, inc *tables.Include) types.Type {
	m, ok := typ.(types.Map)
	if !ok || inc == nil {
		return typ
	}
	out := types.Map{}
	for k, v := range m {
		out[k] = v
	}
	for _, n := range inc.Names() {
		out[n] = types.Any
	}
	return out
}
