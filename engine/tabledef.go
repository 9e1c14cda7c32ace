package engine

import (
	"encoding/json"
	"strings"

	"github.com/funcstack/funcstack/engine/value"
)

// Table definitions: their fields, indexes and triggers, and parsing them.

// TableField is a column of a user table.
type TableField struct {
	Name     string          `json:"name"`
	Type     string          `json:"type"`
	Required bool            `json:"required,omitempty"`
	Unique   bool            `json:"unique,omitempty"`
	Default  json.RawMessage `json:"default,omitempty"`
	// Table is the table a ref or refs field links to.
	Table string `json:"table,omitempty"`
	// By is, for a refs field, the ref field of Table that points here.
	By string `json:"by,omitempty"`
	// OnDelete is what deleting the record a ref points to does to the
	// records pointing to it: restrict (the default), cascade or set_null.
	OnDelete string `json:"on_delete,omitempty"`
	// Hidden columns are left out of the records db steps give back
	// unless a step's fields lists them (a password hash).
	Hidden bool `json:"hidden,omitempty"`
	// Values are the texts the column allows (an enum such as an
	// order's status); every write funcstack makes checks them.
	Values []string `json:"values,omitempty"`
}

// What deleting a record does to the records whose ref points to it.
const (
	OnDeleteRestrict = "restrict"
	OnDeleteCascade  = "cascade"
	OnDeleteSetNull  = "set_null"
)

// TableIndex is an index over one or more columns.
type TableIndex struct {
	Fields []string `json:"fields"`
	Unique bool     `json:"unique,omitempty"`
}

// TableTrigger runs a function after changes to a table.
type TableTrigger struct {
	On       []string `json:"on"`
	Function string   `json:"function"`
}

// checkRelationField checks the settings of a field that only ref and
// refs fields take (table, by, on_delete); the tables they name are
// checked with the whole workspace (CheckTables).
func checkRelationField(r *reporter, path string, f *TableField) {
	rel := ""
	if t := value.Usable(f.Type); t != nil {
		rel = t.Info().Relation
	}
	switch {
	case rel == "" && f.Table != "":
		r.errorf(joinPath(path, "table"), "bad_value", "only ref and refs fields link to a table (this one is %s); remove table, or make the field a ref", f.Type)
	case rel != "" && f.Table == "":
		r.errorf(joinPath(path, "table"), "required", "a %s field names the table it links to, e.g. \"table\": \"customer\"", f.Type)
	}
	switch {
	case rel != "many" && f.By != "":
		r.errorf(joinPath(path, "by"), "bad_value", "only refs fields take by (the ref field of the other table that points here); remove it")
	case rel == "many" && f.By == "":
		r.errorf(joinPath(path, "by"), "required", "a refs field names the ref field of table %s that points here, e.g. \"by\": \"order\"", f.Table)
	}
	if rel == "many" && (f.Required || f.Unique || len(f.Default) > 0 || f.Hidden) {
		r.errorf(path, "bad_value", "a refs field has no column: required, unique, default and hidden do not apply; remove them")
	}
	switch f.OnDelete {
	case "":
	case OnDeleteRestrict, OnDeleteCascade, OnDeleteSetNull:
		if rel != "one" {
			r.errorf(joinPath(path, "on_delete"), "bad_value", "only ref fields take on_delete; remove it")
		} else if f.OnDelete == OnDeleteSetNull && f.Required {
			r.errorf(joinPath(path, "on_delete"), "bad_value", "on_delete set_null empties the field, but it is required; use restrict or cascade, or make the field not required")
		}
	default:
		r.errorf(joinPath(path, "on_delete"), "bad_value", "on_delete %q must be restrict (the default: deleting a record still referred to is refused), cascade (the referring records are deleted too) or set_null", f.OnDelete)
	}
}

// parseFieldValues reads a field's values, the texts its column allows:
// a non-empty list of distinct texts, on a type whose registry entry
// takes values, holding the field's default.
func parseFieldValues(fo *object, path string, f *TableField) []string {
	if !fo.has("values") {
		fo.used["values"] = true
		return nil
	}
	vpath := joinPath(path, "values")
	vals := fo.strings("values")
	if vals == nil {
		return nil // not a list: reported
	}
	if len(vals) == 0 {
		fo.r.errorf(vpath, "bad_value", "values lists the texts the column allows, e.g. [\"placed\", \"paid\"]; an empty list allows none: list them, or remove values")
		return nil
	}
	seen := map[string]bool{}
	for i, v := range vals {
		if seen[v] {
			fo.r.errorf(indexPath(vpath, i), "duplicate", "%q is listed twice in values", v)
		}
		seen[v] = true
	}
	if t := value.Usable(f.Type); t != nil && !t.Info().Values {
		var with []string
		for _, n := range value.ColumnTypes() {
			if value.Lookup(n).Info().Values {
				with = append(with, n)
			}
		}
		fo.r.errorf(vpath, "bad_type", "only %s fields take values (this one is %s); remove values", strings.Join(with, " and "), f.Type)
		return vals
	}
	var def string
	if len(f.Default) > 0 && json.Unmarshal(f.Default, &def) == nil && !contains(vals, def) {
		fo.r.errorf(joinPath(path, "default"), "bad_value", "default %q is not one of the values %s; make it one of them, or add it to values", def, strings.Join(vals, ", "))
	}
	return vals
}

