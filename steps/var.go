package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:        "var",
		Title:       "Create variable",
		Summary:     "var {name} = {value}",
		Category:    "variables",
		Description: "Declare a variable and give it a value. Later steps in the same block, and blocks inside it, can read it.",
		Fields: []engine.FieldSpec{
			{Name: "name", Kind: engine.FieldName, Required: true, Description: "the variable's name"},
			{Name: "value", Kind: engine.FieldExpr, Required: true, Description: "its first value"},
		},
		Example: []byte(`{"type": "var", "name": "total", "value": "0"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			name := c.NewName("name")
			value := c.ValueExpr("value", name)
			c.Declare(name)
			return assign(c.Var(name), value)
		},
	})
}
