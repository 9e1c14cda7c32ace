package value

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr/types"
)

// Type is one value type. Implementations are stateless and registered
// once; every method is safe for concurrent use.
type Type interface {
	// Info describes the type for the builder's catalogue.
	Info() Info
	// Coerce turns an input value (decoded JSON with json.Number, or a Go
	// value given by a call) into the value a stack holds. The error says
	// what was expected and what came, e.g. "expected int, got text".
	Coerce(v any) (any, error)
	// Column is the SQL type of a column of this type on d, "" when the
	// type cannot be a column.
	Column(d Dialect) string
	// Encode turns a stack value (never nil) into the bound parameter of a
	// column of this type on d. A value that does not fit is a *Mismatch.
	Encode(v any, d Dialect) (any, error)
	// Decode turns a value scanned from a column of this type (never nil)
	// into a stack value.
	Decode(v any) (any, error)
	// Literal turns a column default, as written in a table definition,
	// into a SQL literal on d ("" for null). Only values that decode as
	// the type are accepted and texts are quoted, so nothing from a
	// definition reaches SQL as code.
	Literal(raw json.RawMessage, d Dialect) (string, error)
	// Schema is the JSON Schema of one value, without an input's bounds.
	Schema() map[string]any
	// ExprType is the type expressions see for a value of this type
	// (types.Any when values of several Go types may come).
	ExprType() types.Type
}

// AnswerSchema is the JSON Schema of a value of t as funcstack writes it
// in an answer: Schema, unless the type accepts more forms as input than
// it writes (a timestamp: RFC 3339, a date or Unix ms in; RFC 3339 out).
func AnswerSchema(t Type) map[string]any {
	if a, ok := t.(interface{ AnswerSchema() map[string]any }); ok {
		return a.AnswerSchema()
	}
	return t.Schema()
}

// Info is what the builder knows of a type: the entries of GET
// /_/api/types, in docs/design.md ("Value types").
type Info struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Editor is the builder's editor for a value: text, textarea, number,
	// decimal, toggle, datetime, json, uuid, email, object, ref or refs.
	Editor string `json:"editor"`
	// Input: an input of a function, endpoint or task may have this type.
	Input bool `json:"input"`
	// Column: a table field may have this type.
	Column bool `json:"column"`
	// ListOK: an input of this type may be a list (list: true).
	ListOK bool `json:"list_ok"`
	// Bounds is what an input's min and max bound: "value" (a number's
	// value), "length" (a text's characters), "size" (a file's bytes), or
	// "" (they do not apply).
	Bounds string `json:"bounds,omitempty"`
	// Values: an input's or a table field's values (the allowed texts)
	// apply.
	Values bool `json:"values,omitempty"`
	// Fields: an input of this type may declare its fields, each checked
	// as an input of its own.
	Fields bool `json:"fields,omitempty"`
	// Equality: a column of this type may be tested for one value, given
	// as text (the record browser's filters "is" and "is not"). False for
	// json, whose values are documents: a stack's where may still compare
	// one whole with ==.
	Equality bool `json:"equality"`
	// Ordered: <, <=, >, >= compare values and a query may sort by them
	// (in a where and a sort).
	Ordered bool `json:"ordered"`
	// Searchable: contains, startsWith and endsWith apply (in a where).
	Searchable bool `json:"searchable"`
	// Relation: the field links to records of another table: "one" (a
	// column holding the other record's id, with a foreign key) or
	// "many" (no column: the records of the other table whose ref points
	// here). The builder shows such values as links.
	Relation string `json:"relation,omitempty"`
	// Example is a value, as JSON.
	Example json.RawMessage `json:"example,omitempty"`
	// Planned: the type is announced but not usable yet; definitions
	// naming it are refused with what to use meanwhile.
	Planned string `json:"planned,omitempty"`
}

// Dialect is the SQL dialect of a database.
type Dialect uint8

