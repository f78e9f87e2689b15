package main

import (
	"log/slog"
	"time"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/metrics"
	"github.com/entgar/entgar/export/sftp"
)

// recordMetrics records a run in the metrics files (metrics.textfile,
// metrics.json_file); a failure to write them is logged, never the job's
// failure.
func recordMetrics(cfg *config.Config, log *slog.Logger, r metrics.Run) {
	err := metrics.Record(metrics.Files{Textfile: cfg.Metrics.Textfile, JSON: cfg.Metrics.JSONFile}, r)
	if err != nil {
		log.Error("cannot write the metrics files", "err", err)
	}
}

// recordExport records an export run: bytes are the archives written.
func recordExport(cfg *config.Config, log *slog.Logger, start time.Time, sum *export.Summary, err error) {
	r := metrics.Run{Job: "export", Start: start, Duration: time.Since(start), Outcome: metrics.OutcomeSuccess}
	if err != nil {
		r.Outcome, r.Detail = metrics.OutcomeFailure, err.Error()
	}
	if sum != nil {
		for _, a := range sum.Archives {
			r.Bytes += a.Bytes
		}
	}
	recordMetrics(cfg, log, r)
}

// recordUpload records a delivery: bytes are the archives delivered.
func recordUpload(cfg *config.Config, log *slog.Logger, start time.Time, res *sftp.Result, err error) {
	r := metrics.Run{Job: "upload", Start: start, Duration: time.Since(start), Outcome: metrics.OutcomeSuccess}
	if err != nil {
		r.Outcome, r.Detail = metrics.OutcomeFailure, err.Error()
	}
	if res != nil {
		for _, d := range res.Deliveries {
			r.Bytes += d.Bytes
		}
	}
	recordMetrics(cfg, log, r)
}
