package tables

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// Sync: the plan of changes that brings a table from its applied schema
// to its definition, and applying it.

// retyped reports whether a column that keeps its name changes what it
// holds: its values are lost. A column between int or uuid and a ref of
// the same storage keeps its values (they become, or stop being, ids of
// the other table), as does a ref to a table of the same id type.
func retyped(oc, nc *ColumnSpec) bool {
	idLike := func(t string) bool { return t == "int" || t == "uuid" || t == "ref" }
	if oc.Type == nc.Type {
		return oc.Type == "ref" && oc.SQL != nc.SQL
	}
	return !(idLike(oc.Type) && idLike(nc.Type) && oc.SQL == nc.SQL)
}

// fkChanged reports whether the foreign key of a column changes (is
// added, removed, or points elsewhere or acts otherwise).
func fkChanged(oc, nc *ColumnSpec) bool { return oc.Ref != nc.Ref || oc.OnDelete != nc.OnDelete }

// previousColumn is a value type whose column storage changed: columns
// applied before the change have the Previous SQL type and are converted
// on the next sync (decimal: REAL and DOUBLE PRECISION became exact).
type previousColumn interface {
	PreviousColumn(d value.Dialect) string
}

// storage fills in the SQL type of the columns of an applied spec that
// predates the field.
func (s ddl) storage(t *Spec) {
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.SQL != "" {
			continue
		}
		typ := value.Lookup(c.Type)
		if typ == nil {
			continue
		}
		c.SQL = typ.Column(s.d)
		if p, ok := typ.(previousColumn); ok {
			c.SQL = p.PreviousColumn(s.d)
		}
	}
}

// storageChanged reports whether column c keeps its values (same type) but
// changes its storage: they are converted.
func storageChanged(oc, nc *ColumnSpec) bool {
	return oc.Type == nc.Type && oc.SQL != nc.SQL && !retyped(oc, nc)
}

// tablePlan is what Sync does to one table.
type tablePlan struct {
	spec     *Spec
	old      *Spec // nil: create
	exists   bool
	recreate bool // drop and create (forced)
	stmts    []string
	rebuild  bool // SQLite: copy into a new table
}

// DestructiveError is Sync refusing changes that lose data (a
// dropped column, a changed type or id); Changes names each by table and
// column. Sync with force applies them.
type DestructiveError struct {
	Changes []string
}

func (e *DestructiveError) Error() string {
	return "refusing destructive table changes:\n  " + strings.Join(e.Changes, "\n  ") +
		"\nput the columns back, or pass --force (SyncTables force) to apply them; the values of dropped or re-typed columns are lost"
}

// Sync makes the user tables match specs, in tx on a database of dialect
// d: it creates missing tables, adds new columns and indexes, drops
// indexes no longer defined and applies changed required, unique and
// default settings. Destructive changes (a dropped column, a changed type
// or id) are refused with a *DestructiveError naming table and column,
// unless force, which drops what was removed (its values are lost).
// Tables no longer defined are left alone. changed reports whether a
// statement ran (prepared statements of the tables are then stale).
func Sync(ctx context.Context, tx *sql.Tx, d value.Dialect, specs []*Spec, force bool) (changed bool, err error) {
	s := ddl{d}
	if err := s.resolveRefs(ctx, tx, specs); err != nil {
		return false, err
	}
	var plans []*tablePlan
	var refused []string
	for _, t := range specs {
		p, why, err := s.plan(ctx, tx, t, force)
		if err != nil {
			return false, err
		}
		refused = append(refused, why...)
		if p != nil {
			plans = append(plans, p)
		}
	}
	if len(refused) > 0 {
		return false, &DestructiveError{Changes: refused}
	}
	for _, p := range plans {
		if err := s.apply(ctx, tx, p); err != nil {
			return false, err
		}
	}
	if len(plans) > 0 {
		if err := s.foreignKeys(ctx, tx, specs); err != nil {
			return false, err
		}
	}
	return len(plans) > 0, nil
}

func (s ddl) tableExists(ctx context.Context, q engine.Querier, name string) (bool, error) {
	var n int
	var err error
	if s.d == value.Postgres {
		err = q.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1", name).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n)
	}
	if err != nil {
		return false, fmt.Errorf("checking whether table %s exists: %v", name, err)
	}
	return n > 0, nil
}