func parseTable(o *object, d *Definition) {
	d.IDType = o.str("id", false)
	if d.IDType != "" && d.IDType != "int" && d.IDType != "uuid" {
		o.r.errorf("id", "bad_value", "id %q must be \"int\" (auto-increment, the default) or \"uuid\"", d.IDType)
	}
	items, _ := o.array("fields")
	names := map[string]bool{"id": true, "created_at": true, "updated_at": true}
	many := map[string]bool{} // refs fields
	for i, raw := range items {
		path := indexPath("fields", i)
		fo, ok := decodeObject(o.r, path, raw)
		if !ok {
			continue
		}
		f := TableField{Name: fo.str("name", true), Type: fo.str("type", true), Required: fo.boolean("required"), Unique: fo.boolean("unique"), Hidden: fo.boolean("hidden")}
		if raw, ok := fo.raw("default"); ok {
			f.Default = raw
		}
		if f.Name != "" && !NamePattern.MatchString(f.Name) {
			o.r.errorf(joinPath(path, "name"), "bad_name", "column name %q must match [a-z][a-z0-9_]*", f.Name)
		} else if names[f.Name] && f.Hidden && (f.Name == "id" || f.Name == "created_at" || f.Name == "updated_at") {
			o.r.errorf(joinPath(path, "hidden"), "bad_value", "%s is kept by the engine and cannot be hidden; records always hold id, created_at and updated_at (leave them out of fields)", f.Name)
		} else if names[f.Name] {
			o.r.errorf(joinPath(path, "name"), "duplicate", "column %q is defined twice (id, created_at and updated_at are kept by the engine)", f.Name)
		}
		names[f.Name] = true
		if tableTypes := value.ColumnTypes(); f.Type != "" && !contains(tableTypes, f.Type) {
			o.r.errorf(joinPath(path, "type"), "bad_type", "%s", strings.Replace(value.Unknown(f.Type, tableTypes), "unknown type", "unknown column type", 1))
		}
		f.Table, f.By, f.OnDelete = fo.str("table", false), fo.str("by", false), fo.str("on_delete", false)
		checkRelationField(o.r, path, &f)
		f.Values = parseFieldValues(fo, path, &f)
		fo.rejectUnknown([]string{"name", "type", "required", "unique", "default", "table", "by", "on_delete", "hidden", "values"})
		if t := value.Lookup(f.Type); t != nil && t.Info().Relation == "many" {
			many[f.Name] = true
		}
		d.Fields = append(d.Fields, f)
	}
	idx, _ := o.array("indexes")
	for i, raw := range idx {
		path := indexPath("indexes", i)
		io, ok := decodeObject(o.r, path, raw)
		if !ok {
			continue
		}
		ix := TableIndex{Fields: io.strings("fields"), Unique: io.boolean("unique")}
		if len(ix.Fields) == 0 {
			o.r.errorf(joinPath(path, "fields"), "required", "an index needs at least one column")
		}
		for j, f := range ix.Fields {
			if many[f] {
				o.r.errorf(indexPath(joinPath(path, "fields"), j), "bad_value", "%q is a refs field, which has no column to index; index the ref field of its table instead", f)
			} else if !names[f] {
				o.r.errorf(indexPath(joinPath(path, "fields"), j), "unknown_column", "unknown column %q", f)
			}
		}
		io.rejectUnknown([]string{"fields", "unique"})
		d.Indexes = append(d.Indexes, ix)
	}
	trg, _ := o.array("triggers")
	for i, raw := range trg {
		path := indexPath("triggers", i)
		to, ok := decodeObject(o.r, path, raw)
		if !ok {
			continue
		}
		t := TableTrigger{On: to.strings("on"), Function: to.str("function", true)}
		if len(t.On) == 0 {
			o.r.errorf(joinPath(path, "on"), "required", "say which changes fire the trigger: [\"insert\", \"update\", \"delete\"]")
		}
		for j, on := range t.On {
			if on != "insert" && on != "update" && on != "delete" {
				o.r.errorf(indexPath(joinPath(path, "on"), j), "bad_value", "%q is not insert, update or delete", on)
			}
		}
		to.rejectUnknown([]string{"on", "function"})
		d.Triggers = append(d.Triggers, t)
	}
}
