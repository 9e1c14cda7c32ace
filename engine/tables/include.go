package tables

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// db.get and db.query take include: ["customer", "lines.product"], the
// ref and refs fields whose records to embed. A ref's value (the id)
// becomes the record it points to (null when the ref is null); a refs
// field gets the list of records whose ref points here, sorted by id ([]
// when none). A path goes on from the records it reaches: "lines.product"
// embeds each line's product.
//
// Each field of each path is one query for all the records of the step
// (SELECT … WHERE "id" IN (…), or WHERE "order" IN (…) for refs), never one
// per record; the ids are bound in chunks of IncludeChunk.

// IncludeChunk is how many ids one include query binds at most (SQLite
// takes 32,766 parameters, PostgreSQL 65,535).
const IncludeChunk = 10_000

// MaxIncludeDepth is how many fields an include path may follow.
const MaxIncludeDepth = 4

// Include is a step's compiled include list.
type Include struct {
	roots []*incNode
}

type incNode struct {
	link *Link
	to   *Table
	key  *Column    // ref: the id of to; refs: to's ref column (by)
	sel  PerDialect // SELECT cols FROM to WHERE key IN (
	cols []*Column  // the columns sel reads
	// strip are the hidden columns read only to join (a refs field's by
	// column), taken out of the records once they are joined.
	strip []string
	kids  []*incNode
}

// finish writes the select of n and of its kids, once every path is
// known: the visible columns of n's table and the hidden ones a join
// needs. A hidden ref that a kid follows stays, as the included record.
func (n *incNode) finish() {
	need := map[*Column]bool{}
	if n.link.Many() {
		need[n.key] = true
	}
	embedded := map[string]bool{}
	for _, k := range n.kids {
		if !k.link.Many() {
			need[k.link.Col] = true
			embedded[k.link.Name] = true
		}
		k.finish()
	}
	n.cols = nil
	for _, c := range n.to.Cols {
		if !c.Hidden || need[c] {
			n.cols = append(n.cols, c)
		}
		if c.Hidden && need[c] && !embedded[c.Name] {
			n.strip = append(n.strip, c.Name)
		}
	}
	n.sel = BuildBoth(func(b *Builder) {
		b.W("SELECT " + SelectList(n.cols) + " FROM " + n.to.Q + " WHERE " + n.key.Q + " IN (")
	})
}

// IncludeError is an include path that cannot be followed; Index is its
// position in the list.
type IncludeError struct {
	Index int
	Msg   string
}

func (e *IncludeError) Error() string { return e.Msg }

// NeedsColumns are the columns of t the records must hold for inc: the
// ref columns it follows, and the id for refs fields.
func (inc *Include) NeedsColumns(t *Table) []*Column {
	var out []*Column
	for _, n := range inc.roots {
		if n.link.Many() {
			out = append(out, t.ID)
		} else {
			out = append(out, n.link.Col)
		}
	}
	return out
}

// Names are the fields inc embeds in t's records.
func (inc *Include) Names() []string {
	var out []string
	for _, n := range inc.roots {
		out = append(out, n.link.Name)
	}
	return out
}