// plan diffs t against the applied schema. It returns the refused
// destructive changes (when !force) as sentences.
func (s ddl) plan(ctx context.Context, tx *sql.Tx, t *Spec, force bool) (*tablePlan, []string, error) {
	exists, err := s.tableExists(ctx, tx, t.Name)
	if err != nil {
		return nil, nil, err
	}
	old, err := Applied(ctx, tx, s.d, t.Name)
	if err != nil && !(force && exists) {
		return nil, nil, err
	}
	p := &tablePlan{spec: t, old: old, exists: exists}
	if !exists {
		p.old = nil
		return p, nil, nil
	}
	if old == nil {
		if !force {
			return nil, []string{fmt.Sprintf("table %s already exists but funcstack did not make it; rename the definition, or force to drop and re-create it (its rows are lost)", t.Name)}, nil
		}
		p.recreate = true
		return p, nil, nil
	}
	s.storage(old)
	if specEqual(old, t) {
		return nil, nil, nil
	}
	var refused []string
	if old.ID != t.ID {
		if !force {
			return nil, []string{fmt.Sprintf("table %s: id changes from %s to %s; this re-creates the table and deletes its rows", t.Name, old.ID, t.ID)}, nil
		}
		p.recreate = true
		return p, nil, nil
	}
	for _, oc := range old.Columns {
		nc := t.column(oc.Name)
		switch {
		case nc == nil:
			refused = append(refused, fmt.Sprintf("table %s: column %s (%s) was removed from the definition; dropping it deletes its values", t.Name, oc.Name, oc.Type))
		case retyped(&oc, nc):
			refused = append(refused, fmt.Sprintf("table %s: column %s changes type from %s to %s; it is dropped and re-created, its values are deleted", t.Name, oc.Name, oc.Type, nc.Type))
		}
	}
	if len(refused) > 0 && !force {
		return nil, refused, nil
	}
	var rows int64 = -1
	for _, nc := range t.Columns {
		oc := old.column(nc.Name)
		if (oc == nil || retyped(oc, &nc)) && nc.Required && nc.Default == "" {
			if rows < 0 {
				if rows, err = RowCount(ctx, tx, t.Name); err != nil {
					return nil, nil, err
				}
			}
			if rows > 0 {
				return nil, nil, fmt.Errorf("table %s: new column %s is required but has no default, and the table has %d rows that would have no value; give it a default, or add it not required, fill it, then make it required", t.Name, nc.Name, rows)
			}
		}
	}
	if s.d == value.Postgres {
		p.stmts = s.alterPostgres(old, t)
	} else {
		// A kept column that gains a foreign key must hold ids of the
		// other table (PostgreSQL checks when it adds the key).
		for i := range t.Columns {
			nc := &t.Columns[i]
			if oc := old.column(nc.Name); oc != nil && nc.Ref != "" && oc.Ref != nc.Ref && !retyped(oc, nc) {
				if err := s.checkOrphans(ctx, tx, t.Name, nc); err != nil {
					return nil, nil, err
				}
			}
		}
		p.stmts, p.rebuild = s.alterSQLite(old, t)
	}
	return p, nil, nil
}

