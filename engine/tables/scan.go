package tables

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
)

// ScanRecords reads every row as an object keyed by column.
func ScanRecords(rows *sql.Rows, cols []*Column) ([]any, error) {
	defer rows.Close()
	out := []any{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec, err := record(cols, vals)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// ScanOne reads the first row, or nil when there is none.
func ScanOne(rows *sql.Rows, cols []*Column) (map[string]any, error) {
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	rec, err := record(cols, vals)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
	}
	return rec, rows.Err()
}

func record(cols []*Column, vals []any) (map[string]any, error) {
	rec := make(map[string]any, len(cols))
	for i, c := range cols {
		v, err := Decode(c, vals[i])
		if err != nil {
			return nil, err
		}
		rec[c.Name] = v
	}
	return rec, nil
}

// idText writes a record id in messages: a UUID quoted, a number as it is.
func idText(id any) string {
	if s, ok := id.(string); ok {
		return strconv.Quote(s)
	}
	b, err := json.Marshal(id)
	if err != nil {
		return fmt.Sprint(id)
	}
	return string(b)
}
