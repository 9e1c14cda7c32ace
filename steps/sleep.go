package steps

import (
	"time"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "sleep",
		Title:       "Sleep",
		Summary:     "sleep {ms} ms",
		Category:    "utility",
		Description: "Pause for ms milliseconds. The pause counts against the run's timeout and ends early, with a timeout error, when the run's deadline passes.",
		Fields: []engine.FieldSpec{
			{Name: "ms", Kind: engine.FieldExpr, Required: true, Description: "milliseconds to pause (or a duration text such as '2s')"},
		},
		Example: []byte(`{"type": "sleep", "ms": "250"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			ms := c.Expr("ms")
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(ms)
				if err != nil {
					return nil, err
				}
				d, err := asDuration(ms, v)
				if err != nil {
					return nil, err
				}
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
					// Both may be ready when the goroutine wakes late (a
					// loaded machine): a pause that outlived the run's
					// deadline is the deadline's error, whichever select saw.
					if s.Context().Err() != nil {
						return nil, s.Alive()
					}
					return d.Milliseconds(), nil
				case <-s.Context().Done():
					return nil, s.Alive()
				}
			}
		},
	})
}
