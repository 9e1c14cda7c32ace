package tables

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestUniqueConflictNamesColumns: a broken unique constraint is told by
// the columns it holds, from either driver's error, and never names
// what is not a column of the table.
func TestUniqueConflictNamesColumns(t *testing.T) {
	tbl := &Table{Name: "order_line", ByName: map[string]*Column{"order": {}, "product": {}, "sku": {}}}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"sqlite, one column", errors.New("constraint failed: UNIQUE constraint failed: order_line.sku (2067)"),
			"order_line: another record has the same sku (sku must be unique); use another value, or change that record with db.edit or db.upsert"},
		{"sqlite, two columns", errors.New("constraint failed: UNIQUE constraint failed: order_line.order, order_line.product (2067)"),
			"order_line: another record has the same order and product (together they must be unique); use another value, or change that record with db.edit or db.upsert"},
		{"postgres, two columns", fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505", Message: `duplicate key value violates unique constraint "order_line_order_product_idx"`,
			Detail: `Key ("order", product)=(1, 2) already exists.`}),
			"order_line: another record has the same order and product (together they must be unique); use another value, or change that record with db.edit or db.upsert"},
		{"postgres, no detail", &pgconn.PgError{Severity: "ERROR", Code: "23505", Message: `duplicate key value violates unique constraint "x"`},
			`database error on table order_line: a record with the same unique value already exists (ERROR: duplicate key value violates unique constraint "x" (SQLSTATE 23505))`},
		{"not a column", errors.New("UNIQUE constraint failed: order_line.secret"),
			"database error on table order_line: a record with the same unique value already exists (UNIQUE constraint failed: order_line.secret)"},
	}
	for _, c := range cases {
		if got := DBError(tbl, c.err).Error(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
