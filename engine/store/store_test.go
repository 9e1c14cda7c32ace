package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"context"
	"github.com/funcstack/funcstack/engine"
	"testing"

	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

func openSQLite(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openPostgres(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: storetest.PostgresURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openSQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openPostgres)
}

// Close writes the records still queued.
func TestCloseFlushes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DataDir: dir, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	id := engine.NewID()
	if err := s.Executions().Save(ctx, &engine.ExecutionRecord{ID: id, Function: "f", Status: engine.StatusSucceeded, Output: 42}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	s, err = store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Executions().Get(ctx, id)
	if err != nil || got.Output != 42 {
		t.Fatalf("after reopening: %+v %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, store.Options{DatabaseURL: "mysql://x"})
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("unsupported URL: %v", err)
	}
	_, err = store.Open(ctx, store.Options{DatabaseURL: "postgres://nobody:secret@127.0.0.1:1/x?connect_timeout=1"})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL at postgres://nobody:xxxxx@127.0.0.1:1/x") || strings.Contains(err.Error(), "secret") {
		t.Errorf("unreachable server: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = store.Open(ctx, store.Options{DataDir: file}); err == nil || !strings.Contains(err.Error(), "data folder") {
		t.Errorf("data dir is a file: %v", err)
	}
}

// A backlog of records, many batches deep, is written whole, oldest
// first, each record as last saved (on both backends; batches of 10 and
// of 100, which SQLite writes 32 records a statement and the rest one
// by one).
func TestBacklogBatches(t *testing.T) {
	for _, c := range []struct {
		backend string
		batch   int
	}{{"sqlite", 10}, {"sqlite", 100}, {"postgres", 10}, {"postgres", 100}} {
		backend := c.backend
		t.Run(fmt.Sprintf("%s/%d", backend, c.batch), func(t *testing.T) {
			opt := store.Options{BatchSize: c.batch, FlushInterval: time.Hour}
			if backend == "postgres" {
				opt.DatabaseURL = storetest.PostgresURL(t)
			} else {
				opt.DataDir = t.TempDir()
			}
			ctx := context.Background()
			s, err := store.Open(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			x := s.ExecutionRecords()
			ids := make([]string, 295)
			for i := range ids {
				ids[i] = engine.NewID()
				if err := x.Save(ctx, &engine.ExecutionRecord{ID: ids[i], Function: "backlog", Status: engine.StatusRunning, Output: i}); err != nil {
					t.Fatal(err)
				}
			}
			for _, i := range []int{3, 50, 94, 150, 294} { // saved again while queued
				if err := x.Save(ctx, &engine.ExecutionRecord{ID: ids[i], Function: "backlog", Status: engine.StatusSucceeded, Output: i}); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := x.Save(ctx, &engine.ExecutionRecord{ID: ids[7], Function: "backlog", Status: engine.StatusFailed, Output: 7}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = store.Open(ctx, opt); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i, id := range ids {
				want := engine.StatusRunning
				switch i {
				case 3, 50, 94, 150, 294:
					want = engine.StatusSucceeded
				case 7:
					want = engine.StatusFailed
				}
				got, err := s.Executions().Get(ctx, id)
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if got.Status != want || got.Output != i {
					t.Errorf("record %d: status %s output %v, want %s %d", i, got.Status, got.Output, want, i)
				}
			}
		})
	}
}

// TestCheckpointsInBackground: on SQLite the write-ahead log is copied
// back into the database file by the store's own goroutine, not by the
// commit that happens to take it past SQLite's threshold: a burst of
// writes reaches funcstack.db within a few ticks, and all of it is there
// after a reopen. The control, checkpoints on commit (CheckpointInterval
// < 0, SQLite's default), leaves a burst under 1,000 pages in the log.
func TestCheckpointsInBackground(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		interval time.Duration
		copied   bool
	}{{"background", 20 * time.Millisecond, true}, {"on commit", -1, false}} {
		t.Run(c.name, func(t *testing.T) {
			opt := store.Options{DataDir: t.TempDir(), CheckpointInterval: c.interval}
			s, err := store.Open(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			file := filepath.Join(opt.DataDir, "funcstack.db")
			size := func() int64 {
				fi, err := os.Stat(file)
				if err != nil {
					t.Fatal(err)
				}
				return fi.Size()
			}
			before := size()
			x := s.ExecutionRecords()
			ids := make([]string, 2000)
			for i := range ids {
				ids[i] = engine.NewID()
				if err := x.Save(ctx, &engine.ExecutionRecord{ID: ids[i], Function: "burst", Status: engine.StatusSucceeded, Output: i}); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			const grown = 100 * 4096 // the records take well over 100 pages
			if c.copied {
				deadline := time.Now().Add(5 * time.Second)
				for size()-before < grown {
					if time.Now().After(deadline) {
						t.Fatalf("5s after the writes funcstack.db has grown by %d bytes: the log was not copied back", size()-before)
					}
					time.Sleep(20 * time.Millisecond)
				}
			} else {
				time.Sleep(200 * time.Millisecond)
				if d := size() - before; d >= grown {
					t.Fatalf("with checkpoints on commit funcstack.db grew by %d bytes: the burst did not stay in the log, so the test proves nothing", d)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = store.Open(ctx, opt); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, i := range []int{0, 999, 1999} {
				if got, err := s.Executions().Get(ctx, ids[i]); err != nil || got.Output != i {
					t.Fatalf("record %d after reopening: %v %v", i, got, err)
				}
			}
		})
	}
}
