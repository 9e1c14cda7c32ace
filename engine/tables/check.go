package tables

import (
	"fmt"
	"sort"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// MaxNameBytes is the longest name PostgreSQL keeps: it cuts longer ones,
// so that two names sharing their first 63 bytes would name one table,
// column or index. Every name funcstack gives the database — a table's,
// a column's, and those it makes up for constraints and indexes — must
// fit, on SQLite too, so that a workspace moves between databases.
const MaxNameBytes = 63

// fkName is the name of the foreign key of a ref column.
func fkName(table, col string) string { return table + "_" + col + "_fkey" }

func init() { engine.RegisterTableCheck(Check) }

// Check checks a table definition against the workspace (defs by name):
// the tables its ref and refs fields name, and the length of every name
// the database will be given. The engine runs it on every compile, so
// these are validate-time errors with their JSON path.
func Check(d *engine.Definition, defs map[string]*engine.Definition) []engine.TableProblem {
	var out []engine.TableProblem
	add := func(path, code, format string, args ...any) {
		out = append(out, engine.TableProblem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	long := func(path, what, name, fix string) {
		if len(name) > MaxNameBytes {
			add(path, "name_too_long", "%s %q is %d bytes; PostgreSQL keeps at most %d bytes of a name (longer ones are cut, and two cut names would become one), so funcstack refuses it on every database; %s",
				what, name, len(name), MaxNameBytes, fix)
		}
	}
	long("name", "the table name", d.Name, "shorten the table's name")
	for i, f := range d.Fields {
		path := fmt.Sprintf("fields[%d]", i)
		long(path+".name", "the column name", f.Name, "shorten the field's name")
		if len(d.Name) > MaxNameBytes || len(f.Name) > MaxNameBytes {
			continue
		}
		typ := value.Usable(f.Type)
		if typ == nil {
			continue
		}
		rel := typ.Info().Relation
		if f.Unique && rel == "" {
			long(path+".unique", "the name of its unique constraint", uniqueName(d.Name, f.Name), "shorten the table's or the field's name")
		}
		if rel == "" || f.Table == "" {
			continue
		}
		other := defs[f.Table]
		if other == nil || other.Kind != engine.KindTable {
			var names []string
			for n, x := range defs {
				if x.Kind == engine.KindTable {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			msg := fmt.Sprintf("field %s links to table %q, which is not defined", f.Name, f.Table)
			if s := engine.Closest(f.Table, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else if len(names) > 0 {
				msg += "; the tables are " + strings.Join(names, ", ")
			}
			add(path+".table", "unknown_table", "%s", msg)
			continue
		}
		if rel == "one" {
			if f.Unique {
				long(path+".unique", "the name of its unique constraint", uniqueName(d.Name, f.Name), "shorten the table's or the field's name")
			}
			long(path+".name", "the name of its foreign key", fkName(d.Name, f.Name), "shorten the table's or the field's name")
			continue
		}
		// refs: by is a ref of the other table that points here.
		var by *engine.TableField
		var refs []string
		for j := range other.Fields {
			of := &other.Fields[j]
			if t := value.Usable(of.Type); t != nil && t.Info().Relation == "one" && of.Table == d.Name {
				refs = append(refs, of.Name)
				if of.Name == f.By {
					by = of
				}
			}
		}
		if by == nil {
			msg := fmt.Sprintf("field %s: table %s has no ref field %q pointing to table %s", f.Name, f.Table, f.By, d.Name)
			if len(refs) > 0 {
				msg += "; its refs to " + d.Name + " are " + strings.Join(refs, ", ")
			} else {
				msg += fmt.Sprintf("; add one there, e.g. {\"name\": %q, \"type\": \"ref\", \"table\": %q}", d.Name, d.Name)
			}
			add(path+".by", "unknown_column", "%s", msg)
		}
	}
	for i, ix := range d.Indexes {
		if len(ix.Fields) > 0 {
			long(fmt.Sprintf("indexes[%d]", i), "the name of the index", IndexName(d.Name, ix.Fields), "shorten the table's or the columns' names, or index fewer columns")
		}
	}
	// PostgreSQL keeps tables, indexes and unique constraints in one
	// namespace: a name another table's definition makes would make the
	// second CREATE INDEX IF NOT EXISTS do nothing.
	others := map[string]string{}
	for n, x := range defs {
		if x.Kind == engine.KindTable && n != d.Name {
			for _, rn := range relationNames(x) {
				others[rn.name] = n
			}
		}
	}
	for _, rn := range relationNames(d) {
		if o, ok := others[rn.name]; ok {
			add(rn.path, "name_clash", "%s is named %q, as is a table, index or unique constraint of table %s; PostgreSQL keeps them in one namespace; rename one of the tables or columns", rn.what, rn.name, o)
		}
	}
	return out
}

type relName struct{ name, what, path string }

// relationNames are the names of the relations (tables, indexes, unique
// constraints) PostgreSQL gets for table definition d.
func relationNames(d *engine.Definition) []relName {
	out := []relName{{d.Name, "the table", "name"}}
	for i, f := range d.Fields {
		if f.Unique {
			out = append(out, relName{uniqueName(d.Name, f.Name), "the unique constraint of " + f.Name, fmt.Sprintf("fields[%d].unique", i)})
		}
	}
	for i, ix := range d.Indexes {
		out = append(out, relName{IndexName(d.Name, ix.Fields), "the index over " + strings.Join(ix.Fields, ", "), fmt.Sprintf("indexes[%d]", i)})
	}
	return out
}
