package tables

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// Column is one column of a user table.
type Column struct {
	Table    string // the table's name
	Name     string
	Q        string     // the quoted name
	TypeName string     // the value type's name (text, int, …)
	Type     value.Type // the value type
	Required bool
	// HasDefault: the definition gives a default.
	HasDefault bool
	// System columns (id, created_at, updated_at) are kept by the engine.
	System bool
	// Ref is, for a ref column, the table whose ids it holds.
	Ref string
	// Hidden columns are left out of the records db steps give back
	// unless a step's fields lists them.
	Hidden bool
	// Values are the texts the column allows, when the definition lists
	// them: every write checks them (EncodeWrite).
	Values []string
}

// Link is a relation of a table to another: a ref column (its value is
// the id of a record of Table) or a refs field (no column: the records of
// Table whose ref column By holds this record's id).
type Link struct {
	Name  string
	Table string  // the other table
	Col   *Column // a ref: its column
	By    string  // refs: the ref column of Table that points here
}

// Many reports whether the link is a refs field (a list of records).
func (l *Link) Many() bool { return l.Col == nil }

// Label names the column in messages: table.column.
func (c *Column) Label() string { return c.Table + "." + c.Name }

// Table is a user table as its definition describes it.
type Table struct {
	Name   string
	Q      string // the quoted name
	UUIDID bool   // ids are UUIDs the engine makes, not integers the database counts
	Cols   []*Column
	ByName map[string]*Column
	Names  []string // the column names, in the order of Cols
	// Visible are the columns that are not hidden, in the order of Cols:
	// what a record holds when a step does not list its fields.
	Visible []*Column
	// ID, Created and Updated are the columns the engine keeps.
	ID, Created, Updated *Column
	// Links are the table's ref and refs fields, by name.
	Links map[string]*Link
	// uniques are the column sets with a unique constraint.
	uniques [][]string
}

// cache holds the model of each table definition while the definition
// lives (the model refers to no definition): every compile, reload or
// check of a draft parses definitions anew, and a cache keyed by the
// pointer alone kept every one a long-running server ever saw.
var cache sync.Map // weak.Pointer[engine.Definition] → *Table

// Of returns the model of a table definition: id, the defined columns,
// created_at, updated_at. Definitions are immutable once compiled, so the
// model is kept per definition.
func Of(d *engine.Definition) *Table {
	key := weak.Make(d)
	if t, ok := cache.Load(key); ok {
		return t.(*Table)
	}
	t := &Table{Name: d.Name, Q: QuoteIdent(d.Name), UUIDID: d.IDType == "uuid", ByName: map[string]*Column{}, Links: map[string]*Link{}}
	add := func(name, typ string, required, hasDef, system bool) *Column {
		vt := value.Usable(typ)
		if vt == nil || vt.Column(value.SQLite) == "" {
			vt = value.JSON // the definition check reports the type; read and write as JSON meanwhile
		}
		c := &Column{Table: d.Name, Name: name, Q: QuoteIdent(name), TypeName: typ, Type: vt, Required: required, HasDefault: hasDef, System: system}
		t.Cols = append(t.Cols, c)
		t.ByName[name] = c
		t.Names = append(t.Names, name)
		return c
	}
	idType := value.Int
	if t.UUIDID {
		idType = value.UUID
	}
	t.ID = add("id", idType.Info().Name, true, true, true)
	t.uniques = append(t.uniques, []string{"id"})
	for _, f := range d.Fields {
		if f.Name == "" || t.ByName[f.Name] != nil || t.Links[f.Name] != nil {
			continue
		}
		if vt := value.Usable(f.Type); vt != nil && vt.Info().Relation == "many" {
			t.Links[f.Name] = &Link{Name: f.Name, Table: f.Table, By: f.By}
			continue
		}
		c := add(f.Name, f.Type, f.Required, len(f.Default) > 0 && string(f.Default) != "null", false)
		if vt := value.Usable(f.Type); vt != nil && vt.Info().Relation == "one" {
			c.Ref = f.Table
			t.Links[f.Name] = &Link{Name: f.Name, Table: f.Table, Col: c}
		}
		c.Hidden, c.Values = f.Hidden, f.Values
		if f.Unique {
			t.uniques = append(t.uniques, []string{f.Name})
		}
	}
	ts := value.Timestamp.Info().Name
	t.Created = add("created_at", ts, true, true, true)
	t.Updated = add("updated_at", ts, true, true, true)
	for _, c := range t.Cols {
		if !c.Hidden {
			t.Visible = append(t.Visible, c)
		}
	}
	for _, ix := range d.Indexes {
		if ix.Unique {
			t.uniques = append(t.uniques, ix.Fields)
		}
	}
	v, loaded := cache.LoadOrStore(key, t)
	if !loaded {
		runtime.AddCleanup(d, func(k weak.Pointer[engine.Definition]) { cache.Delete(k) }, key)
	}
	return v.(*Table)
}

// UnknownColumn says that the table has no column name, with a
// did-you-mean or the list of its columns.
func (t *Table) UnknownColumn(name string) string {
	msg := fmt.Sprintf("table %s has no column %q", t.Name, name)
	if s := engine.Closest(name, t.Names); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; its columns are " + strings.Join(t.Names, ", ")
}

// HiddenNames are the names of t's hidden columns.
func (t *Table) HiddenNames() []string {
	var out []string
	for _, c := range t.Cols {
		if c.Hidden {
			out = append(out, c.Name)
		}
	}
	return out
}

// ReadOnly says that a column is kept by the engine.
func (c *Column) ReadOnly() string {
	return fmt.Sprintf("%s.%s is kept by the engine and cannot be set", c.Table, c.Name)
}

// Writable returns the named column when a step may set it, and an error
// (a *CodecError) for unknown and engine-kept columns.
func (t *Table) Writable(name string) (*Column, error) {
	col := t.ByName[name]
	if col == nil {
		return nil, &CodecError{t.UnknownColumn(name)}
	}
	if col.System {
		return nil, &CodecError{col.ReadOnly()}
	}
	return col, nil
}

// HasUnique reports whether cols (in any order) carry a unique constraint.
func (t *Table) HasUnique(cols []string) bool {
	want := append([]string(nil), cols...)
	sort.Strings(want)
	for _, u := range t.uniques {
		got := append([]string(nil), u...)
		sort.Strings(got)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return true
		}
	}
	return false
}

// Determines reports whether equality on cols matches at most one row:
// they include every column of a unique constraint.
func (t *Table) Determines(cols []string) bool {
	for _, u := range t.uniques {
		if !slices.ContainsFunc(u, func(c string) bool { return !slices.Contains(cols, c) }) {
			return true
		}
	}
	return false
}

// MissingRequired returns the required columns without a default that an
// insert setting the given columns would leave empty.
func (t *Table) MissingRequired(given map[string]bool) []*Column {
	var out []*Column
	for _, col := range t.Cols {
		if col.Required && !col.System && !col.HasDefault && !given[col.Name] {
			out = append(out, col)
		}
	}
	return out
}

// InsertColumns are the columns an insert of data sets: the id when the
// engine makes it (uuid tables), data's, created_at and updated_at.
func (t *Table) InsertColumns(data []*Column) []*Column {
	var cols []*Column
	if t.UUIDID {
		cols = append(cols, t.ID)
	}
	cols = append(cols, data...)
	return append(cols, t.Created, t.Updated)
}
