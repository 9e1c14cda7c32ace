package engine

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// History is a definition's history policy (docs/design.md §29): what the
// execution records of its production runs keep and for how long. The
// zero value is the default: a failed run keeps its per-step trace, a
// successful one none; every run is recorded; records are kept for the
// store's retention (7 days).
type History struct {
	// Trace is HistoryTraceErrors (the default), HistoryTraceAll, or
	// "sample:R": the per-step trace of a successful run is kept for a
	// random fraction R of them (0 < R ≤ 1). A failed run always keeps
	// its trace.
	Trace string `json:"trace,omitempty"`
	// Keep is how long the records of the definition's runs are kept
	// (0: the store's retention).
	Keep Duration `json:"keep,omitzero"`
	// Records is HistoryRecordsOn (the default) or HistoryRecordsOff: no
	// record for a successful sync run (a failure is still recorded).
	Records string `json:"records,omitempty"`

	// sample is the fraction of successful runs whose trace is kept: 1
	// for "all", 0 for "errors".
	sample float64
}

// History policy values.
const (
	HistoryTraceErrors = "errors"
	HistoryTraceAll    = "all"
	HistorySample      = "sample:"
	HistoryRecordsOn   = "on"
	HistoryRecordsOff  = "off"
)

// keepTrace decides, at the end of a successful production run, whether
// its per-step trace is kept.
func (h *History) keepTrace() bool {
	switch {
	case h == nil || h.sample <= 0:
		return false
	case h.sample >= 1:
		return true
	}
	return rand.Float64() < h.sample
}

// recordsOff reports whether a successful sync run writes no record.
func (h *History) recordsOff() bool { return h != nil && h.Records == HistoryRecordsOff }

// history is fn's history policy (nil: the default).
func (f *Function) history() *History {
	if f == nil || f.Def == nil {
		return nil
	}
	return f.Def.History
}

// HistoryKeeps returns the definitions of p whose history.keep overrides
// the store's retention, with their keep.
func (p *Program) HistoryKeeps() map[string]time.Duration {
	out := map[string]time.Duration{}
	if p == nil {
		return out
	}
	for name, fn := range p.Functions {
		if h := fn.history(); h != nil && h.Keep > 0 {
			out[name] = h.Keep.D()
		}
	}
	return out
}

var historyKinds = []string{KindFunction, KindEndpoint, KindTask, KindMiddleware}

func init() {
	definitionFields = append(definitionFields, &DefinitionField{
		Name: "history", Kinds: historyKinds,
		Description: "what the execution records of production runs keep (design.md §29): trace \"errors\" (the default: only a failed run keeps its per-step trace), \"all\" (every run keeps it) or \"sample:0.01\" (a random 1 % of successful runs keep it; failed runs always do); keep, how long the definition's records are kept (e.g. \"7d\", \"12h\"; default the server's retention, 7 days); records \"off\" writes no record for a successful sync run (failed runs, and async, durable and promoted runs, are still recorded)",
		Example:     json.RawMessage(`{"trace": "sample:0.01", "keep": "30d", "records": "on"}`),
		Schema: map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
			"trace": map[string]any{"type": "string", "pattern": `^(errors|all|sample:(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+))$`,
				"description": "\"errors\" (default), \"all\", or \"sample:R\" with 0 < R ≤ 1"},
			"keep":    map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^[0-9]+(\.[0-9]+)?d$`, "description": "how long the records are kept: \"7d\", \"12h\", \"30m\""},
			"records": map[string]any{"enum": []string{HistoryRecordsOn, HistoryRecordsOff}, "description": "\"off\": no record for successful sync runs; failures are still recorded"},
		}},
		parse: parseHistory,
	})
}

// parseHistory reads "history".
func parseHistory(parent *object, d *Definition) {
	raw, ok := parent.raw("history")
	if !ok {
		return
	}
	o, ok := decodeObject(parent.r, "history", raw)
	if !ok {
		return
	}
	h := &History{Trace: o.str("trace", false), Records: o.str("records", false)}
	switch t := h.Trace; {
	case t == "" || t == HistoryTraceErrors:
	case t == HistoryTraceAll:
		h.sample = 1
	case strings.HasPrefix(t, HistorySample):
		r, err := strconv.ParseFloat(strings.TrimPrefix(t, HistorySample), 64)
		if err != nil || math.IsNaN(r) || r <= 0 || r > 1 {
			o.r.errorf(o.at("trace"), "bad_value", "trace %q: the sampled fraction must be a number above 0 and at most 1, e.g. \"sample:0.01\" for 1 %% of successful runs", t)
		}
		h.sample = r
	default:
		o.r.errorf(o.at("trace"), "bad_value", "trace %q must be \"errors\" (only failed runs keep their per-step trace; the default), \"all\" (every run keeps it) or \"sample:R\" (a fraction R of successful runs keep it, e.g. \"sample:0.01\")", t)
	}
	if s := o.str("keep", false); s != "" {
		k, err := ParseDuration(s)
		switch {
		case err != nil:
			o.r.errorf(o.at("keep"), "bad_duration", "keep %q is not a duration; write how long this definition's records are kept, e.g. \"7d\", \"12h\" or \"30m\"", s)
		case k <= 0:
			o.r.errorf(o.at("keep"), "bad_value", "keep %q keeps nothing; write how long this definition's records are kept, e.g. \"7d\", \"12h\" or \"30m\" (to keep no record of successful runs, write records \"off\")", s)
		default:
			h.Keep = k
		}
	}
	switch h.Records {
	case "", HistoryRecordsOn:
	case HistoryRecordsOff:
		if d.Kind == KindTask {
			o.r.errorf(o.at("records"), "bad_value", "records \"off\" does not apply to a task: its runs are durable, and their records carry their outcome; remove it, or use trace \"errors\" and a short keep")
		} else if h.sample > 0 {
			o.r.warnf(o.at("trace"), "unused", "trace %q keeps the trace of successful runs in their records, but records \"off\" writes none for successful sync runs; it applies to async and durable runs only", h.Trace)
		}
	default:
		o.r.errorf(o.at("records"), "bad_value", "records %q must be \"on\" (every run is recorded; the default) or \"off\" (no record for a successful sync run; failures are still recorded)", h.Records)
	}
	o.rejectUnknown([]string{"trace", "keep", "records"})
	d.History = h
}
