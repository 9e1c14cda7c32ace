package steps

import (
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.delete",
		Title:    "Delete record",
		Summary:  "db.delete {table}[ id = {id}]",
		Category: "database",
		Description: "Delete the record whose id is the expression id. Deleting a record that does not exist is not an error (as in Xano): " +
			"the step's trace result is the number of records deleted, 0 or 1. " +
			"Records of other tables whose ref points to it are deleted too (on_delete cascade), emptied (set_null), or stop the deletion with a conflict error (restrict, the default).",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table holding the record"},
			{Name: "id", Kind: engine.FieldExpr, Description: "the id of the record to delete (required)"},
		},
		Example: []byte(`{"type": "db.delete", "table": "users", "id": "input.n"}`),
		Compile: triggered(actDelete, func(c *engine.StepCompiler) engine.RunFunc {
			t := compileTable(c)
			id := recordID(c)
			if t == nil || id == nil {
				return nil
			}
			stmt := tables.BuildBoth(func(b *tables.Builder) {
				b.W("DELETE FROM " + t.Q + " WHERE " + t.ID.Q + " = ")
				b.Ph()
			})
			return func(s *engine.State) (any, error) {
				conn, err := connect(s)
				if err != nil {
					return nil, err
				}
				raw, arg, err := evalID(s, t, id, conn.d)
				if err != nil {
					return nil, err
				}
				res, err := conn.q.ExecContext(s.Context(), stmt[conn.d], arg)
				if err != nil {
					return nil, tables.DeleteError(t, raw, err)
				}
				n, _ := res.RowsAffected()
				return int(n), nil
			}
		}),
	})
}
