package store

import (
	"database/sql"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// Filter narrows List beyond function, status and parent: what the
// builder's request history searches by.
type Filter struct {
	// ID keeps the records whose ID starts with it (an execution ID, or
	// its first characters; lower-case hex digits and dashes).
	ID string
	// From and To keep the records created at or after From and before
	// To (zero: no bound).
	From, To time.Time
	// Internal keeps the admin API's own runs (engine.ModeInternal),
	// which are left out otherwise.
	Internal bool
}

// conditions adds f's SQL conditions (with ? parameters) and their
// arguments to where and args.
func (f Filter) conditions(s *Store, where []string, args []any) ([]string, []any) {
	switch {
	case len(f.ID) == 36:
		where, args = append(where, "id = ?"), append(args, f.ID)
	case f.ID != "":
		// The text holds hex digits and dashes only (the API checks it):
		// nothing in it means anything to LIKE.
		where, args = append(where, "id LIKE ?"), append(args, f.ID+"%")
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, s.timeArg(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, s.timeArg(f.To))
	}
	if !f.Internal {
		where = append(where, "mode <> '"+engine.ModeInternal+"'")
	}
	return where, args
}

// encodedJSON is a value this package has already encoded: AppendJSON
// copies it as it is (encoding/json too, for marshalJSON's NUL repair).
type encodedJSON []byte

func (e encodedJSON) MarshalJSON() ([]byte, error) { return e, nil }

// originOf is the value of a record's origin column: the version of the
// definition that ran, whether it ran the drafts, and an endpoint's HTTP
// request; nil (NULL) when the record has none of these.
func originOf(r *engine.ExecutionRecord) any {
	if r.Version == 0 && !r.Draft && r.Request == nil && r.Callback == nil {
		return nil
	}
	b := make([]byte, 0, 64)
	b = append(b, '{')
	if r.Version != 0 {
		b = append(b, `"version":`...)
		b = strconv.AppendInt(b, int64(r.Version), 10)
	}
	if r.Draft {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"draft":true`...)
	}
	if q := r.Request; q != nil {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"request":{"method":`...)
		b = appendJSONString(b, q.Method)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, q.Path)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(q.Status), 10)
		if len(q.Headers) > 0 {
			b = append(b, `,"headers":{`...)
			first := true
			for _, k := range slices.Sorted(maps.Keys(q.Headers)) {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendJSONString(b, k)
				b = append(b, ':')
				b = appendJSONString(b, q.Headers[k])
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if r.Callback != nil {
		if cb, err := json.Marshal(r.Callback); err == nil {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(append(b, `"callback":`...), cb...)
		}
	}
	return encodedJSON(append(b, '}'))
}

// setOrigin reads a record's origin column into it.
func setOrigin(r *engine.ExecutionRecord, col sql.NullString) error {
	if !col.Valid {
		return nil
	}
	var o struct {
		Version  int                  `json:"version"`
		Draft    bool                 `json:"draft"`
		Request  *engine.RequestInfo  `json:"request"`
		Callback *engine.CallbackInfo `json:"callback"`
	}
	if err := json.Unmarshal([]byte(col.String), &o); err != nil {
		return err
	}
	r.Version, r.Draft, r.Request, r.Callback = o.Version, o.Draft, o.Request, o.Callback
	return nil
}
