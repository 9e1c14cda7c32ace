package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// DefaultReloadInterval is how often Watch asks the store whether a
// published definition changed.
const DefaultReloadInterval = time.Second

// reloadState is what the last reload saw and did.
type reloadState struct {
	mu sync.Mutex
	// seen is the published version of every definition the loaded
	// program was built from.
	seen map[string]int
	// disabled are the published definitions left out of the loaded
	// program because they do not compile with the rest, and why.
	disabled engine.Diagnostics
	lastErr  error
}

// adminState is what the admin API keeps between requests.
type adminState struct {
	// stacks caches the compiled stacks of record edits.
	stacks stackCache
}

// publishedVersions reads, for every definition, its published version (0
// for none).
func publishedVersions(ctx context.Context, st *store.Store) (map[string]int, error) {
	vs, err := st.Versions(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(vs))
	for n, v := range vs {
		if v[1] > 0 {
			out[n] = v[1]
		}
	}
	return out, nil
}

// CompilePublished compiles the published definitions of st as the
// server serves them: workspace.CompilePublished.
func CompilePublished(ctx context.Context, st *store.Store) (*engine.Program, engine.Diagnostics, error) {
	return workspace.CompilePublished(ctx, st)
}

// Reload loads the store's published definitions: it compiles them, makes
// the engine run the new program and swaps the endpoint routes. Runs in
// flight finish on the program they started with. It needs Config.Store.
func (s *Server) Reload(ctx context.Context) error {
	_, err := s.reloadIf(ctx, true)
	return err
}

// reloadIf reloads when the published versions differ from the loaded
// ones, or always when force; it reports whether it reloaded.
func (s *Server) reloadIf(ctx context.Context, force bool) (bool, error) {
	st := s.cfg.Store
	if st == nil {
		return false, errors.New("api: reloading needs Config.Store")
	}
	s.reload.mu.Lock()
	defer s.reload.mu.Unlock()
	seen, err := publishedVersions(ctx, st)
	if err != nil {
		return false, err
	}
	if !force && s.reload.seen != nil && maps.Equal(seen, s.reload.seen) {
		return false, nil
	}
	err = s.load(ctx, seen)
	s.reload.lastErr = err
	if err != nil && !force {
		// Keep serving the old program; do not retry until something
		// changes again.
		s.reload.seen = seen
	}
	return err == nil, err
}

// load builds and swaps in the program of the published definitions;
// seen are the versions it was read at. s.reload.mu is held.
func (s *Server) load(ctx context.Context, seen map[string]int) error {
	p, disabled, err := CompilePublished(ctx, s.cfg.Store)
	if err != nil {
		return fmt.Errorf("reloading the published definitions: %v", err)
	}
	rt, err := s.buildRoutes(p)
	if err != nil {
		return fmt.Errorf("reloading the published definitions: %v", err)
	}
	if len(disabled) > 0 && !diagsEqual(disabled, s.reload.disabled) {
		s.logf("funcstack api: published definitions left out because they do not compile with the others:\n  %s",
			strings.ReplaceAll(disabled.Err().Error(), "\n", "\n  "))
	}
	s.cfg.Engine.Load(p)
	s.routes.Store(rt)
	s.reload.seen, s.reload.disabled = seen, disabled
	return nil
}

func diagsEqual(a, b engine.Diagnostics) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Watch reloads whenever the published definitions in the store change
// (by this node or another sharing the database), checking every interval
// (DefaultReloadInterval when 0), until ctx is done. On PostgreSQL it also
// listens on the channel funcstack_definitions, which the admin API
// notifies after every change, and then checks at once. Reload errors go to
// Config.Logf; the server keeps serving the program it has.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultReloadInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var notified <-chan struct{}
	if pool := s.cfg.Store.Pool(); pool != nil {
		notified = listen(ctx, pool, s.logf)
	}
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-notified:
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		reloaded, err := s.reloadIf(cctx, false)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			if err.Error() != lastErr {
				s.logf("funcstack api: %v; still serving the definitions loaded before", err)
			}
			lastErr = err.Error()
		case reloaded:
			lastErr = ""
		}
	}
}

// ReloadStatus tells what the loaded program was built from.
type ReloadStatus struct {
	// Published is the published version of every loaded definition.
	Published map[string]int `json:"published"`
	// Disabled are published definitions left out, with their errors.
	Disabled engine.Diagnostics `json:"disabled,omitempty"`
	// Error is the last reload's error ("" when it worked).
	Error string `json:"error,omitempty"`
}

// Status returns what the last reload saw.
func (s *Server) Status() ReloadStatus {
	s.reload.mu.Lock()
	defer s.reload.mu.Unlock()
	st := ReloadStatus{Published: maps.Clone(s.reload.seen), Disabled: s.reload.disabled}
	if s.reload.lastErr != nil {
		st.Error = s.reload.lastErr.Error()
	}
	return st
}

// sortedNames returns the keys of m, sorted.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// notifyChannel is the PostgreSQL channel told about definition changes.
const notifyChannel = "funcstack_definitions"

// listen LISTENs on notifyChannel with a connection of its own and
// signals the returned channel on each notification, until ctx is done.
// A lost connection is made again after a second (polling goes on
// meanwhile).
func listen(ctx context.Context, pool *pgxpool.Pool, logf func(string, ...any)) <-chan struct{} {
	ch := make(chan struct{}, 1)
	go func() {
		var lastErr string
		for ctx.Err() == nil {
			err := listenOnce(ctx, pool, ch)
			if ctx.Err() != nil {
				return
			}
			if err != nil && err.Error() != lastErr {
				logf("funcstack api: listening for definition changes: %v; polling meanwhile", err)
				lastErr = err.Error()
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return ch
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, ch chan struct{}) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	defer func() {
		// The connection goes back to the pool: stop listening first.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "UNLISTEN "+notifyChannel); err != nil {
			conn.Conn().Close(uctx) // never reuse a connection still listening
		}
	}()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// notifyChange tells the other nodes on PostgreSQL to check for changes
// now rather than at their next poll.
func (s *Server) notifyChange(ctx context.Context) {
	pool := s.cfg.Store.Pool()
	if pool == nil {
		return
	}
	if _, err := pool.Exec(ctx, "SELECT pg_notify($1, '')", notifyChannel); err != nil {
		s.logf("funcstack api: notifying other nodes of a definition change: %v; they see it at their next poll", err)
	}
}

// logf reports a server-side problem of the admin API or of reloading.
func (s *Server) logf(format string, args ...any) { s.log.Error(fmt.Sprintf(format, args...)) }
