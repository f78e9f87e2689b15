package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/metrics"
	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/export/sftp"
	"github.com/entgar/entgar/gar"
)

func runResults(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("results", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: entgar results [flags]")
		fmt.Fprintln(stderr, "Says where GAR put our last delivered archives (SUCCES, SUCCES_PARTIEL, ERREUR, IGNORE, still in ENTRANT) and summarises its reports.")
		fmt.Fprintln(stderr, "Exit 0: the last archive of every degree is in SUCCES; 1: it is elsewhere (or still in ENTRANT after --wait); 2: usage or configuration; 3: the server cannot be reached.")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	ident := fs.String("ident", "", "idENT (overrides ent.id)")
	out := fs.String("out", "", "directory holding the delivery record (overrides export.out)")
	wait := fs.Duration("wait", 0, "poll until the last delivered archives have left ENTRANT, or this long (e.g. 30m)")
	history := fs.Int("history", 10, "how many archives to list")
	asJSON := fs.Bool("json", false, "print the status as JSON on standard output")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *wait < 0 || *history < 1 {
		return usageErr("--wait must not be negative and --history must be at least 1")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *ident != "" {
		cfg.ENT.ID = *ident
	}
	if *out != "" {
		cfg.Export.Out = *out
	}
	if err := validateConfig(cfg); err != nil {
		return err
	}
	id, degrees, err := identAndDegrees(cfg)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	start := time.Now()
	opts := results.Options{Degrees: degrees, History: *history, Delivered: map[gar.Degree]string{}}
	for _, d := range degrees {
		rec, ok, err := export.LastDelivered(cfg.Export.Out, id, d)
		if err != nil {
			log.Warn("cannot read the delivery record; following the most recent archives on the server", "err", err)
			break
		}
		if ok {
			opts.Delivered[d] = rec.Archive
		}
	}
	st, err := checkResults(ctx, cfg, log, id, opts, *wait)
	rec := metrics.Run{Job: "results", Start: start, Duration: time.Since(start)}
	if err != nil {
		rec.Outcome, rec.Detail = metrics.OutcomeFailure, err.Error()
		recordMetrics(cfg, log, rec)
		return err
	}
	rec.Outcome, rec.Bytes, rec.Detail = resultsOutcome(st), st.ReportBytes(), latestLine(st)
	recordMetrics(cfg, log, rec)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		printResults(stdout, st)
	}
	if !st.Succeeded {
		return &exitError{exitProblems, fmt.Errorf("last delivery not fully integrated: %s", latestLine(st))}
	}
	return nil
}

// identAndDegrees returns the normalised ent.id and export.degrees.
func identAndDegrees(cfg *config.Config) (string, []gar.Degree, error) {
	if cfg.ENT.ID == "" {
		return "", nil, usageErr("no idENT: set ent.id in the configuration, ENTGAR_ENT_ID or --ident")
	}
	id, err := gar.NormalizeIdent(cfg.ENT.ID)
	if err != nil {
		return "", nil, usageErr("ent.id: %v", err)
	}
	var degrees []gar.Degree
	for _, s := range cfg.Export.Degrees {
		d, err := gar.ParseDegree(s)
		if err != nil {
			return "", nil, usageErr("export.degrees: %v", err)
		}
		degrees = append(degrees, d)
	}
	return id, degrees, nil
}

// dialGAR connects to the SFTP server of the configuration, mapping a
// configuration problem to exit 2 and anything else to exit 3.
func dialGAR(ctx context.Context, cfg *config.Config, log *slog.Logger) (*sftp.Client, error) {
	sc := sftp.FromConfig(cfg.SFTP)
	sc.Logger = log
	c, err := sftp.Dial(ctx, sc)
	if err != nil {
		var ce *sftp.ConfigError
		if errors.As(err, &ce) {
			return nil, &exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
		}
		return nil, &exitError{exitEnv, err}
	}
	return c, nil
}

// checkResults collects the status, first polling ENTRANT for up to wait
// until the archives followed have left it.
func checkResults(ctx context.Context, cfg *config.Config, log *slog.Logger, id string, opts results.Options, wait time.Duration) (*results.Status, error) {
	c, err := dialGAR(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if wait > 0 {
		if err := waitEntrant(ctx, c, log, id, opts, wait); err != nil {
			return nil, &exitError{exitEnv, err}
		}
	}
	st, err := results.Collect(ctx, c, id, opts)
	if err != nil {
		return nil, &exitError{exitEnv, err}
	}
	return st, nil
}

// waitEntrant polls ENTRANT/{idENT} until no archive followed is there, or
// wait elapses (not an error: the status then says pending).
func waitEntrant(ctx context.Context, c results.Remote, log *slog.Logger, id string, opts results.Options, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	every := min(max(wait/30, time.Second), 15*time.Second)
	dir := path.Join(gar.FolderEntrant, id)
	for {
		infos, err := c.ReadDir(ctx, dir)
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		var waiting []string
		for _, fi := range infos {
			n, err := gar.ParseName(fi.Name())
			if err != nil || n.Kind != gar.KindArchive || n.Ident != id {
				continue
			}
			want, byRecord := opts.Delivered[n.Degree]
			if (byRecord && want == fi.Name()) || (!byRecord && containsDegree(opts.Degrees, n.Degree)) {
				waiting = append(waiting, fi.Name())
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			log.Warn("still in ENTRANT after --wait", "archives", waiting)
			return nil
		}
		log.Info("waiting for GAR's collecte", "archives", waiting, "left", left.Round(time.Second).String())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(every, left)):
		}
	}
}

func containsDegree(list []gar.Degree, d gar.Degree) bool {
	for _, x := range list {
		if x == d {
			return true
		}
	}
	return len(list) == 0
}

// resultsOutcome maps a status to the metrics outcome of the results job.
func resultsOutcome(st *results.Status) string {
	switch {
	case st.Succeeded:
		return metrics.OutcomeSuccess
	case len(st.Latest) == 0:
		return metrics.OutcomeRejected
	}
	worst := metrics.OutcomeSuccess
	for _, a := range st.Latest {
		switch a.Outcome {
		case results.Failed, results.Ignored, results.Missing:
			return metrics.OutcomeRejected
		case results.Pending:
			worst = metrics.OutcomePending
		case results.Partial:
			if worst == metrics.OutcomeSuccess {
				worst = metrics.OutcomePartial
			}
		}
	}
	if worst == metrics.OutcomeSuccess {
		// A degree asked has no archive at all.
		return metrics.OutcomeRejected
	}
	return worst
}

// latestLine says in one line where the latest archives are.
func latestLine(st *results.Status) string {
	if len(st.Latest) == 0 {
		return "no archive of " + st.Ident + " on the server"
	}
	var parts []string
	for _, a := range st.Latest {
		parts = append(parts, fmt.Sprintf("%s %s in %s", a.Degree, a.Name, folderOf(a)))
	}
	return strings.Join(parts, "; ")
}

func folderOf(a results.Archive) string {
	if a.Outcome == results.Missing {
		return "no folder (missing)"
	}
	return a.Folder
}

var outcomeText = map[results.Outcome]string{
	results.Pending: "not processed yet",
	results.Success: "integrated",
	results.Partial: "integrated in part",
	results.Failed:  "rejected",
	results.Ignored: "ignored: a more recent archive of the degree was processed",
	results.Missing: "delivered but found in no folder (deleted by GAR's antivirus, or removed by hand)",
}

func printResults(w io.Writer, st *results.Status) {
	fmt.Fprintf(w, "%s, checked %s\n", st.Ident, st.CheckedAt.Local().Format("2006-01-02 15:04:05"))
	if len(st.Latest) == 0 {
		fmt.Fprintln(w, "no archive of ours on the server")
	}
	for _, a := range st.Latest {
		fmt.Fprintf(w, "%s %s: %s, %s\n", a.Degree, a.Name, folderOf(a), outcomeText[a.Outcome])
		printReport(w, "rejected", a.ErrorReport)
		printReport(w, "ignored", a.IgnoredReport)
	}
	var earlier []results.Archive
	for _, a := range st.Archives {
		latest := false
		for _, l := range st.Latest {
			latest = latest || l.Name == a.Name && l.Folder == a.Folder
		}
		if !latest {
			earlier = append(earlier, a)
		}
	}
	if len(earlier) > 0 {
		fmt.Fprintln(w, "earlier archives:")
		for _, a := range earlier {
			extra := ""
			if r := a.ErrorReport; r != nil {
				extra = fmt.Sprintf(", %d rejected", r.Elements)
			}
			fmt.Fprintf(w, "  %s %s: %s%s\n", a.Degree, a.Name, a.Folder, extra)
		}
	}
}

func printReport(w io.Writer, what string, r *results.ReportSummary) {
	if r == nil {
		return
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  report %s cannot be read: %s\n", r.File, r.Error)
		return
	}
	fmt.Fprintf(w, "  %d element(s) %s (report %s, notified %s):\n", r.Elements, what, r.File, r.Info.DateNotification)
	for _, c := range r.Controls {
		fmt.Fprintf(w, "    %6d  %s\n", c.Count, c.Control)
	}
	if len(r.First) > 0 {
		fmt.Fprintln(w, "  first ones:")
	}
	for _, e := range r.First {
		where := e.Fichier
		if e.Ligne > 0 {
			where = fmt.Sprintf("%s:%d", e.Fichier, e.Ligne)
		}
		tag := strings.TrimSpace(strings.Join([]string{e.Balise, e.Operation}, " "))
		if tag != "" {
			tag = " [" + tag + "]"
		}
		fmt.Fprintf(w, "    %s%s: %s\n", where, tag, e.Erreur)
	}
	if len(r.Unknown) > 0 {
		fmt.Fprintf(w, "  (fields not understood, skipped: %s)\n", strings.Join(r.Unknown, ", "))
	}
}
