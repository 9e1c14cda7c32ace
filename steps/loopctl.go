package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	for _, t := range []struct {
		name, desc, title string
		signal            error
	}{
		{"break", "Leave the innermost loop.", "Break loop", engine.ErrBreak},
		{"continue", "Go on with the next iteration of the innermost loop.", "Continue loop", engine.ErrContinue},
	} {
		name, signal := t.name, t.signal
		engine.Register(&engine.StepType{
			Name:        name,
			Title:       t.title,
			Summary:     name,
			Category:    "loops",
			Description: t.desc,
			Terminates:  true,
			Example:     []byte(`{"type": "` + name + `"}`),
			Compile: func(c *engine.StepCompiler) engine.RunFunc {
				if !c.InLoop() {
					c.Errorf("", "outside_loop", "%s outside a loop; it can only be used inside foreach, for or while", name)
				}
				return func(*engine.State) (any, error) { return nil, signal }
			},
		})
	}
}
