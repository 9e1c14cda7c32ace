package engine

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// A run's per-step trace (a debug run's full one, a production run's
// light one: docs/design.md §29), the variables it keeps, and the log.

// TraceEntry is one step of a per-step trace.
type TraceEntry struct {
	Path       string `json:"path"`
	Type       string `json:"type"`
	Definition string `json:"definition"`
	StartNs    int64  `json:"start_ns"`
	DurationNs int64  `json:"duration_ns"`
	Result     any    `json:"result,omitempty"`
	Error      string `json:"error,omitempty"`
	// Vars are the variables in scope before the step ran (input, auth,
	// request and the stack's variables that have a value; sensitive
	// inputs redacted; env left out), each as JSON cut to
	// MaxTraceVarBytes, while the run's budget (MaxTraceVarsBytes)
	// lasts: in a debug run's trace, and in a failed run's record at the
	// failing step (its variables when it failed).
	Vars map[string]json.RawMessage `json:"vars,omitempty"`
	// VarsOmitted says the budget was spent and Vars were not kept.
	VarsOmitted bool `json:"vars_omitted,omitempty"`
}

// The bounds of the variables a trace keeps (TraceEntry.Vars).
const (
	MaxTraceVarBytes  = 8 << 10   // one variable's JSON
	MaxTraceVarsBytes = 512 << 10 // all the variables of one run's trace
)

// scopeOf is the variables in scope now, as TraceEntry.Vars keeps them,
// and their size; budget is what the run may still keep (nil: no limit).
func (s *State) scopeOf(budget *int) (map[string]json.RawMessage, bool) {
	if budget != nil && *budget <= 0 {
		return nil, true
	}
	out := make(map[string]json.RawMessage, len(s.slots))
	size := 0
	put := func(name string, v any) {
		var b []byte
		if sizeOver(v, MaxTraceVarBytes) {
			// found without encoding it all: a failing step in a loop over a big list stays cheap
			b, _ = json.Marshal(fmt.Sprintf("(too big to keep: more than %d bytes of JSON)", MaxTraceVarBytes))
		} else {
			var err error
			if b, err = json.Marshal(v); err != nil {
				b, _ = json.Marshal(fmt.Sprintf("(%T, not JSON: %v)", v, err))
			}
			if len(b) > MaxTraceVarBytes {
				b, _ = json.Marshal(fmt.Sprintf("(too big to keep: more than %d bytes of JSON)", MaxTraceVarBytes))
			}
		}
		out[name] = b
		size += len(name) + len(b)
	}
	for i, name := range s.vars.names {
		if i >= len(s.slots) {
			break
		}
		v := s.slots[i]
		switch i {
		case slotEnv:
			continue // the environment's values may be secrets
		case slotInput:
			v = s.fn.Inputs.Redact(v)
		case slotAuth:
			if m, ok := v.(map[string]any); ok && len(m) == 0 {
				continue
			}
		}
		if v == nil {
			continue
		}
		put(name, v)
	}
	if budget != nil {
		*budget -= size
	}
	return out, false
}

// LogEntry is one value written by a log step.
type LogEntry struct {
	Time  time.Time `json:"time"`
	Path  string    `json:"path"`
	Value any       `json:"value"`
}

// traceBuf is a run's trace. Only the run's goroutine touches it (its
// sync calls share it; async runs have their own), so it has no lock.
type traceBuf struct {
	start   time.Time
	entries []TraceEntry
	// last is when, in ns since start, the clock was last read, and
	// ended whether that reading was a step's end (see runTraced).
	last      int64
	ended     bool
	max       int
	truncated bool
	// varBudget is what is left of MaxTraceVarsBytes for entries' Vars.
	varBudget int
	// light marks a production run's trace (§29): each step's path, type,
	// times and error, without its result, and the variables of a
	// failing step only. A debug run's trace keeps both at every step.
	light bool
}

// lightTraces recycles the traces of production runs that did not keep
// them (a successful run under trace "errors"), so that recording one
// costs no allocation once warm.
var lightTraces = sync.Pool{New: func() any { return &traceBuf{light: true} }}

// maxPooledTrace bounds the entries a recycled trace keeps room for.
const maxPooledTrace = 4096

func newLightTrace(start time.Time, max int) *traceBuf {
	t := lightTraces.Get().(*traceBuf)
	t.start, t.max, t.varBudget = start, max, MaxTraceVarsBytes
	t.last, t.ended = 0, false
	return t
}

// recycle gives back a light trace whose entries nobody keeps.
func (t *traceBuf) recycle() {
	if !t.light || cap(t.entries) > maxPooledTrace {
		return
	}
	clear(t.entries)
	t.entries, t.truncated = t.entries[:0], false
	lightTraces.Put(t)
}

// keep returns the entries of t for a record, which then owns them.
func (t *traceBuf) keep() ([]TraceEntry, bool) {
	entries, truncated := t.entries, t.truncated
	t.entries, t.truncated = nil, false
	if t.light {
		lightTraces.Put(t)
	}
	return entries, truncated
}

// Log appends a value to the execution's log.
func (s *State) Log(path string, v any) {
	if s.logs != nil && len(*s.logs) < s.eng.cfg.Limits.MaxLogEntries {
		*s.logs = append(*s.logs, LogEntry{Time: time.Now().UTC(), Path: path, Value: v})
	}
}

// Tracing reports whether the run records a per-step trace.
func (s *State) Tracing() bool { return s.trace != nil }

// runTracedStep runs st in a run with a trace, the failing step's
// variables going into its own entry of a light trace.
func (s *State) runTracedStep(st *Step) error {
	t := s.trace
	i, err := s.runTraced(st)
	if err != nil {
		failed := s.failed
		err = s.stepError(st, err)
		if t.light && s.failed != failed && s.failed != nil && i >= 0 {
			// the failing step's variables go into its own entry
			t.entries[i].Vars, t.entries[i].VarsOmitted = s.failed.Vars, s.failed.VarsOmitted
			s.failed = nil
		}
	}
	return err
}

// runTraced runs st, recording it in the run's trace; i is its entry (-1:
// the trace is full).
//
// The clock is read once a step, at its end, and once more at the start
// of the first step of a block. A step that follows another in its block
// starts when that one ended: between them runs only the interpreter
// (a loop's counter, a block's next step), so it costs no reading. The
// first step of a block cannot take its parent's start: the parent's own
// work (a condition, a call's inputs, a transaction's BEGIN) came in
// between, and belongs to the parent.
func (s *State) runTraced(st *Step) (i int, err error) {
	t := s.trace
	i = len(t.entries)
	if i >= t.max {
		t.truncated = true
		_, err = st.Run(s)
		return -1, err
	}
	if !t.ended {
		t.last = time.Since(t.start).Nanoseconds()
	}
	t.entries = append(t.entries, TraceEntry{Path: st.Path, Type: st.Type, Definition: s.fn.Name, StartNs: t.last})
	if !t.light {
		e := &t.entries[i]
		e.Vars, e.VarsOmitted = s.scopeOf(&t.varBudget)
	}
	t.ended = false
	v, err := st.Run(s)
	t.last, t.ended = time.Since(t.start).Nanoseconds(), true
	e := &t.entries[i] // st's steps may have grown the entries
	e.DurationNs = t.last - e.StartNs
	if !t.light {
		e.Result = v
	}
	if err != nil && !isSignal(err) {
		e.Error = err.Error()
	}
	return i, err
}
