// Package metrics records how entgar's cron jobs went, for monitoring: a
// JSON summary of the last run of each job, and the same as a Prometheus
// textfile for the node exporter's textfile collector.
//
// Each job (export, upload, results) calls Record at its end. The JSON file
// is the state: Record reads it, replaces the job's entry, and writes both
// files back atomically under an exclusive lock, so that jobs run by
// different cron lines keep each other's figures.
package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entgar/entgar/internal/atomicfile"
)

// Outcomes a job reports. A job succeeded when its outcome is OutcomeSuccess.
const (
	OutcomeSuccess  = "success"  // the job did what it had to, GAR accepted all
	OutcomePartial  = "partial"  // GAR integrated the archive in part
	OutcomeRejected = "rejected" // GAR rejected or ignored the archive
	OutcomePending  = "pending"  // GAR has not processed the archive yet
	OutcomeFailure  = "failure"  // the job itself failed (network, disk, data)
)

// Run is one run of a job.
type Run struct {
	Job      string
	Outcome  string
	Start    time.Time
	Duration time.Duration
	// Bytes is what the job produced or moved: archive bytes for export and
	// upload, report bytes read for results.
	Bytes int64
	// Detail is a one-line explanation shown in the JSON summary.
	Detail string
}

// Job is the JSON summary of a job's last run.
type Job struct {
	LastRun         time.Time `json:"last_run"`
	LastOutcome     string    `json:"last_outcome"`
	LastSuccess     time.Time `json:"last_success,omitzero"`
	DurationSeconds float64   `json:"duration_seconds"`
	Bytes           int64     `json:"bytes"`
	Detail          string    `json:"detail,omitempty"`
	// ConsecutiveFailures counts the runs since the last success.
	ConsecutiveFailures int `json:"consecutive_failures"`
}

// Summary is the JSON file: one entry per job.
type Summary struct {
	Jobs map[string]*Job `json:"jobs"`
}

// Files says where Record writes. Either may be empty; with a Textfile and
// no JSON, the state goes to the textfile's name with .json for .prom.
type Files struct {
	Textfile string
	JSON     string
}

func (f Files) state() string {
	if f.JSON != "" || f.Textfile == "" {
		return f.JSON
	}
	return strings.TrimSuffix(f.Textfile, ".prom") + ".json"
}

// Record adds r to the summary and rewrites the files. It does nothing when
// no file is configured.
func Record(f Files, r Run) error {
	state := f.state()
	if state == "" {
		return nil
	}
	unlock, err := lock(state + ".lock")
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer unlock()
	sum, err := Load(state)
	if err != nil {
		return err
	}
	j := sum.Jobs[r.Job]
	if j == nil {
		j = &Job{}
		sum.Jobs[r.Job] = j
	}
	j.LastRun = r.Start.UTC().Truncate(time.Second)
	j.LastOutcome = r.Outcome
	j.DurationSeconds = r.Duration.Seconds()
	j.Bytes = r.Bytes
	j.Detail = r.Detail
	if r.Outcome == OutcomeSuccess {
		j.LastSuccess = r.Start.Add(r.Duration).UTC().Truncate(time.Second)
		j.ConsecutiveFailures = 0
	} else {
		j.ConsecutiveFailures++
	}
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if _, err := atomicfile.Write(state, bytes.NewReader(append(data, '\n'))); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if f.Textfile != "" {
		if err := prometheus.WriteToTextfile(f.Textfile, registry(sum)); err != nil {
			return fmt.Errorf("metrics: %s: %w", f.Textfile, err)
		}
	}
	return nil
}

// Load reads a JSON summary; a missing file is an empty summary.
func Load(path string) (*Summary, error) {
	sum := &Summary{Jobs: map[string]*Job{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sum, nil
	}
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := json.Unmarshal(data, sum); err != nil {
		return nil, fmt.Errorf("metrics: %s: %w", path, err)
	}
	if sum.Jobs == nil {
		sum.Jobs = map[string]*Job{}
	}
	return sum, nil
}

var outcomes = []string{OutcomeSuccess, OutcomePartial, OutcomeRejected, OutcomePending, OutcomeFailure}

// registry holds the summary as gauges labelled by job.
func registry(sum *Summary) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "entgar", Name: name, Help: help}, append([]string{"job"}, labels...))
		reg.MustRegister(g)
		return g
	}
	lastRun := gauge("last_run_timestamp_seconds", "Unix time of the start of the job's last run.")
	lastSuccess := gauge("last_success_timestamp_seconds", "Unix time of the end of the job's last successful run (0: never).")
	duration := gauge("last_duration_seconds", "Duration of the job's last run.")
	bytes := gauge("last_bytes", "Bytes the job's last run produced or moved.")
	success := gauge("last_run_success", "1 if the job's last run succeeded, else 0.")
	failures := gauge("consecutive_failures", "Runs of the job since its last success.")
	outcome := gauge("last_outcome", "1 for the outcome of the job's last run, 0 for the others.", "outcome")
	jobs := make([]string, 0, len(sum.Jobs))
	for name := range sum.Jobs {
		jobs = append(jobs, name)
	}
	slices.Sort(jobs)
	for _, name := range jobs {
		j := sum.Jobs[name]
		lastRun.WithLabelValues(name).Set(float64(j.LastRun.Unix()))
		ls := 0.0
		if !j.LastSuccess.IsZero() {
			ls = float64(j.LastSuccess.Unix())
		}
		lastSuccess.WithLabelValues(name).Set(ls)
		duration.WithLabelValues(name).Set(j.DurationSeconds)
		bytes.WithLabelValues(name).Set(float64(j.Bytes))
		ok := 0.0
		if j.LastOutcome == OutcomeSuccess {
			ok = 1
		}
		success.WithLabelValues(name).Set(ok)
		failures.WithLabelValues(name).Set(float64(j.ConsecutiveFailures))
		for _, o := range outcomes {
			v := 0.0
			if o == j.LastOutcome {
				v = 1
			}
			outcome.WithLabelValues(name, o).Set(v)
		}
	}
	return reg
}

// lock takes an exclusive flock on path, waiting for another job to finish
// writing.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
