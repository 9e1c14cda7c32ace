package engine

import "strings"

// RedactSecrets returns v with every occurrence of a text of secrets in
// its texts (and keys) replaced by Redacted, copying only what changes;
// v itself is never changed.
func RedactSecrets(v any, secrets []string) any {
	if len(secrets) == 0 {
		return v
	}
	out, _ := redactSecrets(v, secrets)
	return out
}

func redactSecrets(v any, secrets []string) (any, bool) {
	switch x := v.(type) {
	case string:
		return redactText(x, secrets)
	case []any:
		var out []any
		for i, e := range x {
			r, changed := redactSecrets(e, secrets)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), x...)
			}
			out[i] = r
		}
		if out != nil {
			return out, true
		}
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			r, changed := redactSecrets(e, secrets)
			rk, kchanged := redactText(k, secrets)
			if !changed && !kchanged {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			delete(out, k)
			out[rk] = r
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}

func redactText(s string, secrets []string) (string, bool) {
	changed := false
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s, changed = strings.ReplaceAll(s, sec, Redacted), true
		}
	}
	return s, changed
}

// RedactRecordSecrets returns the output, error, trace and logs of rec
// with rec.Secrets redacted (RedactSecrets), as its stored form keeps
// them; without secrets they are rec's own.
func RedactRecordSecrets(rec *ExecutionRecord) (output any, err *Error, trace []TraceEntry, logs []LogEntry) {
	output, err, trace, logs = rec.Output, rec.Error, rec.Trace, rec.Logs
	if len(rec.Secrets) == 0 {
		return
	}
	output = RedactSecrets(output, rec.Secrets)
	if err != nil {
		if msg, changed := redactText(err.Message, rec.Secrets); changed {
			cp := *err
			cp.Message = msg
			err = &cp
		}
	}
	if len(trace) > 0 {
		trace = append([]TraceEntry(nil), trace...)
		for i := range trace {
			trace[i].Result = RedactSecrets(trace[i].Result, rec.Secrets)
			trace[i].Error, _ = redactText(trace[i].Error, rec.Secrets)
		}
	}
	if len(logs) > 0 {
		logs = append([]LogEntry(nil), logs...)
		for i := range logs {
			logs[i].Value = RedactSecrets(logs[i].Value, rec.Secrets)
		}
	}
	return
}
