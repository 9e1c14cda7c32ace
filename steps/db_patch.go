package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.patch",
		Title:    "Patch record",
		Summary:  "db.patch {table}[ id = {id}] set {data}[ → {as}]",
		Category: "database",
		Description: "Change only some columns of the record whose id is the expression id and give back the record. data is either {column: expression} " +
			"or one expression giving an object (e.g. input.changes) whose keys are the columns to change. A missing record is a not_found error (404).",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table holding the record"},
			{Name: "id", Kind: engine.FieldExpr, Description: "the id of the record to change (required)"},
			{Name: "data", Kind: engine.FieldExprMap, Required: true, Dynamic: true, Description: "the columns to change: {column: expression}, or an expression giving such an object"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the updated record"},
		},
		Example: []byte(`{"type": "db.patch", "table": "users", "id": "input.n", "data": {"age": "input.qty"}, "as": "user"}`),
		Compile: triggered(actUpdate, func(c *engine.StepCompiler) engine.RunFunc { return compileUpdate(c, true) }),
	})
}
