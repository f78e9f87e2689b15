package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Status values of a readiness check.
const (
	// StatusOK: the dependency works.
	StatusOK = "ok"
	// StatusDegraded: the dependency fails but the server still serves
	// (e.g. Redis down: answers are not cached). Readiness stays true.
	StatusDegraded = "degraded"
	// StatusDown: the server cannot serve; readiness is false.
	StatusDown = "down"
	// StatusUnknown: nothing is known yet (e.g. GAR not called since start).
	StatusUnknown = "unknown"
)

// A CheckResult is the state of one dependency.
type CheckResult struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// A Checker reports the state of a dependency for /healthz/ready. Check
// must return quickly: it is called with a context of a few seconds.
type Checker interface {
	Check(ctx context.Context) CheckResult
}

// CheckFunc adapts a function to a Checker.
type CheckFunc func(ctx context.Context) CheckResult

// Check implements Checker.
func (f CheckFunc) Check(ctx context.Context) CheckResult { return f(ctx) }

// CheckTimeout bounds each readiness check.
const CheckTimeout = 2 * time.Second

type health struct {
	draining *atomic.Bool
	mu       sync.Mutex
	names    []string
	checks   map[string]Checker
}

func newHealth(draining *atomic.Bool) *health {
	return &health{draining: draining, checks: make(map[string]Checker)}
}

func (h *health) add(name string, c Checker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.checks[name]; !dup {
		h.names = append(h.names, name)
	}
	h.checks[name] = c
}

// live answers /healthz: the process is up and serving HTTP.
func (h *health) live(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, http.StatusOK, map[string]any{"status": "ok"})
}

// ready answers /healthz/ready: 200 while the server takes requests, 503
// while it drains for a shutdown or when a check is down. The checks run
// concurrently, each bounded by CheckTimeout.
func (h *health) ready(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	names := slices.Clone(h.names)
	checks := make([]Checker, len(names))
	for i, n := range names {
		checks[i] = h.checks[n]
	}
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(r.Context(), CheckTimeout)
	defer cancel()
	results := make([]CheckResult, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { results[i] = c.Check(ctx) })
	}
	wg.Wait()

	status, code := "ready", http.StatusOK
	out := make(map[string]CheckResult, len(names))
	for i, n := range names {
		out[n] = results[i]
		if results[i].Status == StatusDown {
			status, code = "not_ready", http.StatusServiceUnavailable
		}
	}
	if h.draining.Load() {
		status, code = "draining", http.StatusServiceUnavailable
	}
	writeHealth(w, code, map[string]any{"status": status, "checks": out})
}

func writeHealth(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