// CompileInclude compiles the include paths of a step over t; rel gives
// the model of each table a link names.
func CompileInclude(t *Table, paths []string, rel Related) (*Include, error) {
	inc := &Include{}
	for i, p := range paths {
		parts := strings.Split(p, ".")
		if len(parts) > MaxIncludeDepth {
			return nil, &IncludeError{i, fmt.Sprintf("%q follows %d fields; at most %d", p, len(parts), MaxIncludeDepth)}
		}
		cur, kids := t, &inc.roots
		trail := []string{t.Name}
		for j, name := range parts {
			at := strings.Join(parts[:j+1], ".")
			l := cur.Links[name]
			if l == nil {
				msg := fmt.Sprintf("%q: table %s has no ref or refs field %q", p, cur.Name, name)
				var links []string
				for n := range cur.Links {
					links = append(links, n)
				}
				sort.Strings(links)
				switch {
				case cur.ByName[name] != nil:
					msg += fmt.Sprintf(" (%s is a column of type %s; include follows ref and refs fields)", name, cur.ByName[name].TypeName)
				case engine.Closest(name, links) != "":
					msg += fmt.Sprintf(" (did you mean %q?)", engine.Closest(name, links))
				case len(links) == 0:
					msg += "; it has none: add a ref field to it, or a refs field naming a ref of another table"
				default:
					msg += "; its links are " + strings.Join(links, ", ")
				}
				return nil, &IncludeError{i, msg}
			}
			to := rel(l.Table)
			if to == nil {
				return nil, &IncludeError{i, fmt.Sprintf("%q: %s.%s links to table %s, which is not defined", p, cur.Name, name, l.Table)}
			}
			for _, seen := range trail {
				if seen == to.Name {
					return nil, &IncludeError{i, fmt.Sprintf("%q goes back to table %s (%s → %s); the records on the way already hold it — stop the path before it", at, to.Name, strings.Join(trail, " → "), to.Name)}
				}
			}
			trail = append(trail, to.Name)
			var node *incNode
			for _, k := range *kids {
				if k.link.Name == name {
					node = k
				}
			}
			if node == nil {
				node = &incNode{link: l, to: to, key: to.ID}
				if l.Many() {
					node.key = to.ByName[l.By]
					if node.key == nil || node.key.Ref != cur.Name {
						return nil, &IncludeError{i, fmt.Sprintf("%q: table %s has no ref %q pointing to %s", p, to.Name, l.By, cur.Name)}
					}
				}
				*kids = append(*kids, node)
			}
			cur, kids = to, &node.kids
		}
	}
	for _, n := range inc.roots {
		n.finish()
	}
	return inc, nil
}

// Load embeds the included records in recs, records of the step's table
// (each a map[string]any), querying q on dialect d.
func (inc *Include) Load(ctx context.Context, q engine.Querier, d value.Dialect, recs []map[string]any) error {
	for _, n := range inc.roots {
		if err := n.load(ctx, q, d, recs); err != nil {
			return err
		}
	}
	return nil
}

func (n *incNode) load(ctx context.Context, q engine.Querier, d value.Dialect, recs []map[string]any) error {
	if len(recs) == 0 {
		return nil
	}
	// The keys to look up: the ref's values, or the records' ids.
	field := n.link.Name
	if n.link.Many() {
		field = "id"
	}
	seen := make(map[any]bool, len(recs))
	var keys []any
	for _, r := range recs {
		if k := r[field]; k != nil && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var found []map[string]any
	for start := 0; start < len(keys); start += IncludeChunk {
		chunk := keys[start:min(start+IncludeChunk, len(keys))]
		b := &Builder{D: d}
		b.W(n.sel[d])
		for i, k := range chunk {
			if i > 0 {
				b.W(", ")
			}
			a, err := Encode(n.key, k, d)
			if err != nil {
				return err
			}
			b.Arg(a)
		}
		b.W(")")
		if n.link.Many() {
			b.W(" ORDER BY " + n.to.ID.Q)
		}
		rows, err := q.QueryContext(ctx, b.String(), b.Args...)
		if err != nil {
			return DBError(n.to, err)
		}
		got, err := ScanRecords(rows, n.cols)
		if err != nil {
			return DBError(n.to, err)
		}
		for _, g := range got {
			found = append(found, g.(map[string]any))
		}
	}
	if len(n.kids) > 0 {
		for _, k := range n.kids {
			if err := k.load(ctx, q, d, found); err != nil {
				return err
			}
		}
	}
	if n.link.Many() {
		by := n.key.Name
		lists := make(map[any][]any, len(keys))
		for _, f := range found {
			lists[f[by]] = append(lists[f[by]], f)
		}
		for _, f := range found {
			for _, h := range n.strip {
				delete(f, h)
			}
		}
		for _, r := range recs {
			list := lists[r["id"]]
			if list == nil {
				list = []any{}
			}
			r[n.link.Name] = list
		}
		return nil
	}
	byID := make(map[any]map[string]any, len(found))
	for _, f := range found {
		byID[f["id"]] = f
	}
	for _, r := range recs {
		if k := r[field]; k != nil {
			if f := byID[k]; f != nil {
				// Each record gets a copy: records sharing a customer do
				// not share what a later step changes in it.
				r[field] = maps.Clone(f)
			} else {
				r[field] = nil
			}
		}
	}
	return nil
}
