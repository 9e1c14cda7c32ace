package durable

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/funcstack/funcstack/engine"
)

// Scheduled tasks. Every node follows every task's schedule and, at each
// tick, tries to claim it in the database's funcstack_task_ticks in the
// transaction that queues the tick's run (its record and its job): one
// node's claim goes through, so a tick runs once however many nodes serve,
// and with no leader in the way ticks go on as long as one node lives.
// (River's periodic jobs are queued by its elected leader alone: when the
// leader died ticks stopped until another was elected, and a new leader
// starts its schedules afresh, dropping the ticks missed meanwhile.)
//
// Ticks no node ran — all were down, or the database was unreachable —
// are found from the last tick claimed: with catch_up "one" (the default)
// they get one run, as soon as a node can, besides the tick due then;
// with "none" they are dropped. A tick is the time the schedule names, in
// UTC: a cron's, or for "every" a multiple of the interval (every 1h: on
// the hour), the same on every node.

// lateTick is how late a tick may be handled and still count as on time
// rather than missed.
const lateTick = 2 * time.Second

// maxTickSteps bounds the steps through a schedule when counting ticks
// missed (a per-second cron down for weeks).
const maxTickSteps = 1_000_000

// schedule is when a task runs.
type schedule interface{ Next(time.Time) time.Time }

// every ticks at the multiples of d.
type every time.Duration

func (e every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.UTC().Truncate(d).Add(d)
}

// scheduleOf turns a task's schedule into one this package follows.
func scheduleOf(s *engine.Schedule) (schedule, error) {
	if s.Every.D() > 0 {
		return every(s.Every.D()), nil
	}
	sc, err := engine.ParseCron(s.Cron)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v", s.Cron, err)
	}
	return sc, nil
}

// task is a scheduled task as this node follows it.
type task struct {
	name    string
	fn      *engine.Function
	sched   schedule
	catchUp string
	key     string
	// next is the tick this node tries next; zero until the last tick
	// claimed is read.
	next time.Time
}

// SyncTasks makes the scheduled tasks of p the ones this node follows,
// keeping the place in the schedule of those whose schedule and settings
// did not change.
func (r *Runner) SyncTasks(p *engine.Program) error {
	var errs []error
	want := map[string]*task{}
	for name, fn := range p.Functions {
		if fn.Kind != engine.KindTask || fn.Def.Schedule == nil {
			continue
		}
		sc, err := scheduleOf(fn.Def.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("task %s: schedule: %v", name, err))
			continue
		}
		want[name] = &task{name: name, fn: fn, sched: sc, catchUp: fn.Def.Schedule.CatchUpPolicy(), key: taskKey(fn)}
	}
	r.mu.Lock()
	for name, t := range want {
		if old := r.tasks[name]; old != nil && old.key == t.key {
			t.next = old.next
		}
	}
	r.tasks = want
	r.mu.Unlock()
	select {
	case r.taskWake <- struct{}{}:
	default:
	}
	return errors.Join(errs...)
}

// taskKey is what, when it changes, makes a task start its schedule anew.
func taskKey(fn *engine.Function) string {
	s := fn.Def.Schedule
	return fmt.Sprintf("%s|%s|%s|%s|%d", s.Cron, s.Every.D(), s.CatchUpPolicy(), fn.Def.Settings.Queue, fn.Def.Settings.Retries.Attempts)
}

// ProgramLoaded follows a newly loaded program (hot reload): its scheduled
// tasks and the queues its functions name.
func (r *Runner) ProgramLoaded(p *engine.Program) {
	if err := r.SyncTasks(p); err != nil {
		r.opt.Logf("funcstack durable: %v", err)
	}
	for _, fn := range p.Functions {
		if q := fn.Def.Settings.Queue; q != "" {
			r.ensureQueue(q)
		}
	}
}

// scheduler runs the ticks of the tasks until the runner stops.
func (r *Runner) scheduler() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		ctx, cancel := context.WithTimeout(r.stopCtx, time.Minute)
		r.dueTicks(ctx)
		cancel()
		wait := time.Hour
		r.mu.Lock()
		for _, t := range r.tasks {
			if t.next.IsZero() {
				wait = min(wait, time.Second) // its last tick could not be read: again soon
			} else {
				wait = min(wait, time.Until(t.next))
			}
		}
		r.mu.Unlock()
		timer.Reset(max(wait, 0))
		select {
		case <-timer.C:
		case <-r.taskWake:
			if !timer.Stop() {
				<-timer.C
			}
		case <-r.stopCtx.Done():
			return
		}
	}
}

