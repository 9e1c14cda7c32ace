package tables

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// SystemPrefix starts the name of every table funcstack keeps for itself;
// user tables may not use it.
const SystemPrefix = "funcstack_"

// Spec is the schema of one user table as applied, kept as JSON in
// funcstack_tables to diff against the next definition.
type Spec struct {
	Name    string       `json:"name"`
	ID      string       `json:"id"` // "int" or "uuid"
	Columns []ColumnSpec `json:"columns"`
	Indexes []IndexSpec  `json:"indexes,omitempty"`
}

// ColumnSpec is one defined column of a Spec.
type ColumnSpec struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	Unique   bool   `json:"unique,omitempty"`
	// Default is the SQL literal (or expression) of the default value.
	Default string `json:"default,omitempty"`
	// SQL is the column's SQL type as applied. Schemas applied before it
	// was recorded have none: the column then has the type's Previous
	// storage, or its current one.
	SQL string `json:"sql,omitempty"`
	// Ref is, for a ref column, the table its foreign key points to, and
	// OnDelete the foreign key's ON DELETE: restrict, cascade or
	// set_null.
	Ref      string `json:"ref,omitempty"`
	OnDelete string `json:"on_delete,omitempty"`
}

// fkClause is the foreign key of ref column c of table: a column
// constraint.
func fkClause(table string, c *ColumnSpec) string {
	return "CONSTRAINT " + QuoteIdent(fkName(table, c.Name)) + " REFERENCES " + QuoteIdent(c.Ref) + " (\"id\") ON DELETE " +
		strings.ToUpper(strings.ReplaceAll(c.OnDelete, "_", " "))
}

// IndexSpec is one index of a Spec.
type IndexSpec struct {
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
	Unique bool     `json:"unique,omitempty"`
}

