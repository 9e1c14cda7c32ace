package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// runMainEnv makes the test binary run as funcstack (see TestMain), so
// that tests can start real serve processes and kill them.
const runMainEnv = "FUNCSTACK_TEST_RUN_MAIN"

const crashToken = "crash-test-admin-token"

// crashWorkspace is one function sleeping 50–200 ms, with a short timeout
// so that River may run again the jobs of a killed process soon.
const crashWorkspace = `{"kind": "function", "name": "work", "settings": {"timeout": "1s", "retries": {"max_attempts": 5, "backoff": "100ms"}},
	"input": [{"name": "n", "type": "int", "required": true}],
	"stack": [{"type": "sleep", "ms": "50 + (input.n % 4) * 50"}], "response": "input.n"}`

// proc is a funcstack serve process.
type proc struct {
	cmd  *exec.Cmd
	out  *enginetest.SyncBuffer
	base string
	done chan struct{}
}

var apiAt = regexp.MustCompile(`funcstack: API at (http://\S+) `)

// startProc starts funcstack serve with args as a child process and waits
// until it serves.
func startProc(t testing.TB, args ...string) *proc {
	t.Helper()
	p := &proc{out: &enginetest.SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"serve"}, args...)...)
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1", "FUNCSTACK_ADMIN_TOKEN="+crashToken)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.After(30 * time.Second)
	for {
		s := p.out.String()
		if m := apiAt.FindStringSubmatch(s); m != nil && strings.Contains(s, "admin token from FUNCSTACK_ADMIN_TOKEN") {
			p.base = m[1]
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("serve ended before serving:\n%s", s)
		case <-deadline:
			t.Fatalf("serve did not start within 30s:\n%s", s)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill ends the process with SIGKILL: no shutdown, no flush.
func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stop ends the process with SIGTERM and returns its exit code.
func (p *proc) stop(t testing.TB) int {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not stop within 30s of SIGTERM:\n%s", p.out)
		p.kill()
	}
	return p.cmd.ProcessState.ExitCode()
}

// freeAddr returns a free loopback address.
func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// submit POSTs n durable executions of work to the bases in turn, from 16
// connections at once, and returns their IDs.
func submit(t testing.TB, bases []string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	next := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequest("POST", bases[i%len(bases)]+"/async-function/work", strings.NewReader(fmt.Sprintf(`{"n": %d}`, i)))
				req.Header.Set("Authorization", "Bearer "+crashToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					continue
				}
				var out struct{ ID string }
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != 202 || out.ID == "" || resp.Header.Get("X-Call-Id") != out.ID {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("status %d id %q", resp.StatusCode, out.ID))
					mu.Unlock()
				}
				ids[i] = out.ID
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d submissions failed, e.g. %s", len(errs), n, errs[0])
	}
	return ids
}

// statuses counts the executions of work by status.
func statuses(t testing.TB, st *store.Store) map[string]int {
	t.Helper()
	rows, err := st.SQL().Query(`SELECT status, count(*) FROM funcstack_executions WHERE "function" = 'work' GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

func crashCount() int {
	if n, err := strconv.Atoi(os.Getenv("FUNCSTACK_CRASH_N")); err == nil && n > 0 {
		return n
	}
	return 200
}

// TestDurableRunsSurviveSIGKILL submits durable executions to a real serve
// process, kills it with SIGKILL mid-way, starts it again, and checks
// that every execution ends succeeded exactly once: none lost, none left
// running. FUNCSTACK_CRASH_N sets how many (default 200; make crash runs
// 1,000).
func TestDurableRunsSurviveSIGKILL(t *testing.T) {
	n := crashCount()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			wsDir := filepath.Join(dir, "ws")
			os.MkdirAll(wsDir, 0o755)
			os.WriteFile(filepath.Join(wsDir, "work.json"), []byte(crashWorkspace), 0o644)
			opt := store.Options{DataDir: filepath.Join(dir, "data")}
			db := []string{"--data", opt.DataDir}
			if backend == "postgres" {
				opt = store.Options{DatabaseURL: storetest.PostgresURL(t)}
				db = []string{"--database-url", opt.DatabaseURL}
			}
			workers := max(4, n/50)
			args := append([]string{"--workspace", wsDir, "--addr", freeAddr(t), "--node-id", "crash_node",
				"--durable-workers", strconv.Itoa(workers), "--rescue-after", "2s"}, db...)
			p := startProc(t, args...)
			st, err := store.Open(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()

			start := time.Now()
			ids := submit(t, []string{p.base}, n)
			t.Logf("submitted %d in %s", n, time.Since(start).Round(time.Millisecond))
			waitFor(t, 60*time.Second, func() bool { return statuses(t, st)["succeeded"] >= n/3 })
			p.kill()
			at := statuses(t, st)
			t.Logf("killed with SIGKILL: %v", at)
			if at["succeeded"] == n {
				t.Fatal("every execution had ended before the kill; the test proves nothing")
			}
			// The killed process's jobs may run again once their timeout
			// (1s) and --rescue-after have passed.
			time.Sleep(2500 * time.Millisecond)
			p = startProc(t, args...)
			waitFor(t, 90*time.Second, func() bool { return statuses(t, st)["succeeded"] == n })
			time.Sleep(300 * time.Millisecond)
			final := statuses(t, st)
			if len(final) != 1 || final["succeeded"] != n {
				t.Fatalf("after the restart: %v, want all %d succeeded and nothing else", final, n)
			}
			var left, retried int
			st.SQL().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'funcstack.run' AND state <> 'completed'`).Scan(&left)
			st.SQL().QueryRow(`SELECT count(*) FROM funcstack_executions WHERE attempts > 1`).Scan(&retried)
			if left != 0 {
				t.Errorf("%d River jobs not completed", left)
			}
			for _, id := range ids[:10] {
				if code, body := get(t, "GET", p.base+"/_/api/executions/"+id, crashToken, ""); code != 200 || !strings.Contains(body, `"status":"succeeded"`) {
					t.Errorf("GET execution %s: %d %s", id, code, body)
				}
			}
			t.Logf("all %d succeeded %s after the first submission; %d ran again after the crash", n, time.Since(start).Round(time.Millisecond), retried)
			if code := p.stop(t); code != 0 {
				t.Errorf("serve exit %d after SIGTERM:\n%s", code, p.out)
			}
		})
	}
}

func waitFor(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
