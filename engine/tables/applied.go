package tables

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// The schema of a table as last applied, and what it tells the admin API.

// Applied returns the schema of table name as last applied, or nil when it
// was never synced.
func Applied(ctx context.Context, q engine.Querier, d value.Dialect, name string) (*Spec, error) {
	var raw string
	err := q.QueryRowContext(ctx, Rebind("SELECT spec FROM funcstack_tables WHERE name = ?", d), name).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the applied schema of table %s: %v", name, err)
	}
	var t Spec
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return nil, fmt.Errorf("the applied schema of table %s in funcstack_tables is damaged (%v); sync with force to re-create the table", name, err)
	}
	return &t, nil
}

// RowCount counts the rows of a user table.
func RowCount(ctx context.Context, q engine.Querier, table string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+QuoteIdent(table)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting the rows of table %s: %v", table, err)
	}
	return n, nil
}

// ColumnInfo describes one column of a synced user table, for the admin
// API.
type ColumnInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // the value type: text, int, …; the id is int or uuid
	Required bool   `json:"required,omitempty"`
	Unique   bool   `json:"unique,omitempty"`
	// Ref is, for a ref column, the table it points to.
	Ref string `json:"ref,omitempty"`
	// Values are the texts the column allows, as the loaded definition
	// lists them (the admin API adds them: the applied schema has none).
	Values []string `json:"values,omitempty"`
}

// Columns returns the id type ("int" or "uuid") and the columns of a
// synced user table (id first, then the defined columns, then created_at
// and updated_at), or an error when the table was never synced.
func Columns(ctx context.Context, q engine.Querier, d value.Dialect, name string) (idType string, cols []ColumnInfo, err error) {
	t, err := Applied(ctx, q, d, name)
	if err != nil {
		return "", nil, err
	}
	if t == nil {
		return "", nil, fmt.Errorf("table %s does not exist; define it (kind table) and import or sync the workspace", name)
	}
	cols = append(cols, ColumnInfo{Name: "id", Type: t.ID, Required: true, Unique: true})
	for _, c := range t.Columns {
		cols = append(cols, ColumnInfo{Name: c.Name, Type: c.Type, Required: c.Required, Unique: c.Unique, Ref: c.Ref})
	}
	cols = append(cols, ColumnInfo{Name: "created_at", Type: "timestamp", Required: true}, ColumnInfo{Name: "updated_at", Type: "timestamp", Required: true})
	return t.ID, cols, nil
}
