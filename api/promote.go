package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
)

// HeaderCallID carries the execution ID of a run answered with 202 (a
// promoted sync run, as OpenFaaS's async calls do).
const HeaderCallID = "X-Call-Id"

// StatusURL is where the record of execution id is read (admin token).
func StatusURL(id string) string { return "/_/api/executions/" + id }

// promoted is the body of a 202 answer.
type promoted struct {
	ID        string `json:"id"`
	StatusURL string `json:"status_url"`
}

// run runs name for a request. With after > 0 ("promote_after") a run
// still going after that long is promoted: the caller gets 202 with the
// execution ID and status URL (written here; ok is false), and the run goes
// on under the async limit.
func (s *Server) run(c *gin.Context, name string, input map[string]any, opt engine.RunOptions, after time.Duration) (res *engine.Result, ok bool, err error) {
	if after <= 0 {
		res, err = s.cfg.Engine.Run(c.Request.Context(), name, input, opt)
		return res, true, err
	}
	res, moved, err := s.cfg.Engine.RunPromotable(c.Request.Context(), name, input, opt, after)
	if !moved {
		return res, true, err
	}
	id := res.ExecutionID
	c.Header(HeaderCallID, id)
	c.Header(HeaderExecutionID, id)
	c.Header("Location", StatusURL(id))
	writeJSON(c, http.StatusAccepted, promoted{ID: id, StatusURL: StatusURL(id)})
	return nil, false, nil
}
