package workspace

import (
	"context"

	"github.com/funcstack/funcstack/engine"
)

// Merge returns base with the definitions of replace put in (by name) and
// those named in remove left out.
func Merge(base, replace []*engine.Definition, remove ...string) []*engine.Definition {
	skip := map[string]bool{}
	for _, n := range remove {
		skip[n] = true
	}
	for _, d := range replace {
		skip[d.Name] = true
	}
	out := make([]*engine.Definition, 0, len(base)+len(replace))
	for _, d := range base {
		if !skip[d.Name] {
			out = append(out, d)
		}
	}
	return append(out, replace...)
}

type diagKey struct{ def, path, msg string }

// NewProblems compiles base changed by replace and remove, and returns
// the diagnostics of the replaced definitions and every error elsewhere
// that compiling base alone does not give: what the change breaks.
func NewProblems(base, replace []*engine.Definition, remove ...string) engine.Diagnostics {
	return NewProblemsContext(context.Background(), base, replace, remove...)
}

// NewProblemsContext is NewProblems stopping when ctx ends (a cancelled
// request); it then returns an error with code "cancelled".
func NewProblemsContext(ctx context.Context, base, replace []*engine.Definition, remove ...string) engine.Diagnostics {
	names := map[string]bool{}
	for _, d := range replace {
		names[d.Name] = true
	}
	_, diags := engine.CompileContext(ctx, Merge(base, replace, remove...))
	var out engine.Diagnostics
	var others engine.Diagnostics
	for _, d := range diags {
		switch {
		case names[d.Definition] || d.Definition == "":
			out = append(out, d)
		case d.Severity == engine.SeverityError:
			others = append(others, d)
		}
	}
	if len(others) == 0 {
		return out
	}
	_, before := engine.CompileContext(ctx, base)
	had := map[diagKey]bool{}
	for _, d := range before {
		had[diagKey{d.Definition, d.Path, d.Message}] = true
	}
	for _, d := range others {
		if !had[diagKey{d.Definition, d.Path, d.Message}] {
			out = append(out, d)
		}
	}
	return out
}

// DraftProblems keeps the errors of the saved definitions defs as errors
// and makes those of other definitions (which the change breaks) warnings:
// a draft may break its callers until they are changed too; publishing
// it may not.
func DraftProblems(diags engine.Diagnostics, defs ...*engine.Definition) engine.Diagnostics {
	own := map[string]bool{"": true}
	for _, d := range defs {
		own[d.Name] = true
	}
	out := make(engine.Diagnostics, len(diags))
	for i, d := range diags {
		if !own[d.Definition] && d.Severity == engine.SeverityError {
			d.Severity = engine.SeverityWarning
			d.Message = "the newest version of " + d.Definition + " will not compile with this change: " + d.Message
		}
		out[i] = d
	}
	return out
}

// endpointsIn names the endpoints among defs.
func endpointsIn(defs []*engine.Definition) []string {
	var names []string
	for _, d := range defs {
		if d.Kind == engine.KindEndpoint {
			names = append(names, d.Name)
		}
	}
	return names
}