func specEqual(a, b *Spec) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func (s ddl) alterPostgres(old, t *Spec) []string {
	tbl := QuoteIdent(t.Name)
	var st []string
	// Indexes first, so that dropped columns do not take them along twice.
	for _, oi := range old.Indexes {
		if ni := t.index(oi.Name); ni == nil || ni.Unique != oi.Unique {
			st = append(st, "DROP INDEX IF EXISTS "+QuoteIdent(oi.Name))
		}
	}
	for _, oc := range old.Columns {
		if nc := t.column(oc.Name); nc == nil || retyped(&oc, nc) {
			st = append(st, "ALTER TABLE "+tbl+" DROP COLUMN IF EXISTS "+QuoteIdent(oc.Name))
		} else if oc.Ref != "" && fkChanged(&oc, nc) {
			// foreignKeys adds the new one.
			st = append(st, "ALTER TABLE "+tbl+" DROP CONSTRAINT IF EXISTS "+QuoteIdent(fkName(t.Name, oc.Name)))
		}
	}
	for i := range t.Columns {
		nc := &t.Columns[i]
		oc := old.column(nc.Name)
		col := QuoteIdent(nc.Name)
		if oc == nil || retyped(oc, nc) {
			st = append(st, "ALTER TABLE "+tbl+" ADD COLUMN "+s.columnDef(t.Name, nc, true))
			continue
		}
		if storageChanged(oc, nc) {
			// Through text: a float's text is its shortest decimal (0.1),
			// as SQLite's conversion reads it, where a direct cast keeps
			// 15 digits.
			st = append(st, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" TYPE "+nc.SQL+" USING "+col+"::text::"+nc.SQL)
		}
		if oc.Default != nc.Default {
			if nc.Default == "" {
				st = append(st, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" DROP DEFAULT")
			} else {
				st = append(st, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" SET DEFAULT "+nc.Default)
			}
		}
		if oc.Required != nc.Required {
			if nc.Required {
				st = append(st, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" SET NOT NULL")
			} else {
				st = append(st, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" DROP NOT NULL")
			}
		}
		if oc.Unique != nc.Unique {
			cn := QuoteIdent(uniqueName(t.Name, nc.Name))
			if nc.Unique {
				st = append(st, "ALTER TABLE "+tbl+" ADD CONSTRAINT "+cn+" UNIQUE ("+col+")")
			} else {
				st = append(st, "ALTER TABLE "+tbl+" DROP CONSTRAINT IF EXISTS "+cn)
			}
		}
	}
	for i := range t.Indexes {
		if oi := old.index(t.Indexes[i].Name); oi == nil || oi.Unique != t.Indexes[i].Unique || !sameFields(oi, &t.Indexes[i], old, t) {
			st = append(st, createIndexSQL(t.Name, &t.Indexes[i]))
		}
	}
	return st
}

// sameFields reports whether an index keeps its columns (a re-typed column
// is dropped, and its indexes with it).
func sameFields(oi, ni *IndexSpec, old, t *Spec) bool {
	for _, f := range ni.Fields {
		oc, nc := old.column(f), t.column(f)
		if oc != nil && nc != nil && retyped(oc, nc) {
			return false
		}
	}
	return true
}

// alterSQLite returns the statements for changes SQLite's ALTER TABLE can
// do (new plain columns, indexes), or rebuild=true when the table must be
// copied into a new one.
func (s ddl) alterSQLite(old, t *Spec) (stmts []string, rebuild bool) {
	tbl := QuoteIdent(t.Name)
	for _, oc := range old.Columns {
		if nc := t.column(oc.Name); nc == nil || *nc != oc {
			return nil, true
		}
	}
	for _, oi := range old.Indexes {
		if ni := t.index(oi.Name); ni == nil || ni.Unique != oi.Unique {
			stmts = append(stmts, "DROP INDEX IF EXISTS "+QuoteIdent(oi.Name))
		}
	}
	for i := range t.Columns {
		nc := &t.Columns[i]
		if old.column(nc.Name) != nil {
			continue
		}
		// ADD COLUMN takes neither UNIQUE, nor NOT NULL without a
		// default, nor a non-constant default.
		if nc.Unique || (nc.Required && nc.Default == "") || strings.HasPrefix(nc.Default, "(") {
			return nil, true
		}
		stmts = append(stmts, "ALTER TABLE "+tbl+" ADD COLUMN "+s.columnDef(t.Name, nc, false))
	}
	for i := range t.Indexes {
		if oi := old.index(t.Indexes[i].Name); oi == nil || oi.Unique != t.Indexes[i].Unique {
			stmts = append(stmts, createIndexSQL(t.Name, &t.Indexes[i]))
		}
	}
	return stmts, false
}

