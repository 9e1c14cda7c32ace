package main

import (
	"context"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// scaleGrace is the --node-grace of the scale suite's nodes.
const scaleGrace = 5 * time.Second

// TestScaleOut runs three serve processes on one PostgreSQL database (10
// connections each), submits FUNCSTACK_SCALE_N durable executions
// (default 600; make scale runs 5,000) through two of them, kills the
// third with SIGKILL mid-way (River gives the jobs to all three), and
// checks that all end succeeded with their effects committed once per
// key, nothing left running; that a task scheduled every second ran once
// per tick, not once per node, and went on through the kill; then kills
// the other two, starts one again five seconds later, and checks that the
// ticks missed meanwhile got one catch-up run.
func TestScaleOut(t *testing.T) {
	n := 600
	if v, err := strconv.Atoi(os.Getenv("FUNCSTACK_SCALE_N")); err == nil && v > 0 {
		n = v
	}
	files := map[string]string{"tick.json": `{"kind": "task", "name": "tick", "schedule": {"every": "1s"}, "stack": [], "response": "'tock'"}`}
	for k, v := range crashWorkspace {
		files[k] = v
	}
	wsDir := writeWorkspace(t, files)
	url := storetest.PostgresURL(t)
	args := func(i int) []string {
		return []string{"--workspace", wsDir, "--addr", freeAddr(t), "--node-id", "scale_node_" + strconv.Itoa(i),
			"--durable-workers", "20", "--heartbeat", "1s", "--node-grace", scaleGrace.String(), "--database-url", url + "&pool_max_conns=10"}
	}
	var procs []*proc
	var bases []string
	for i := 1; i <= 3; i++ {
		p := startProc(t, args(i)...)
		procs = append(procs, p)
		bases = append(bases, p.base)
	}
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: url + "&pool_max_conns=4"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	// Submitted through nodes 1 and 3 while node 2 is killed; River gives
	// the jobs to all three.
	submitted := make(chan time.Duration, 1)
	go func() {
		defer func() { submitted <- time.Since(start) }() // also when submit fails the test
		submit(t, []string{bases[0], bases[2]}, n)
	}()
	waitFor(t, 5*time.Minute, func() bool { return statuses(t, st)["succeeded"] >= n/3 })
	procs[1].kill()
	killed := time.Now()
	runningAtKill := workIDs(t, st, engine.StatusRunning, "scale_node_2/")
	t.Logf("killed node 2 with SIGKILL at %v, %d of its runs running", statuses(t, st), len(runningAtKill))
	waitFinal(t, st, runningAtKill, 2*time.Minute)
	resumed := time.Since(killed)
	t.Logf("submitted %d through nodes 1 and 3 in %s", n, (<-submitted).Round(time.Millisecond))
	waitFor(t, 5*time.Minute, func() bool { return statuses(t, st)["succeeded"] == n })
	elapsed := time.Since(start)
	final := statuses(t, st)
	if len(final) != 1 || final["succeeded"] != n {
		t.Fatalf("final: %v, want all %d succeeded", final, n)
	}
	var left int
	st.SQL().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'funcstack.run' AND state <> 'completed'`).Scan(&left)
	if left != 0 {
		t.Errorf("%d River jobs not completed", left)
	}
	again := effects(t, st, n)
	t.Logf("all %d succeeded in %s (%.0f/s), none lost, none left running; node 2's %d runs running at the kill ended %s after it (grace %s); effects committed twice for %d keys, once for the others",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), len(runningAtKill), resumed.Round(time.Millisecond), scaleGrace, len(again))

	// Ticks through the kill: once a second, none twice, no gap longer
	// than the grace.
	ticks, catchUps := tickRuns(t, st)
	if len(catchUps) != 0 {
		t.Errorf("%d catch-up runs while nodes lived", len(catchUps))
	}
	gap := checkTicks(t, ticks)
	t.Logf("task tick ran %d times over %s, once a second; longest gap %s (one node killed at %s)", len(ticks),
		ticks[len(ticks)-1].Sub(ticks[0]).Round(time.Millisecond), gap, killed.UTC().Format("15:04:05.000"))
	if gap > scaleGrace {
		t.Errorf("ticks stopped for %s, more than the grace %s", gap, scaleGrace)
	}

	// Every node down for five seconds: one catch-up run when one starts.
	procs[0].kill()
	procs[2].kill()
	down := time.Now()
	time.Sleep(5 * time.Second)
	back := time.Now()
	procs[0] = startProc(t, args(1)...)
	waitFor(t, 10*time.Second, func() bool { _, c := tickRuns(t, st); return len(c) > 0 })
	time.Sleep(2 * time.Second)
	ticks, catchUps = tickRuns(t, st)
	if len(catchUps) != 1 {
		t.Fatalf("%d catch-up runs after every node was down, want 1", len(catchUps))
	}
	c := catchUps[0]
	missed, _ := engine.ToInt(c.Logs[0].Value.(map[string]any)["missed"])
	if want := int(back.Sub(down).Seconds()); missed < want-2 || missed > want+2 || c.CreatedAt.Sub(back) > 5*time.Second {
		t.Errorf("catch-up run: missed %d (down %s), queued %s after the restart", missed, back.Sub(down).Round(time.Millisecond), c.CreatedAt.Sub(back))
	}
	checkTicks(t, ticks)
	t.Logf("every node down for %s: one catch-up run for %d missed ticks, queued %s after node 1 was started again",
		back.Sub(down).Round(time.Millisecond), missed, c.CreatedAt.Sub(back).Round(time.Millisecond))
	if code := procs[0].stop(t); code != 0 {
		t.Errorf("node 1 exit %d", code)
	}
}

// tickRuns reads the runs of task tick: the times of the ticks run on
// time, sorted, and the catch-up runs.
func tickRuns(t *testing.T, st *store.Store) (ticks []time.Time, catchUps []*engine.ExecutionRecord) {
	t.Helper()
	recs, err := st.ExecutionRecords().List(context.Background(), store.ListOptions{Function: "tick", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if len(r.Logs) > 0 && r.Logs[0].Path == "schedule" {
			catchUps = append(catchUps, r)
		} else {
			ticks = append(ticks, r.CreatedAt)
		}
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i].Before(ticks[j]) })
	return ticks, catchUps
}

// checkTicks checks that no second has two ticks, and returns the longest
// gap between two.
func checkTicks(t *testing.T, ticks []time.Time) time.Duration {
	t.Helper()
	var gap time.Duration
	for i := 1; i < len(ticks); i++ {
		if ticks[i].Truncate(time.Second).Equal(ticks[i-1].Truncate(time.Second)) {
			t.Errorf("two ticks in second %s", ticks[i].Format("15:04:05"))
		}
		gap = max(gap, ticks[i].Sub(ticks[i-1]))
	}
	return gap.Round(time.Millisecond)
}