func (t *Spec) column(name string) *ColumnSpec {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

func (t *Spec) index(name string) *IndexSpec {
	for i := range t.Indexes {
		if t.Indexes[i].Name == name {
			return &t.Indexes[i]
		}
	}
	return nil
}

// ddl writes the schema statements of one dialect.
type ddl struct{ d value.Dialect }

// nowDefault is the SQL default of created_at and updated_at.
func (s ddl) nowDefault() string { return value.NowDefault(s.d) }

// IndexName is the name of the index over cols of table.
func IndexName(table string, cols []string) string {
	return table + "_" + strings.Join(cols, "_") + "_idx"
}

// uniqueName is the name of the UNIQUE constraint of a column.
func uniqueName(table, col string) string { return table + "_" + col + "_key" }

// specOf checks a table definition and turns it into the schema to apply.
func (s ddl) specOf(d *engine.Definition, idTypes map[string]string) (*Spec, error) {
	if d.Name == "" || !engine.NamePattern.MatchString(d.Name) {
		return nil, fmt.Errorf("table %q: the name must match [a-z][a-z0-9_]*", d.Name)
	}
	if strings.HasPrefix(d.Name, SystemPrefix) {
		return nil, fmt.Errorf("table %s: names starting with %s are kept for funcstack's own tables; rename the table definition", d.Name, SystemPrefix)
	}
	t := &Spec{Name: d.Name, ID: "int"}
	switch d.IDType {
	case "", "int":
	case "uuid":
		t.ID = "uuid"
	default:
		return nil, fmt.Errorf("table %s: id %q must be \"int\" (the default) or \"uuid\"", d.Name, d.IDType)
	}
	seen := map[string]bool{"id": true, "created_at": true, "updated_at": true}
	for i, f := range d.Fields {
		where := fmt.Sprintf("table %s: fields[%d]", d.Name, i)
		if !engine.NamePattern.MatchString(f.Name) {
			return nil, fmt.Errorf("%s: column name %q must match [a-z][a-z0-9_]*", where, f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("%s: column %q is defined twice (id, created_at and updated_at are kept by the engine)", where, f.Name)
		}
		seen[f.Name] = true
		typ := value.Usable(f.Type)
		if typ != nil && typ.Info().Relation == "many" {
			continue // no column
		}
		if typ == nil || typ.Column(s.d) == "" {
			return nil, fmt.Errorf("%s: column %s has %s", where, f.Name, value.Unknown(f.Type, value.ColumnTypes()))
		}
		c := ColumnSpec{Name: f.Name, Type: f.Type, Required: f.Required, Unique: f.Unique, SQL: typ.Column(s.d)}
		if typ.Info().Relation == "one" {
			// A table outside this sync (a definition saved alone) is
			// looked up in the applied schemas by resolveRefs.
			c.SQL = ""
			if id, ok := idTypes[f.Table]; ok {
				c.SQL = s.refColumn(id)
			}
			c.Ref, c.OnDelete = f.Table, f.OnDelete
			if c.OnDelete == "" {
				c.OnDelete = engine.OnDeleteRestrict
			}
		}
		if len(f.Default) > 0 {
			lit, err := typ.Literal(bytes.TrimSpace(f.Default), s.d)
			if err != nil {
				return nil, fmt.Errorf("%s.default: column %s: %v", where, f.Name, err)
			}
			c.Default = lit
		}
		t.Columns = append(t.Columns, c)
	}
	for i, ix := range d.Indexes {
		where := fmt.Sprintf("table %s: indexes[%d]", d.Name, i)
		if len(ix.Fields) == 0 {
			return nil, fmt.Errorf("%s: an index needs at least one column", where)
		}
		for _, f := range ix.Fields {
			if !seen[f] {
				return nil, fmt.Errorf("%s: unknown column %q", where, f)
			}
		}
		is := IndexSpec{Name: IndexName(d.Name, ix.Fields), Fields: ix.Fields, Unique: ix.Unique}
		if prev := t.index(is.Name); prev != nil {
			if prev.Unique != is.Unique {
				return nil, fmt.Errorf("%s: the index over %s is defined twice, once unique and once not; keep one", where, strings.Join(ix.Fields, ", "))
			}
			continue
		}
		t.Indexes = append(t.Indexes, is)
	}
	return t, nil
}

// columnDef is the column's definition in CREATE TABLE or ADD COLUMN.
// On SQLite a ref's foreign key is part of it; PostgreSQL's are added
// once every table exists (foreignKeys).
func (s ddl) columnDef(table string, c *ColumnSpec, withUnique bool) string {
	var b strings.Builder
	b.WriteString(QuoteIdent(c.Name))
	b.WriteByte(' ')
	if c.SQL != "" {
		b.WriteString(c.SQL)
	} else {
		b.WriteString(value.Lookup(c.Type).Column(s.d))
	}
	if c.Required {
		b.WriteString(" NOT NULL")
	}
	if c.Default != "" {
		b.WriteString(" DEFAULT ")
		b.WriteString(c.Default)
	}
	if c.Unique && withUnique {
		b.WriteString(" CONSTRAINT " + QuoteIdent(uniqueName(table, c.Name)) + " UNIQUE")
	}
	if c.Ref != "" && s.d == value.SQLite {
		b.WriteString(" " + fkClause(table, c))
	}
	return b.String()
}

func (s ddl) createTableSQL(name string, t *Spec) string {
	var cols []string
	pg := s.d == value.Postgres
	switch {
	case t.ID == "uuid" && pg:
		cols = append(cols, `"id" UUID PRIMARY KEY`)
	case t.ID == "uuid":
		cols = append(cols, `"id" TEXT PRIMARY KEY NOT NULL`)
	case pg:
		cols = append(cols, `"id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`)
	default:
		cols = append(cols, `"id" INTEGER PRIMARY KEY AUTOINCREMENT`)
	}
	for i := range t.Columns {
		cols = append(cols, s.columnDef(t.Name, &t.Columns[i], true))
	}
	ts := value.Timestamp.Column(s.d)
	cols = append(cols,
		`"created_at" `+ts+` NOT NULL DEFAULT `+s.nowDefault(),
		`"updated_at" `+ts+` NOT NULL DEFAULT `+s.nowDefault())
	return "CREATE TABLE " + QuoteIdent(name) + " (\n\t" + strings.Join(cols, ",\n\t") + "\n)"
}

func createIndexSQL(table string, ix *IndexSpec) string {
	q := make([]string, len(ix.Fields))
	for i, f := range ix.Fields {
		q[i] = QuoteIdent(f)
	}
	u := ""
	if ix.Unique {
		u = "UNIQUE "
	}
	return "CREATE " + u + "INDEX IF NOT EXISTS " + QuoteIdent(ix.Name) + " ON " + QuoteIdent(table) + " (" + strings.Join(q, ", ") + ")"
}

// Specs checks the table definitions in defs (other kinds are ignored)
// and turns each into the schema to apply on d.
func Specs(d value.Dialect, defs []*engine.Definition) ([]*Spec, error) {
	var specs []*Spec
	seen := map[string]bool{}
	idTypes := map[string]string{}
	for _, def := range defs {
		if def != nil && def.Kind == engine.KindTable {
			idTypes[def.Name] = def.IDType
		}
	}
	for _, def := range defs {
		if def == nil || def.Kind != engine.KindTable {
			continue
		}
		t, err := ddl{d}.specOf(def, idTypes)
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("table %s is defined twice; keep one definition", t.Name)
		}
		seen[t.Name] = true
		specs = append(specs, t)
	}
	return specs, nil
}
