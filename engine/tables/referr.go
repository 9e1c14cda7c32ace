package tables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// maxRefProbes bounds the ids of one ref column WriteError looks up on
// SQLite to find the one that points nowhere.
const maxRefProbes = 100

// WriteError is DBError for a write (insert or update) of t that sent
// args for cols: one row of len(cols) values, or several, as a multi-row
// INSERT sends them. A foreign
// key failure there means a ref names a record that does not exist: the
// error names the ref column and the id, which the driver's text does
// not (SQLite says only "FOREIGN KEY constraint failed"). PostgreSQL's
// error says which constraint and value; on SQLite, whose transaction a
// failed statement does not abort, the ref values written are looked up.
func WriteError(ctx context.Context, q engine.Querier, d value.Dialect, t *Table, cols []*Column, args []any, err error) error {
	if err == nil || t == nil || !IsForeignKey(err) {
		return DBError(t, err)
	}
	if col, id, ok := missingRef(ctx, q, d, t, cols, args, err); ok {
		how := "give the id of a record of " + col.Ref
		if !col.Required {
			how += ", or null"
		}
		return &engine.Error{Code: engine.CodeInvalidInput, Status: 400, Cause: err,
			Message: fmt.Sprintf("%s is a ref to %s, and %s has no record with id %s; %s", col.Label(), col.Ref, col.Ref, id, how)}
	}
	return DBError(t, err)
}

// missingRef finds the ref column and the id (as text) that err is about.
func missingRef(ctx context.Context, q engine.Querier, d value.Dialect, t *Table, cols []*Column, args []any, err error) (*Column, string, bool) {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		name, _ := strings.CutSuffix(pe.ConstraintName, "_fkey")
		name, ok := strings.CutPrefix(name, t.Name+"_")
		col := t.ByName[name]
		if !ok || col == nil || col.Ref == "" {
			return nil, "", false
		}
		// Detail: Key (author)=(999) is not present in table "author".
		_, v, ok := strings.Cut(pe.Detail, ")=(")
		if v, _, ok2 := strings.Cut(v, ") is not present"); ok && ok2 {
			return col, v, true
		}
		return nil, "", false
	}
	if d != value.SQLite || len(cols) == 0 {
		return nil, "", false
	}
	for i, col := range cols {
		if col == nil || col.Ref == "" {
			continue
		}
		probe := "SELECT 1 FROM " + QuoteIdent(col.Ref) + " WHERE " + QuoteIdent("id") + " = ?"
		seen := map[any]bool{}
		for j := i; j < len(args) && len(seen) < maxRefProbes; j += len(cols) {
			a := args[j]
			if a == nil || seen[a] {
				continue
			}
			seen[a] = true
			var one int
			switch err := q.QueryRowContext(ctx, probe, a).Scan(&one); {
			case err == nil:
			case errors.Is(err, sql.ErrNoRows):
				return col, idText(a), true
			default:
				return nil, "", false
			}
		}
	}
	return nil, "", false
}
