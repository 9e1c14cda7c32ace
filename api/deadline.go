package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// DefaultReadTimeout is how long a client may take to send a request body
// (Config.ReadTimeout).
const DefaultReadTimeout = 30 * time.Second

// A request body must arrive within Config.ReadTimeout: a client sending
// one byte every few seconds would otherwise hold a connection (and a
// goroutine) for as long as it likes. The deadline is set on the
// connection when the request comes in and lifted as soon as the body has
// been read, so a long run after it is not cut off (net/http cancels a
// request whose connection's read deadline passes while it runs; it only
// watches the connection once the body is read, so a body left unread
// keeps the deadline harmlessly).

// errBodyTimeout is the error of a body read past the deadline.
var errBodyTimeout = errors.New("the request body did not arrive in time")

// deadlineBody is a request body read under a connection read deadline.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	once sync.Once
}

// Read lifts the deadline once the whole body is in. A body that timed
// out keeps it: the server then gives up reading the rest of it at once
// and closes the connection, instead of draining it at the client's pace.
func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.lift()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, errBodyTimeout
	}
	return n, err
}

func (b *deadlineBody) lift() { b.once.Do(func() { _ = b.rc.SetReadDeadline(time.Time{}) }) }

// limitBodyTime puts r's body under the read timeout d (none when d <= 0
// or r has no body). w is the server's own writer.
func limitBodyTime(w http.ResponseWriter, r *http.Request, d time.Duration) {
	if d <= 0 || r.Body == nil || r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(d)) != nil {
		return // not a connection that has deadlines (a test recorder)
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
}

// cleanPath routes r by its cleaned path (no "..", "." or doubled
// slashes; a trailing slash kept): every route, and the admin token check
// of /_/api, sees the path as it is meant, so /api/../_/api/x is
// /_/api/x, which needs the admin token, and never an endpoint's.
func cleanPath(r *http.Request) {
	p := r.URL.Path
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	r.URL.Path, r.URL.RawPath = c, ""
}

// codeOverloaded is the code of a request the database had no connection
// for.
const codeOverloaded = "database_overloaded"

// retryAfterSeconds is the Retry-After of a 503 for a full database.
const retryAfterSeconds = "2"

// overloaded is the 503 answer to e when e comes from a PostgreSQL server
// that has no connection left ("too many clients", SQLSTATE 53300): the
// request may well succeed a moment later, so it is no 500. nil otherwise.
func overloaded(e *engine.Error) *engine.Error {
	if e.Status == http.StatusServiceUnavailable {
		return nil
	}
	text := e.Message
	for err := e.Cause; err != nil; err = errors.Unwrap(err) {
		text += " " + err.Error()
	}
	if !strings.Contains(text, "53300") && !strings.Contains(text, "too many clients") && !strings.Contains(text, "too many connections") {
		return nil
	}
	return &engine.Error{Code: codeOverloaded, Status: http.StatusServiceUnavailable, Definition: e.Definition, ExecutionID: e.ExecutionID,
		Message: "the database has no connection free for this request; try again in a few seconds"}
}