// dueTicks places the tasks new to this node in their schedules and runs
// the ticks due.
func (r *Runner) dueTicks(ctx context.Context) {
	r.mu.Lock()
	var fresh, due []*task
	now := time.Now()
	for _, t := range r.tasks {
		switch {
		case t.next.IsZero():
			fresh = append(fresh, t)
		case !t.next.After(now):
			due = append(due, t)
		}
	}
	r.mu.Unlock()
	if len(fresh) > 0 {
		last, err := r.st.LastTicks(ctx)
		if err != nil {
			r.opt.Logf("funcstack durable: scheduled tasks: %v", err)
		} else {
			r.mu.Lock()
			for _, t := range fresh {
				// After the last tick claimed, which may be long past: the
				// ticks missed since are then due at once.
				if l, ok := last[t.name]; ok {
					t.next = t.sched.Next(l)
				} else {
					t.next = t.sched.Next(now.UTC())
				}
				if !t.next.After(now) {
					due = append(due, t)
				}
			}
			r.mu.Unlock()
		}
	}
	for _, t := range due {
		next, err := r.tick(ctx, t, time.Now())
		if err != nil {
			r.opt.Logf("funcstack durable: task %s: %v; trying again", t.name, err)
			next = time.Now().Add(r.opt.Heartbeat)
		}
		r.mu.Lock()
		if r.tasks[t.name] == t {
			t.next = next
		}
		r.mu.Unlock()
	}
}

// tick runs the latest tick of t due by now, t.next or later, if no node
// claimed it, with one catch-up run for the ticks before it that no node
// ran when the policy says so; it returns the tick to try next.
func (r *Runner) tick(ctx context.Context, t *task, now time.Time) (time.Time, error) {
	latest := t.next
	for i := 0; i < maxTickSteps; i++ {
		n := t.sched.Next(latest)
		if n.After(now) {
			break
		}
		latest = n
	}
	next := t.sched.Next(latest)
	tx, err := r.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return next, err
	}
	defer tx.Rollback()
	claimed, last, err := r.st.ClaimTick(ctx, tx, t.name, latest)
	if err != nil {
		return next, err
	}
	if !claimed {
		r.event(slog.LevelDebug, "task tick skipped", slog.String("task", t.name), slog.String("tick", latest.UTC().Format(time.RFC3339Nano)),
			slog.String("reason", "another node ran it"))
		return next, nil
	}
	onTime := now.Sub(latest) < lateTick
	missed, capped := 0, false
	if !last.IsZero() {
		for x := t.sched.Next(last); x.Before(latest); x = t.sched.Next(x) {
			if missed++; missed >= maxTickSteps {
				capped = true
				break
			}
		}
	}
	if !onTime {
		missed++
	}
	var onTimeID, catchUpID string
	if onTime {
		if onTimeID, err = r.queueTick(ctx, tx, t, latest, tickRun{}); err != nil {
			return next, err
		}
	}
	if missed > 0 && t.catchUp == engine.CatchUpOne {
		if catchUpID, err = r.queueTick(ctx, tx, t, latest, tickRun{Missed: missed, Since: last}); err != nil {
			return next, err
		}
	}
	if err := tx.Commit(); err != nil {
		return next, err
	}
	tick := slog.String("tick", latest.UTC().Format(time.RFC3339Nano))
	if onTimeID != "" {
		r.event(slog.LevelInfo, "task tick run", slog.String("task", t.name), tick, slog.String("execution_id", onTimeID), slog.String("function", t.fn.Name))
	}
	if missed > 0 {
		attrs := []slog.Attr{slog.String("task", t.name), tick, slog.Int("missed", missed), slog.Bool("at_least", capped),
			slog.String("last_tick_run", timeOrNever(last)), slog.String("catch_up", t.catchUp)}
		if catchUpID != "" {
			r.event(slog.LevelWarn, "task ticks caught up", append(attrs, slog.String("execution_id", catchUpID), slog.String("function", t.fn.Name))...)
		} else {
			r.event(slog.LevelWarn, "task ticks skipped", attrs...)
		}
	}
	return next, nil
}

func timeOrNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// tickRun says which tick a task's run is for, and whether it stands for
// missed ones.
type tickRun struct {
	Tick time.Time `json:"tick"`
	// Missed, when not 0, makes the run a catch-up: it stands for that
	// many ticks after Since (zero: none run before) that no node ran.
	Missed int       `json:"missed,omitempty"`
	Since  time.Time `json:"since,omitzero"`
}

// queueTick queues, in tx, a run of t for tick: its record and its job.
func (r *Runner) queueTick(ctx context.Context, tx *sql.Tx, t *task, tick time.Time, run tickRun) (string, error) {
	run.Tick = tick.UTC()
	rec, p := r.job(engine.NewID(), &engine.DurableRequest{Function: t.fn, Input: json.RawMessage(`{}`), Redacted: map[string]any{}}, time.Now())
	a := p.Args.(runArgs)
	a.Schedule = &run
	p.Args = a
	if err := r.execs.WriteIn(ctx, tx, rec); err != nil {
		return "", err
	}
	_, err := r.txc.InsertManyFastTx(ctx, tx, []river.InsertManyParams{p})
	return rec.ID, err
}

// scheduleEntry is the log entry of a catch-up run's record (path
// "schedule"), nil for another run.
func scheduleEntry(a runArgs) []engine.LogEntry {
	if a.Schedule == nil || a.Schedule.Missed == 0 {
		return nil
	}
	v := map[string]any{"catch_up": engine.CatchUpOne, "missed": a.Schedule.Missed, "until": a.Schedule.Tick.Format(time.RFC3339Nano)}
	if !a.Schedule.Since.IsZero() {
		v["since"] = a.Schedule.Since.Format(time.RFC3339Nano)
	}
	return []engine.LogEntry{{Time: time.Now(), Path: "schedule", Value: v}}
}
