package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// change is one difference between two versions of a definition, at a
// JSON path written like the diagnostics' paths (stack[1].steps[0].value).
type change struct {
	Path string `json:"path"`
	Op   string `json:"op"` // add, remove, replace
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}

// diffJSON compares two JSON documents: the changes by path, and a
// unified diff of their indented text labelled a and b.
func diffJSON(x, y []byte, a, b string) ([]change, string, error) {
	var vx, vy any
	for _, p := range []struct {
		raw []byte
		v   *any
	}{{x, &vx}, {y, &vy}} {
		dec := json.NewDecoder(bytes.NewReader(p.raw))
		dec.UseNumber()
		if err := dec.Decode(p.v); err != nil {
			return nil, "", err
		}
	}
	changes := []change{}
	walkDiff("", vx, vy, &changes)
	px, err := indent(vx)
	if err != nil {
		return nil, "", err
	}
	py, err := indent(vy)
	if err != nil {
		return nil, "", err
	}
	return changes, unifiedDiff(px, py, a, b), nil
}

func indent(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b) + "\n", err
}

func walkDiff(path string, x, y any, out *[]change) {
	switch xv := x.(type) {
	case map[string]any:
		if yv, ok := y.(map[string]any); ok {
			keys := map[string]bool{}
			for k := range xv {
				keys[k] = true
			}
			for k := range yv {
				keys[k] = true
			}
			for _, k := range sortedNames(keys) {
				p := k
				if path != "" {
					p = path + "." + k
				}
				a, inA := xv[k]
				b, inB := yv[k]
				switch {
				case !inA:
					*out = append(*out, change{Path: p, Op: "add", New: b})
				case !inB:
					*out = append(*out, change{Path: p, Op: "remove", Old: a})
				default:
					walkDiff(p, a, b, out)
				}
			}
			return
		}
	case []any:
		if yv, ok := y.([]any); ok {
			n := max(len(xv), len(yv))
			for i := 0; i < n; i++ {
				p := path + "[" + strconv.Itoa(i) + "]"
				switch {
				case i >= len(xv):
					*out = append(*out, change{Path: p, Op: "add", New: yv[i]})
				case i >= len(yv):
					*out = append(*out, change{Path: p, Op: "remove", Old: xv[i]})
				default:
					walkDiff(p, xv[i], yv[i], out)
				}
			}
			return
		}
	}
	if !reflect.DeepEqual(x, y) {
		*out = append(*out, change{Path: path, Op: "replace", Old: x, New: y})
	}
}

// maxDiffCells bounds the line-matching table of unifiedDiff; past it the
// diff shows the whole of both texts as replaced.
const maxDiffCells = 4 << 20

// unifiedDiff is the unified diff (3 lines of context) of two texts.
func unifiedDiff(x, y, a, b string) string {
	if x == y {
		return ""
	}
	xs := strings.SplitAfter(strings.TrimSuffix(x, "\n"), "\n")
	ys := strings.SplitAfter(strings.TrimSuffix(y, "\n"), "\n")
	for i := range xs {
		xs[i] = strings.TrimSuffix(xs[i], "\n")
	}
	for i := range ys {
		ys[i] = strings.TrimSuffix(ys[i], "\n")
	}
	// ops: ' ' same, '-' only in x, '+' only in y.
	type op struct {
		kind byte
		text string
		i, j int // line numbers (0-based) in x and y before this line
	}
	var ops []op
	n, m := len(xs), len(ys)
	if n*m <= maxDiffCells {
		// lcs[i][j] is the longest common subsequence of xs[i:] and ys[j:].
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if xs[i] == ys[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && xs[i] == ys[j]:
				ops = append(ops, op{' ', xs[i], i, j})
				i, j = i+1, j+1
			case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, op{'-', xs[i], i, j})
				i++
			default:
				ops = append(ops, op{'+', ys[j], i, j})
				j++
			}
		}
	} else {
		for i, l := range xs {
			ops = append(ops, op{'-', l, i, 0})
		}
		for j, l := range ys {
			ops = append(ops, op{'+', l, n, j})
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", a, b)
	const ctx = 3
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(k-ctx, 0)
		end := k
		// Extend the hunk while changes are within 2*ctx lines.
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		var xl, yl int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				xl++
			}
			if o.kind != '-' {
				yl++
			}
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(ops[start].i, xl), hunkRange(ops[start].j, yl))
		for _, o := range ops[start:end] {
			sb.WriteByte(o.kind)
			sb.WriteString(o.text)
			sb.WriteByte('\n')
		}
		k = end
	}
	return sb.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return strconv.Itoa(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
