package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

// TestRouteOf checks that middleware of the main engine learns the route
// pattern of generated endpoints, which are served by an engine of their
// own.
func TestRouteOf(t *testing.T) {
	defs, diags := engine.LoadWorkspace("testdata/ws")
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	p, diags := engine.Compile(defs)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	eng := engine.New(engine.Config{Secrets: map[string][]byte{engine.SecretJWT: []byte("route-test-jwt-secret-0123456789abcdef")}})
	defer eng.Close()
	eng.Load(p)
	s, err := New(Config{Engine: eng, AdminToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	s.g.Use(func(c *gin.Context) { c.Next(); got = append(got, routeOf(c)) })
	rt, err := s.buildRoutes(p)
	if err != nil {
		t.Fatal(err)
	}
	rt.g.POST("/t/keys/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	s.routes.Store(rt)
	// A middleware added after New runs for unmatched requests too: gin
	// rebuilds the NoRoute chain on Use.
	for _, u := range []string{"/t/keys/7", "/nope"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, u, nil))
	}
	if len(got) != 2 || got[0] != "/t/keys/:id" || got[1] != "" {
		t.Errorf("routes seen by middleware: %q", got)
	}
}
