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

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// runMainEnv makes the test binary run as funcstack (see TestMain), so
// that tests can start real serve processes and kill them.
const runMainEnv = "FUNCSTACK_TEST_RUN_MAIN"

const crashToken = "crash-test-admin-token"

// crashWorkspace is what the crash and scale suites serve (file name →
// definition). work, the durable function, sleeps 50–200 ms, then in one
// db.transaction upserts the row of its idempotency key in effects (so
// that a run executing twice leaves one row) and adds a row to runs (so
// that the suites can count how many times each run's effects were
// committed); it sets no timeout, so River alone would rescue it after 15
// minutes. slow is promoted after 100 ms and spawn starts nap as an
// in-process async call: both still run when the process is killed.
// collect awaits executions.
var crashWorkspace = map[string]string{
	"effects.json": `{"kind": "table", "name": "effects", "fields": [
		{"name": "idempotency_key", "type": "text", "required": true, "unique": true}, {"name": "n", "type": "int"}]}`,
	"runs.json": `{"kind": "table", "name": "runs", "fields": [{"name": "idempotency_key", "type": "text", "required": true}]}`,
	"work.json": `{"kind": "function", "name": "work", "settings": {"retries": {"max_attempts": 5, "backoff": "100ms"}},
		"input": [{"name": "n", "type": "int", "required": true}, {"name": "key", "type": "text", "required": true}],
		"stack": [{"type": "sleep", "ms": "50 + (input.n % 4) * 50"},
			{"type": "db.transaction", "steps": [
				{"type": "db.upsert", "table": "effects", "by": {"idempotency_key": "input.key"}, "data": {"n": "input.n"}},
				{"type": "db.add", "table": "runs", "data": {"idempotency_key": "input.key"}}]}],
		"response": "input.n"}`,
	"slow.json": `{"kind": "function", "name": "slow", "settings": {"promote_after": "100ms"},
		"stack": [{"type": "sleep", "ms": "60000"}], "response": "'woke'"}`,
	"nap.json":   `{"kind": "function", "name": "nap", "stack": [{"type": "sleep", "ms": "25000"}], "response": "'woke'"}`,
	"spawn.json": `{"kind": "function", "name": "spawn", "stack": [{"type": "call", "function": "nap", "async": true, "as": "id"}], "response": "id"}`,
	"collect.json": `{"kind": "function", "name": "collect", "input": [{"name": "ids", "type": "json", "required": true}],
		"stack": [{"type": "await", "ids": "input.ids", "settle": true, "timeout": "30s", "as": "out"}], "response": "out"}`,
}

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
// connections at once, execution i with idempotency key key-i (header and
// input), and returns their IDs.
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
				req, _ := http.NewRequest("POST", bases[i%len(bases)]+"/async-function/work", strings.NewReader(fmt.Sprintf(`{"n": %d, "key": "key-%d"}`, i, i)))
				req.Header.Set("Authorization", "Bearer "+crashToken)
				req.Header.Set("Idempotency-Key", fmt.Sprintf("key-%d", i))
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
	return counts(t, st, `SELECT status, count(*) FROM funcstack_executions WHERE "function" = 'work' GROUP BY status`)
}

