package api

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/funcstack/funcstack/engine"
)

// TestOverloaded: PostgreSQL's "too many clients" becomes a 503 the client
// may retry, whatever wraps it; other errors stay as they are.
func TestOverloaded(t *testing.T) {
	pg := &pgconn.PgError{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"}
	for _, c := range []struct {
		e    *engine.Error
		want bool
	}{
		{&engine.Error{Code: engine.CodeInternal, Message: "database error: " + pg.Error(), Cause: pg, Definition: "f", ExecutionID: "x"}, true},
		{engine.AsError(fmt.Errorf("reading: %w", pg)), true},
		{&engine.Error{Code: engine.CodeInternal, Message: "failed to connect to `user=root database=app`: server error: FATAL: sorry, too many clients already (SQLSTATE 53300)"}, true},
		{&engine.Error{Code: engine.CodeInternal, Message: "database error: relation does not exist (SQLSTATE 42P01)"}, false},
	} {
		o := overloaded(c.e)
		if (o != nil) != c.want {
			t.Errorf("overloaded(%v) = %v, want %v", c.e, o, c.want)
			continue
		}
		if o != nil && (o.Status != 503 || o.Code != "database_overloaded" || o.Definition != c.e.Definition || o.ExecutionID != c.e.ExecutionID ||
			o.Message != "the database has no connection free for this request; try again in a few seconds") {
			t.Errorf("overloaded(%v) = %+v", c.e, o)
		}
	}
}
