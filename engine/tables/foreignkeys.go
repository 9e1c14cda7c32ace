package tables

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// A ref column is a foreign key to the id of its table. SQLite takes it in
// the column's definition (CREATE TABLE, ADD COLUMN, or the copy of a
// rebuilt table); PostgreSQL's are added by foreignKeys once every table
// of the sync exists, so that tables may point to each other in any order
// (and in cycles). A column that already holds values and becomes a ref
// keeps them when every one is an id of the other table; otherwise the
// sync stops with checkOrphans' error and nothing changes.

// foreignKeys adds the foreign keys of specs that PostgreSQL lacks: new
// ref columns, changed ones (alterPostgres dropped the old key), and the
// keys a forced re-creation of the table they point to took along.
func (s ddl) foreignKeys(ctx context.Context, tx *sql.Tx, specs []*Spec) error {
	if s.d != value.Postgres {
		return nil
	}
	for _, t := range specs {
		for i := range t.Columns {
			c := &t.Columns[i]
			if c.Ref == "" {
				continue
			}
			name := fkName(t.Name, c.Name)
			var n int
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pg_constraint WHERE conname = $1 AND conrelid =
				(SELECT oid FROM pg_class WHERE relname = $2 AND relnamespace = current_schema()::regnamespace)`, name, t.Name).Scan(&n)
			if err != nil {
				return fmt.Errorf("table %s: looking for the foreign key of column %s: %v", t.Name, c.Name, err)
			}
			if n > 0 {
				continue
			}
			if err := s.checkOrphans(ctx, tx, t.Name, c); err != nil {
				return err
			}
			q := "ALTER TABLE " + QuoteIdent(t.Name) + " ADD CONSTRAINT " + QuoteIdent(name) + " FOREIGN KEY (" + QuoteIdent(c.Name) + ") " +
				fkClause(t.Name, c)[len("CONSTRAINT "+QuoteIdent(name)+" "):]
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("table %s: adding the foreign key of column %s: %v", t.Name, c.Name, explainDDL(err))
			}
		}
	}
	return nil
}

// checkOrphans refuses to make column c of table a foreign key while some
// of its values are no id of the table it points to.
func (s ddl) checkOrphans(ctx context.Context, q engine.Querier, table string, c *ColumnSpec) error {
	col := QuoteIdent(c.Name)
	from := " FROM " + QuoteIdent(table) + " WHERE " + col + " IS NOT NULL"
	exists, err := s.tableExists(ctx, q, c.Ref)
	if err != nil {
		return err
	}
	if exists {
		from += " AND NOT EXISTS (SELECT 1 FROM " + QuoteIdent(c.Ref) + " r WHERE r.\"id\" = " + QuoteIdent(table) + "." + col + ")"
	}
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT count(*)"+from).Scan(&n); err != nil {
		return fmt.Errorf("table %s: checking the values of column %s: %v", table, c.Name, err)
	}
	if n == 0 {
		return nil
	}
	var example string
	if err := q.QueryRowContext(ctx, "SELECT CAST("+col+" AS TEXT)"+from+" ORDER BY "+col+" LIMIT 1").Scan(&example); err != nil {
		return fmt.Errorf("table %s: checking the values of column %s: %v", table, c.Name, err)
	}
	return fmt.Errorf("table %s: column %s becomes a ref to table %s, but %d records hold ids that %s does not have (e.g. %s); set them to null or to ids of %s (or add those records), then sync again",
		table, c.Name, c.Ref, n, c.Ref, example, c.Ref)
}

// CheckForeignKeys checks, on SQLite, that every ref holds an id of its
// table (PRAGMA foreign_key_check), for a sync that ran with foreign keys
// off.
func CheckForeignKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("checking foreign keys: %v", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("checking foreign keys: %v", err)
		}
		if len(msgs) < 5 {
			msgs = append(msgs, fmt.Sprintf("a record of %s (id %d) points to a record of %s that does not exist", table, rowid.Int64, parent))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checking foreign keys: %v", err)
	}
	if len(msgs) > 0 {
		return fmt.Errorf("the new schema would leave refs pointing nowhere: %s; fix or delete those records, then sync again", strings.Join(msgs, "; "))
	}
	return nil
}

// refColumn is the SQL type of a ref to a table whose ids are id ("int"
// or "uuid", "" for int).
func (s ddl) refColumn(id string) string {
	if id == "uuid" {
		return value.UUID.Column(s.d)
	}
	return value.Int.Column(s.d)
}

// resolveRefs gives the ref columns of specs that point to a table
// outside the sync the SQL type of that table's ids, from its applied
// schema.
func (s ddl) resolveRefs(ctx context.Context, q engine.Querier, specs []*Spec) error {
	for _, t := range specs {
		for i := range t.Columns {
			c := &t.Columns[i]
			if c.Ref == "" || c.SQL != "" {
				continue
			}
			other, err := Applied(ctx, q, s.d, c.Ref)
			if err != nil {
				return err
			}
			if other == nil {
				return fmt.Errorf("table %s: column %s is a ref to table %q, which does not exist; define it (kind table) and sync it first, or point the ref to a defined table", t.Name, c.Name, c.Ref)
			}
			c.SQL = s.refColumn(other.ID)
		}
	}
	return nil
}
