package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:        "log",
		Title:       "Log",
		Summary:     "log[ {message}][ {value}]",
		Category:    "utility",
		Description: "Write to the execution's log: a sentence (message, a template) or a value (value, an expression; lists and objects are logged as they are).",
		Fields: []engine.FieldSpec{
			{Name: "message", Kind: engine.FieldTemplate, Description: "text to log, with {{ expression }} parts, e.g. total is {{total}} (give message or value)"},
			{Name: "value", Kind: engine.FieldExpr, Description: "a value to log as it is, e.g. {order: order.id, lines: len(lines)} (give message or value)"},
		},
		Example: []byte(`{"type": "log", "message": "total is {{total}}"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			if c.Has("message") == c.Has("value") {
				c.Errorf("", "message_or_value", "give either message (text with {{ expression }} parts) or value (an expression), not both and not neither")
			}
			message := c.Template("message")
			value := c.Expr("value")
			path := c.Path("")
			return func(s *engine.State) (any, error) {
				var v any
				var err error
				if message != nil {
					v, err = s.Render(message)
				} else {
					v, err = s.Eval(value)
				}
				if err != nil {
					return nil, err
				}
				s.Log(path, v)
				return v, nil
			}
		},
	})
}
