package engine

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Locate finds where the value at path (a diagnostic's JSON path, such as
// stack[1].steps[0].value) starts in raw, a definition's document, as a
// 1-based line and column (in bytes, as the invalid_json message counts
// them). When the path goes further than the document (a required field
// that is missing), it gives the deepest part that exists: the object
// that lacks the field. ok is false when raw is not JSON.
func Locate(raw []byte, path string) (line, col int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	off, found := seek(dec, raw, splitPath(path), 0)
	if !found {
		return 0, 0, false
	}
	line, col = lineCol(raw, int(off))
	return line, col, true
}

// pathPart is one step of a JSON path: an object key, or a list index.
type pathPart struct {
	key   string
	index int // -1 for a key
}

// splitPath splits a.b[2].c into its parts.
func splitPath(p string) []pathPart {
	var out []pathPart
	for p != "" {
		switch {
		case p[0] == '.':
			p = p[1:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return out
			}
			n, err := strconv.Atoi(p[1:end])
			if err != nil {
				return out
			}
			out = append(out, pathPart{index: n})
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, pathPart{key: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out
}

// seek reads the value dec is at, which starts at or after byte at (past
// white space, commas and colons), and returns the offset of the part of
// it that path names, or of the deepest part of path it has.
func seek(dec *json.Decoder, raw []byte, path []pathPart, at int64) (int64, bool) {
	start := valueStart(raw, at)
	if len(path) == 0 {
		return start, true
	}
	tok, err := dec.Token()
	if err != nil {
		return 0, false
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim || d == '}' || d == ']' {
		return start, true // a scalar where the path wanted more
	}
	want := path[0]
	for i := 0; dec.More(); i++ {
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return 0, false
			}
			if key, _ := k.(string); want.index < 0 && key == want.key {
				return seek(dec, raw, path[1:], dec.InputOffset())
			}
		} else if want.index == i {
			return seek(dec, raw, path[1:], dec.InputOffset())
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, false
		}
	}
	return start, true // not there: the container that lacks it
}

// valueStart skips white space, commas and colons from at.
func valueStart(raw []byte, at int64) int64 {
	for at < int64(len(raw)) {
		switch raw[at] {
		case ' ', '\t', '\r', '\n', ',', ':':
			at++
		default:
			return at
		}
	}
	return at
}

// Locate gives the diagnostics about defs read from files (LoadWorkspace)
// the line and column of their path in the file: call it on what Compile
// found about them.
func (ds Diagnostics) Locate(defs []*Definition) {
	for _, d := range defs {
		ds.locate(0, d.File, d.Raw)
	}
}

// locate gives the diagnostics from index from on about file the line and
// column of their path in raw, the file's content.
func (ds Diagnostics) locate(from int, file string, raw []byte) {
	if file == "" || len(raw) == 0 {
		return
	}
	for i := from; i < len(ds); i++ {
		d := &ds[i]
		if d.File != file || d.Line != 0 || d.Code == "invalid_json" || d.Code == "io" {
			continue
		}
		if line, col, ok := Locate(raw, d.Path); ok {
			d.Line, d.Col = line, col
		}
	}
}
