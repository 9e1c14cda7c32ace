package tables

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/funcstack/funcstack/engine"
)

// Error codes of the db.* steps.
const (
	// CodeNoDatabase is the code of a db step run without a database.
	CodeNoDatabase = "no_database"
	// CodeConflict is the code of a write that breaks a unique constraint.
	CodeConflict = "conflict"
	// CodeBusy is the code of a write that met a locked database too long.
	CodeBusy = "database_busy"
)

// CodecError is a value that does not fit its column (or a column a step
// may not use); Msg names the column.
type CodecError struct{ Msg string }

func (e *CodecError) Error() string { return e.Msg }

// NoDatabase is the error of a db step run without a database.
func NoDatabase() *engine.Error {
	return &engine.Error{Code: CodeNoDatabase, Status: 500, Message: "no database configured; run with --data or --database-url"}
}

// ValueError is an *engine.Error for a value that does not fit, at the
// JSON path path; other errors pass through. A CodecError's text is
// funcstack's own, naming the column, so it is the message and not a
// Cause: a Cause's text is kept from clients without the admin token.
func ValueError(path string, err error) error {
	var ce *CodecError
	if errors.As(err, &ce) {
		return &engine.Error{Code: engine.CodeInvalidInput, Path: path, Message: ce.Msg}
	}
	return err
}

// DBError turns a driver error into an *engine.Error that says what went
// wrong on which table (t may be nil); context errors pass through so
// that the engine reports the timeout or cancellation.
func DBError(t *Table, err error) error {
	if err == nil {
		return nil
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var ce *CodecError
	if errors.As(err, &ce) {
		return &engine.Error{Code: engine.CodeInvalidInput, Message: ce.Msg} // own text: see ValueError
	}
	where := "database error"
	if t != nil {
		where = "database error on table " + t.Name
	}
	msg := err.Error()
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "unique constraint") || strings.Contains(low, "duplicate key") || strings.Contains(msg, "23505"):
		if cols := uniqueColumns(t, err); len(cols) > 0 {
			rule := cols[0] + " must be unique"
			if len(cols) > 1 {
				rule = "together they must be unique"
			}
			return &engine.Error{Code: CodeConflict, Status: 409, Message: fmt.Sprintf("%s: another record has the same %s (%s); use another value, or change that record with db.edit or db.upsert", t.Name, strings.Join(cols, " and "), rule), Cause: err}
		}
		return &engine.Error{Code: CodeConflict, Status: 409, Message: fmt.Sprintf("%s: a record with the same unique value already exists (%s)", where, msg), Cause: err}
	case strings.Contains(low, "not null constraint") || strings.Contains(low, "null value in column") || strings.Contains(msg, "23502"):
		return &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf("%s: a required column has no value (%s)", where, msg), Cause: err}
	case IsForeignKey(err):
		return &engine.Error{Code: CodeConflict, Status: 409, Message: where + ": a ref names a record that does not exist, or the record is still referred to by a ref with on_delete restrict; check the ref's id, or delete the referring records first", Cause: err}
	case IsBusy(err):
		return &engine.Error{Code: CodeBusy, Status: 503, Message: where + ": the database stayed busy with other writes; try again", Cause: err}
	}
	return &engine.Error{Code: engine.CodeInternal, Message: fmt.Sprintf("%s: %s", where, msg), Cause: err}
}

// IsForeignKey reports whether err is a foreign key violation: a ref to
// a record that does not exist, or the deletion of a record a ref with
// on_delete restrict points to.
func IsForeignKey(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "violates foreign key constraint") || strings.Contains(msg, "SQLSTATE 23503")
}

// DeleteError is DBError for the deletion of record id of t: a record
// still referred to says so.
func DeleteError(t *Table, id any, err error) error {
	if err != nil && IsForeignKey(err) {
		return &engine.Error{Code: CodeConflict, Status: 409, Message: fmt.Sprintf("%s %s is still referred to by records of another table whose ref has on_delete restrict; delete or change those records first, or make the ref on_delete cascade or set_null", t.Name, idText(id)), Cause: err}
	}
	return DBError(t, err)
}

// IsBusy reports whether err is SQLite's "database is locked" family.
func IsBusy(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "SQLITE_LOCKED") ||
			strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked") {
			return true
		}
	}
	return false
}

// NotFound is the error of a write to a record that does not exist.
func NotFound(t *Table, id any) *engine.Error {
	return &engine.Error{Code: engine.CodeNotFound, Status: 404, Message: fmt.Sprintf("%s %v not found", t.Name, idText(id))}
}

// uniqueColumns are the columns of t whose unique constraint err broke,
// or nil when the driver's error does not say or t is nil. SQLite names
// them in its message ("UNIQUE constraint failed: t.a, t.b"); PostgreSQL
// in the error's detail ("Key (a, b)=(…) already exists.").
func uniqueColumns(t *Table, err error) []string {
	if t == nil {
		return nil
	}
	var list string
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		open, close := strings.Index(pe.Detail, "Key ("), strings.Index(pe.Detail, ")=(")
		if open < 0 || close < open {
			return nil
		}
		list = pe.Detail[open+len("Key (") : close]
	} else {
		msg := err.Error()
		i := strings.Index(msg, "UNIQUE constraint failed: ")
		if i < 0 {
			return nil
		}
		list = msg[i+len("UNIQUE constraint failed: "):]
		list, _, _ = strings.Cut(list, " (")
		list, _, _ = strings.Cut(list, "\n")
	}
	var cols []string
	for _, c := range strings.Split(list, ", ") {
		c = strings.Trim(strings.TrimPrefix(strings.TrimSpace(c), t.Name+"."), `"`)
		if t.ByName[c] == nil {
			return nil // not a column of t: say nothing rather than something wrong
		}
		cols = append(cols, c)
	}
	return cols
}
