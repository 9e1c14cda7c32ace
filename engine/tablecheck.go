package engine

// Table definitions are checked against the whole workspace (the tables a
// ref names, the names the database will be given) by the package that
// owns user tables, engine/tables, which registers its check here: the
// engine cannot import it.

// TableProblem is one problem of a table definition: its JSON path in the
// definition, a code and the message.
type TableProblem struct {
	Path, Code, Message string
}

var tableChecks []func(d *Definition, defs map[string]*Definition) []TableProblem

// RegisterTableCheck adds a check every compile runs on each table
// definition, with every definition of the workspace by name.
func RegisterTableCheck(f func(d *Definition, defs map[string]*Definition) []TableProblem) {
	tableChecks = append(tableChecks, f)
}
