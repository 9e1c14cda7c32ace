package api

import (
	"context"
	"log/slog"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// CheckPublish returns what publishing defs would break in the published
// workspace of st, as the admin API checks before it publishes: the
// diagnostics of defs, every error elsewhere that the change brings, and
// endpoint routes that could not be served. Endpoints with "auth": "jwt"
// are checked as a server with a JWT secret serves them (serve always has
// one). It is for tools publishing without a server (funcstack publish).
func CheckPublish(ctx context.Context, st *store.Store, defs []*engine.Definition) (engine.Diagnostics, error) {
	s := &Server{
		cfg: Config{Store: st, JWTSecret: make([]byte, MinJWTSecretBytes)},
		log: slog.New(slog.DiscardHandler),
	}
	return s.checkPublish(ctx, defs)
}
