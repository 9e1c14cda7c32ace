package tables

import (
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine/value"
)

// Every table and column name in SQL comes from a table definition (names
// match [a-z][a-z0-9_]*) and is double-quoted; every value is a bound
// parameter. Statements are written with ? placeholders and numbered $1,
// $2, … on PostgreSQL as they are built.

// QuoteIdent double-quotes a name taken from a definition; quoting keeps
// reserved words usable.
func QuoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// SelectList is the quoted column list of cols.
func SelectList(cols []*Column) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Q)
	}
	return b.String()
}

// Builder writes one statement for dialect D and collects its arguments.
type Builder struct {
	D    value.Dialect
	sb   strings.Builder
	n    int
	Args []any
}

// W writes s.
func (b *Builder) W(s string) { b.sb.WriteString(s) }

// Ph writes the next placeholder.
func (b *Builder) Ph() {
	b.n++
	if b.D == value.Postgres {
		b.sb.WriteByte('$')
		b.sb.WriteString(strconv.Itoa(b.n))
		return
	}
	b.sb.WriteByte('?')
}

// Arg writes a placeholder bound to v.
func (b *Builder) Arg(v any) {
	b.Ph()
	b.Args = append(b.Args, v)
}

// EqAll writes "a = ? AND b = ?" for cols (a lookup by columns); a nil
// column writes its placeholder alone.
func (b *Builder) EqAll(cols []*Column) {
	for i, col := range cols {
		if i > 0 {
			b.W(" AND ")
		}
		if col != nil {
			b.W(col.Q + " = ")
		}
		b.Ph()
	}
}

// Len is the length of the statement so far.
func (b *Builder) Len() int { return b.sb.Len() }

func (b *Builder) String() string { return b.sb.String() }

// PerDialect is a statement written once for each dialect, indexed by
// value.Dialect.
type PerDialect [2]string

// BuildBoth writes a statement for each dialect with f.
func BuildBoth(f func(b *Builder)) PerDialect {
	var out PerDialect
	for _, d := range value.Dialects {
		b := &Builder{D: d}
		f(b)
		out[d] = b.String()
	}
	return out
}

// Rebind turns the ? placeholders of q, a statement written by this
// package with no ? inside literals, into $1, $2, … on PostgreSQL.
func Rebind(q string, d value.Dialect) string {
	if d != value.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// WriteInsert writes INSERT INTO t (cols) VALUES (?, …), … for rows rows,
// without arguments.
func WriteInsert(b *Builder, t *Table, cols []*Column, rows int) {
	b.W("INSERT INTO " + t.Q + " (" + SelectList(cols) + ") VALUES ")
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.W(", ")
		}
		b.W("(")
		for i := range cols {
			if i > 0 {
				b.W(", ")
			}
			b.Ph()
		}
		b.W(")")
	}
}

// WriteUpdate writes UPDATE t SET cols = ?, updated_at = ? WHERE id = ?,
// with RETURNING every visible column when returning.
func WriteUpdate(b *Builder, t *Table, cols []*Column, returning bool) {
	b.W("UPDATE " + t.Q + " SET ")
	for _, col := range cols {
		if col != nil {
			b.W(col.Q)
		}
		b.W(" = ")
		b.Ph()
		b.W(", ")
	}
	b.W(t.Updated.Q + " = ")
	b.Ph()
	b.W(" WHERE " + t.ID.Q + " = ")
	b.Ph()
	if returning {
		b.W(" RETURNING " + SelectList(t.Visible))
	}
}

// SelectByID reads a record of t by its id: its visible columns, as a
// step gives it back.
func SelectByID(t *Table) PerDialect {
	return BuildBoth(func(b *Builder) {
		b.W("SELECT " + SelectList(t.Visible) + " FROM " + t.Q + " WHERE " + t.ID.Q + " = ")
		b.Ph()
	})
}