// counts reads the rows of query, a text and a count each, into a map.
func counts(t testing.TB, st *store.Store, query string) map[string]int {
	t.Helper()
	rows, err := st.SQL().Query(query)
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

// effects checks the side effects of n runs of work: one effects row per
// key, none missing, and returns the keys whose effects were committed
// more than once (a run executed again).
func effects(t testing.TB, st *store.Store, n int) map[string]int {
	t.Helper()
	var rows, keys int
	if err := st.SQL().QueryRow(`SELECT count(*), count(DISTINCT idempotency_key) FROM effects`).Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	if rows != n || keys != n {
		t.Errorf("effects: %d rows for %d keys, want %d of each (none lost, no duplicate)", rows, keys, n)
	}
	return counts(t, st, `SELECT idempotency_key, count(*) FROM runs GROUP BY idempotency_key HAVING count(*) > 1`)
}

// lostRuns starts, on the server at base, in-memory runs that will still
// run when it is killed: k async calls of nap, then k promoted runs of
// slow, and returns their IDs. An async call's queued record is written
// with the next batch of records (within 5 ms): a kill before leaves none,
// and an await of it answers not_found; a promoted run's is written
// before the 202, so the last one is promoted right before the kill.
func lostRuns(t *testing.T, base string, k int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < k; i++ {
		code, body := get(t, "POST", base+"/function/spawn", crashToken, `{}`)
		var id string
		if json.Unmarshal([]byte(body), &id); code != 200 || id == "" {
			t.Fatalf("spawn: %d %s", code, body)
		}
		ids = append(ids, id)
	}
	time.Sleep(100 * time.Millisecond)
	for i := 0; i < k; i++ {
		code, body := get(t, "POST", base+"/function/slow", crashToken, `{}`)
		var p struct{ ID string }
		if json.Unmarshal([]byte(body), &p); code != 202 || p.ID == "" {
			t.Fatalf("slow was not promoted: %d %s", code, body)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

// nodeLost reports whether every execution of ids is failed with node_lost.
func nodeLost(t testing.TB, st *store.Store, ids []string) bool {
	t.Helper()
	for _, id := range ids {
		rec, err := st.ExecutionRecords().Get(context.Background(), id)
		if err != nil || rec.Status != engine.StatusFailed || rec.Error == nil || rec.Error.Code != engine.CodeNodeLost {
			return false
		}
	}
	return true
}

// workIDs is the set of work's executions whose record has status, and
// whose node starts with node if given.
func workIDs(t testing.TB, st *store.Store, status, node string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for id := range counts(t, st, `SELECT id, 1 FROM funcstack_executions WHERE "function" = 'work' AND status = '`+status+`' AND substr(node, 1, `+
		strconv.Itoa(len(node))+`) = '`+node+`'`) {
		out[id] = true
	}
	return out
}

// waitFinal waits until every execution of ids has ended.
func waitFinal(t testing.TB, st *store.Store, ids map[string]bool, within time.Duration) {
	t.Helper()
	waitFor(t, within, func() bool {
		for id := range ids {
			if rec, err := st.ExecutionRecords().Get(context.Background(), id); err != nil || !engine.Final(rec.Status) {
				return false
			}
		}
		return true
	})
}

func crashCount() int {
	if n, err := strconv.Atoi(os.Getenv("FUNCSTACK_CRASH_N")); err == nil && n > 0 {
		return n
	}
	return 200
}

// TestDurableRunsSurviveSIGKILL submits durable executions of work to a
// real serve process, starts in-memory runs (promoted, async), kills the
// process with SIGKILL mid-way and starts it again at once, and checks
// that every durable execution ends succeeded with its effects committed
// once per key, that none whose record said succeeded before the kill ran
// again, that nothing is left running, and that the in-memory runs end
// failed with node_lost and an await of them returns. FUNCSTACK_CRASH_N
// sets how many (default 200; make crash runs 1,000).
func TestDurableRunsSurviveSIGKILL(t *testing.T) {
	n := crashCount()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			wsDir := writeWorkspace(t, crashWorkspace)
			opt := store.Options{DataDir: filepath.Join(dir, "data")}
			db := []string{"--data", opt.DataDir}
			if backend == "postgres" {
				url := storetest.PostgresURL(t) + "&pool_max_conns=12"
				opt = store.Options{DatabaseURL: url}
				db = []string{"--database-url", url}
			}
			workers := max(4, n/50)
			args := append([]string{"--workspace", wsDir, "--addr", freeAddr(t), "--node-id", "crash_node",
				"--durable-workers", strconv.Itoa(workers)}, db...)
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
			lost := lostRuns(t, p.base, 3)
			p.kill()
			at := statuses(t, st)
			doneAtKill := workIDs(t, st, engine.StatusSucceeded, "")
			runningAtKill := workIDs(t, st, engine.StatusRunning, "")
			t.Logf("killed with SIGKILL: %v, and %d in-memory runs (promoted, async)", at, len(lost))
			if at["succeeded"] == n {
				t.Fatal("every execution had ended before the kill; the test proves nothing")
			}

			restart := time.Now()
			p = startProc(t, args...)
			serving := time.Since(restart)
			waitFor(t, 35*time.Second, func() bool { return nodeLost(t, st, lost) })
			closed := time.Since(restart)
			began := time.Now()
			code, body := get(t, "POST", p.base+"/function/collect", crashToken, fmt.Sprintf(`{"ids": ["%s"]}`, strings.Join(lost, `", "`)))
			awaited := time.Since(began)
			var out []struct {
				ID, Status string
				Error      *struct {
					Code, Message string
					Status        int
				}
			}
			if err := json.Unmarshal([]byte(body), &out); code != 200 || err != nil || len(out) != len(lost) {
				t.Fatalf("await of the lost runs: %d %s", code, body)
			}
			for i, r := range out {
				if r.ID != lost[i] || r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != engine.CodeNodeLost || r.Error.Status != 503 ||
					!strings.HasPrefix(r.Error.Message, "node crash_node restarted (now crash_node/") {
					t.Errorf("await of lost run %s: %+v %+v", lost[i], r, r.Error)
				}
			}
			waitFinal(t, st, runningAtKill, 60*time.Second)
			resumed := time.Since(restart)
			waitFor(t, 120*time.Second, func() bool { return statuses(t, st)["succeeded"] == n })
			recovered := time.Since(restart)
			time.Sleep(300 * time.Millisecond)
			final := statuses(t, st)
			if len(final) != 1 || final["succeeded"] != n {
				t.Fatalf("after the restart: %v, want all %d succeeded and nothing else", final, n)
			}
			var left, retried int
			st.SQL().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'funcstack.run' AND state <> 'completed'`).Scan(&left)
			st.SQL().QueryRow(`SELECT count(*) FROM funcstack_executions WHERE "function" = 'work' AND attempts > 1`).Scan(&retried)
			if left != 0 {
				t.Errorf("%d River jobs not completed", left)
			}
			again := effects(t, st, n)
			rerunDone := 0
			for i, id := range ids {
				if doneAtKill[id] && again[fmt.Sprintf("key-%d", i)] > 0 {
					rerunDone++
				}
			}
			if rerunDone > 0 {
				t.Errorf("%d executions recorded succeeded before the kill ran again", rerunDone)
			}
			for _, id := range ids[:10] {
				if code, body := get(t, "GET", p.base+"/_/api/executions/"+id, crashToken, ""); code != 200 || !strings.Contains(body, `"status":"succeeded"`) {
					t.Errorf("GET execution %s: %d %s", id, code, body)
				}
			}
			t.Logf("restarted: serving after %s; %d in-memory runs failed with node_lost %s after the restart, an await of them returned in %s; "+
				"the %d durable runs running at the kill ended %s after the restart; all %d succeeded %s after the restart (%s after the first submission); "+
				"%d had run again after the crash, %d of them with effects committed twice (none of the %d recorded succeeded before the kill)",
				serving.Round(time.Millisecond), len(lost), closed.Round(time.Millisecond), awaited.Round(time.Millisecond),
				len(runningAtKill), resumed.Round(time.Millisecond), n, recovered.Round(time.Millisecond), time.Since(start).Round(time.Millisecond),
				retried, len(again), len(doneAtKill))
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
