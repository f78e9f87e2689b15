package server

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"
)

// reloadInterval is how often, at most, the server looks at the files it
// reloads (its certificate, the API keys) for a change.
const reloadInterval = 30 * time.Second

// reloader holds a value loaded from files and loads it again when they
// change, so that a renewed certificate or a revoked API key takes effect
// without a restart: on use, at most every interval, it compares the
// files' modification times with those it loaded. A change that does not
// load (a certificate written before its key, a broken keys file) keeps the
// previous value, is logged once, and is tried again at the next check.
type reloader[T any] struct {
	what     string // for logs: "server certificate", "API keys file"
	paths    []string
	load     func() (T, error)
	interval time.Duration
	log      *slog.Logger

	mu         sync.Mutex
	value      T
	mods       []time.Time
	checked    time.Time
	lastFailed string
}

// newReloader loads the value now; an error here is the caller's to report.
func newReloader[T any](what string, load func() (T, error), log *slog.Logger, paths ...string) (*reloader[T], error) {
	r := &reloader[T]{what: what, paths: paths, load: load, interval: reloadInterval, log: log}
	mods, err := r.modTimes()
	if err != nil {
		return nil, err
	}
	if r.value, err = load(); err != nil {
		return nil, err
	}
	r.mods, r.checked = mods, time.Now()
	return r, nil
}

func (r *reloader[T]) modTimes() ([]time.Time, error) {
	mods := make([]time.Time, len(r.paths))
	for i, p := range r.paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.what, err)
		}
		mods[i] = fi.ModTime()
	}
	return mods, nil
}

// get returns the current value, reloading it first if a check is due and
// the files changed.
func (r *reloader[T]) get() T {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= r.interval {
		r.checked = now
		r.reload()
	}
	return r.value
}

// reload loads the files again if they changed; r.mu is held.
func (r *reloader[T]) reload() {
	mods, err := r.modTimes()
	if err == nil && slices.EqualFunc(mods, r.mods, time.Time.Equal) {
		return
	}
	var v T
	if err == nil {
		v, err = r.load()
	}
	if err != nil {
		if msg := err.Error(); msg != r.lastFailed {
			r.lastFailed = msg
			r.log.Warn(r.what+" changed but does not load: keeping the previous version", "files", r.paths, "err", err)
		}
		return
	}
	r.value, r.mods, r.lastFailed = v, mods, ""
	r.log.Info(r.what+" reloaded", "files", r.paths)
}