func (s ddl) apply(ctx context.Context, tx *sql.Tx, p *tablePlan) error {
	t := p.spec
	exec := func(q string) error {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("table %s: %v (while running: %s)", t.Name, explainDDL(err), q)
		}
		return nil
	}
	create := func(name string) error {
		if err := exec(s.createTableSQL(name, t)); err != nil {
			return err
		}
		return nil
	}
	indexes := func() error {
		for i := range t.Indexes {
			if err := exec(createIndexSQL(t.Name, &t.Indexes[i])); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case !p.exists:
		if err := create(t.Name); err != nil {
			return err
		}
		if err := indexes(); err != nil {
			return err
		}
	case p.recreate:
		drop := "DROP TABLE " + QuoteIdent(t.Name)
		if s.d == value.Postgres {
			// Takes the foreign keys of other tables pointing here along
			// (not their rows); foreignKeys adds them back.
			drop += " CASCADE"
		}
		if err := exec(drop); err != nil {
			return err
		}
		if err := create(t.Name); err != nil {
			return err
		}
		if err := indexes(); err != nil {
			return err
		}
	case p.rebuild:
		tmp := SystemPrefix + "rebuild_" + t.Name
		if err := exec("DROP TABLE IF EXISTS " + QuoteIdent(tmp)); err != nil {
			return err
		}
		if err := create(tmp); err != nil {
			return err
		}
		cols := []string{`"id"`, `"created_at"`, `"updated_at"`}
		for _, nc := range t.Columns {
			if oc := p.old.column(nc.Name); oc != nil && !retyped(oc, &nc) {
				cols = append(cols, QuoteIdent(nc.Name))
			}
		}
		list := strings.Join(cols, ", ")
		if err := exec("INSERT INTO " + QuoteIdent(tmp) + " (" + list + ") SELECT " + list + " FROM " + QuoteIdent(t.Name)); err != nil {
			return err
		}
		if err := exec("DROP TABLE " + QuoteIdent(t.Name)); err != nil {
			return err
		}
		if err := exec("ALTER TABLE " + QuoteIdent(tmp) + " RENAME TO " + QuoteIdent(t.Name)); err != nil {
			return err
		}
		for i := range t.Columns {
			if oc := p.old.column(t.Columns[i].Name); oc != nil && storageChanged(oc, &t.Columns[i]) {
				if err := s.convert(ctx, tx, t.Name, &t.Columns[i]); err != nil {
					return err
				}
			}
		}
		if err := indexes(); err != nil {
			return err
		}
	default:
		for _, q := range p.stmts {
			if err := exec(q); err != nil {
				return err
			}
		}
	}
	spec, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, Rebind(`INSERT INTO funcstack_tables (name, spec, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`, s.d), t.Name, string(spec), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("table %s: recording its schema in funcstack_tables: %v", t.Name, err)
	}
	return nil
}

// convert rewrites the values of column c of table as its type now
// stores them: each value is read as the type reads any stored value
// (Decode) and written as it writes one (Encode).
func (s ddl) convert(ctx context.Context, tx *sql.Tx, table string, c *ColumnSpec) error {
	typ := value.Lookup(c.Type)
	col := QuoteIdent(c.Name)
	rows, err := tx.QueryContext(ctx, "SELECT \"id\", "+col+" FROM "+QuoteIdent(table)+" WHERE "+col+" IS NOT NULL")
	if err != nil {
		return fmt.Errorf("table %s: reading column %s to convert it: %v", table, c.Name, err)
	}
	type change struct{ id, v any }
	var changes []change
	for rows.Next() {
		var id, v any
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return fmt.Errorf("table %s: reading column %s to convert it: %v", table, c.Name, err)
		}
		x, err := typ.Decode(v)
		if err == nil {
			v, err = typ.Encode(x, s.d)
		}
		if err != nil {
			rows.Close()
			return fmt.Errorf("table %s: record %v: column %s holds %v, which cannot be converted: %v", table, id, c.Name, v, err)
		}
		changes = append(changes, change{id, v})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("table %s: reading column %s to convert it: %v", table, c.Name, err)
	}
	update := Rebind("UPDATE "+QuoteIdent(table)+" SET "+col+" = ? WHERE \"id\" = ?", s.d)
	for _, ch := range changes {
		if _, err := tx.ExecContext(ctx, update, ch.v, ch.id); err != nil {
			return fmt.Errorf("table %s: converting column %s: %v", table, c.Name, err)
		}
	}
	return nil
}

// explainDDL adds what to do to the errors a schema change meets on data.
func explainDDL(err error) string {
	msg := err.Error()
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "not null") || strings.Contains(low, "contains null values"):
		return msg + "; some rows have no value for a column that became required: fill them first, or give the column a default"
	case strings.Contains(low, "unique") || strings.Contains(low, "duplicate"):
		return msg + "; some rows share a value of a column or index that became unique: remove the duplicates first"
	}
	return msg
}
