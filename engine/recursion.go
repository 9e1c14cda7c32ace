package engine

import (
	"fmt"
	"strings"
)

// callSite is a call step that every run of its function reaches: no
// branch, loop or catch holds it, and no step before it may end the run.
type callSite struct {
	callee, path string
}

// CallsFunction records that the step calls function callee (named in
// field), for the warning about calls that always recurse.
func (c *StepCompiler) CallsFunction(field, callee string) {
	if c.Conditional() {
		return
	}
	for sc := c.sc; sc != nil; sc = sc.parent {
		if sc.ends {
			return // a base case may end the run before the call
		}
	}
	c.dc.calls = append(c.dc.calls, callSite{callee: callee, path: c.Path(field)})
}

// warnRecursion warns at every call step that starts a cycle of calls
// each reached on every run (f → f, f → g → f, ...): every run of such a
// function recurses until it hits the call depth limit.
func warnRecursion(dcs []*defCompiler) {
	calls := map[string][]callSite{}
	for _, dc := range dcs {
		if len(dc.calls) > 0 {
			calls[dc.def.Name] = dc.calls
		}
	}
	for _, dc := range dcs {
		from := dc.def.Name
		for _, site := range dc.calls {
			cycle := callPath(calls, site.callee, from)
			if cycle == nil {
				continue
			}
			if len(cycle) == 1 {
				dc.r.warnf(site.path, "unconditional_recursion", "%s calls itself unconditionally; it will always hit the call depth limit", from)
				continue
			}
			names := append([]string{from}, cycle[:len(cycle)-1]...)
			dc.r.warnf(site.path, "unconditional_recursion", "%s call each other unconditionally (%s → %s); every call of %s recurses until it hits the call depth limit",
				andList(names), from, strings.Join(cycle, " → "), from)
		}
	}
}

// callPath returns the shortest chain of unconditional calls from
// function from to function to (from's callees, …, to), or nil.
func callPath(calls map[string][]callSite, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if f == to {
			var path []string
			for n := f; n != ""; n = prev[n] {
				path = append([]string{n}, path...)
			}
			return path
		}
		for _, s := range calls[f] {
			if _, seen := prev[s.callee]; !seen {
				prev[s.callee] = f
				queue = append(queue, s.callee)
			}
		}
	}
	return nil
}

// andList writes a, b and c.
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return fmt.Sprintf("%s and %s", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}