// The dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// Dialects lists every dialect, for statements written once per dialect.
var Dialects = [...]Dialect{SQLite, Postgres}

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DialectOf reads a database's dialect name ("sqlite" or "postgres", as
// engine.Database.Dialect gives it).
func DialectOf(name string) Dialect {
	if name == "postgres" {
		return Postgres
	}
	return SQLite
}

var (
	registry = map[string]Type{}
	order    []string
)

// listed is the order types are listed in (catalogue, messages): the
// everyday ones first. Types not listed follow in name order.
var listed = []string{"text", "int", "decimal", "bool", "timestamp", "json", "uuid", "email", "object", "ref", "refs", "file"}

func rank(name string) int {
	for i, n := range listed {
		if n == name {
			return i
		}
	}
	return len(listed)
}

// Register adds t to the registry; a second type of the same name panics,
// as it is a programming error.
func Register(t Type) {
	name := t.Info().Name
	if _, dup := registry[name]; dup || name == "" {
		panic(fmt.Sprintf("value: type %q registered twice (or without a name)", name))
	}
	registry[name] = t
	order = append(order, name)
	sort.Slice(order, func(i, j int) bool {
		ri, rj := rank(order[i]), rank(order[j])
		if ri != rj {
			return ri < rj
		}
		return order[i] < order[j]
	})
}

// Lookup returns the type named name, or nil.
func Lookup(name string) Type { return registry[name] }

// Usable returns the type named name when it may be used in a definition
// (registered and not planned), or nil.
func Usable(name string) Type {
	if t := registry[name]; t != nil && t.Info().Planned == "" {
		return t
	}
	return nil
}

// All returns every registered type, everyday ones first.
func All() []Type {
	out := make([]Type, len(order))
	for i, n := range order {
		out[i] = registry[n]
	}
	return out
}

// InputTypes names the types an input may have, in the order of All.
func InputTypes() []string { return names(func(i Info) bool { return i.Input }) }

// ColumnTypes names the types a table field may have, in the order of
// All.
func ColumnTypes() []string { return names(func(i Info) bool { return i.Column }) }

func names(keep func(Info) bool) []string {
	var out []string
	for _, n := range order {
		if i := registry[n].Info(); keep(i) && i.Planned == "" {
			out = append(out, n)
		}
	}
	return out
}

// Unknown is the message for a type name no definition may use, saying
// which may be (kinds: InputTypes or ColumnTypes).
func Unknown(name string, allowed []string) string {
	if t := registry[name]; t != nil && t.Info().Planned != "" {
		return fmt.Sprintf("type %q is not available yet: %s", name, t.Info().Planned)
	}
	return fmt.Sprintf("unknown type %q; use one of %s", name, strings.Join(allowed, ", "))
}

// Entry is one type of the catalogue: its Info, the JSON Schema of a
// value and the SQL column type on each dialect.
type Entry struct {
	Info
	Schema map[string]any    `json:"schema"`
	SQL    map[string]string `json:"sql,omitempty"`
}

// Catalogue describes every usable type, in the order of All: what GET
// /_/api/types answers.
func Catalogue() []Entry {
	out := []Entry{}
	for _, t := range All() {
		i := t.Info()
		if i.Planned != "" {
			continue
		}
		e := Entry{Info: i, Schema: t.Schema()}
		if i.Column && t.Column(SQLite) != "" {
			e.SQL = map[string]string{}
			for _, d := range Dialects {
				e.SQL[d.String()] = t.Column(d)
			}
		}
		out = append(out, e)
	}
	return out
}

// Mismatch is a value that does not fit a type: Want says what would.
type Mismatch struct {
	Want string // e.g. "a whole number"
	Got  any
}

func (m *Mismatch) Error() string { return "expects " + m.Want + ", got " + Describe(m.Got) }

// Refused is a value of the right kind that cannot be stored, with the
// reason (text holding a NUL character, …).
type Refused struct{ Reason string }

func (r *Refused) Error() string { return r.Reason }

// expected is the error of Coerce: "expected <want>, got <kind of v>".
func expected(want string, v any) error { return fmt.Errorf("expected %s, got %s", want, TypeName(v)) }
