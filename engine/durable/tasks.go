package durable

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/funcstack/funcstack/engine"
)

// schedule turns a task's schedule into River's.
func schedule(s *engine.Schedule) (river.PeriodicSchedule, error) {
	if s.Every.D() > 0 {
		return river.PeriodicInterval(s.Every.D()), nil
	}
	sc, err := engine.ParseCron(s.Cron)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v", s.Cron, err)
	}
	return sc, nil
}

// SyncTasks makes the scheduled tasks of p River periodic jobs, replacing
// those of an earlier program whose schedule or settings changed. River's
// leader alone queues them, so each tick runs once across all processes.
// Each run is a durable execution of the task with an empty input.
func (r *Runner) SyncTasks(p *engine.Program) error {
	want := map[string]*engine.Function{}
	for name, fn := range p.Functions {
		if fn.Kind == engine.KindTask && fn.Def.Schedule != nil {
			want[name] = fn
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for name, h := range r.tasks {
		fn := want[name]
		if fn != nil && taskKey(fn) == r.taskKeys[name] {
			delete(want, name) // unchanged: keep its timer
			continue
		}
		r.work.PeriodicJobs().Remove(h)
		delete(r.tasks, name)
		delete(r.taskKeys, name)
	}
	for name, fn := range want {
		sc, err := schedule(fn.Def.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("task %s: schedule: %v", name, err))
			continue
		}
		name := name
		opts := &river.InsertOpts{Queue: DefaultQueue, MaxAttempts: r.opt.MaxAttempts}
		if q := fn.Def.Settings.Queue; q != "" {
			opts.Queue = q
		}
		if n := fn.Def.Settings.Retries.Attempts; n > 0 {
			opts.MaxAttempts = n
		}
		h := r.work.PeriodicJobs().Add(river.NewPeriodicJob(sc, func() (river.JobArgs, *river.InsertOpts) {
			return runArgs{ID: engine.NewID(), Function: name, Input: json.RawMessage(`{}`), Created: time.Now()}, opts
		}, &river.PeriodicJobOpts{ID: "funcstack.task." + name}))
		r.tasks[name] = h
		r.taskKeys[name] = taskKey(fn)
	}
	return errors.Join(errs...)
}

// taskKey is what, when it changes, makes a task's periodic job anew.
func taskKey(fn *engine.Function) string {
	s := fn.Def.Schedule
	return fmt.Sprintf("%s|%s|%s|%d", s.Cron, s.Every.D(), fn.Def.Settings.Queue, fn.Def.Settings.Retries.Attempts)
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
