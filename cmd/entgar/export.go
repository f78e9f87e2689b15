package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/sftp"
	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// loadConfig reads --config (or ENTGAR_CONFIG) and the ENTGAR_ overrides.
func loadConfig(path string) (*config.Config, error) {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ENTGAR_CONFIG=") {
			if path == "" {
				path = strings.TrimPrefix(kv, "ENTGAR_CONFIG=")
			}
			continue
		}
		env = append(env, kv)
	}
	cfg, err := config.Load(path, env)
	if err != nil {
		return nil, &exitError{exitUsage, fmt.Errorf("configuration:\n%w", err)}
	}
	return cfg, nil
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	src := fs.String("source", "", "source directory (overrides source.path)")
	ident := fs.String("ident", "", "idENT (overrides ent.id)")
	out := fs.String("out", "", "output directory (overrides export.out)")
	degree := fs.String("degree", "", "export only this degree, 1D or 2D (overrides export.degrees)")
	asJSON := fs.Bool("json", false, "print the summary as JSON on standard output")
	upload := fs.Bool("upload", false, "deliver the archives to GAR's SFTP once written (see entgar upload); the analysis always runs first")
	allowMass := fs.Bool("allow-mass-deletion", false, "let the analysis pass an archive deleting more persons than analyse.max_deletion_share (the deletions are real)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *src != "" {
		cfg.Source.Path = *src
	}
	if *ident != "" {
		cfg.ENT.ID = *ident
	}
	if *out != "" {
		cfg.Export.Out = *out
	}
	if *degree != "" {
		d, err := gar.ParseDegree(*degree)
		if err != nil {
			return usageErr("--degree: %v", err)
		}
		cfg.Export.Degrees = []string{d.String()}
	}
	if err := validateConfig(cfg); err != nil {
		return err
	}
	if cfg.ENT.ID == "" {
		return usageErr("no idENT: set ent.id in the configuration, ENTGAR_ENT_ID or --ident")
	}
	if *upload {
		// Fail before a long export rather than after it.
		if err := sftp.FromConfig(cfg.SFTP).Validate(); err != nil {
			return usageErr("--upload: configuration: %v", err)
		}
	}
	log := newLogger(cfg.Log, stderr)
	opts, err := exportOptions(cfg)
	if err != nil {
		return err
	}
	opts.Logger = log
	dir, err := source.OpenDir(cfg.Source.Path)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	tuneGC(log)
	log.Info("export started", "source", cfg.Source.Path, "out", opts.Out, "ident", opts.Ident, "degrees", cfg.Export.Degrees)
	start := time.Now()
	sum, err := export.Run(ctx, dir, opts)
	if err != nil {
		recordExport(cfg, log, start, sum, err)
		var bad *export.BadRecordError
		if errors.As(err, &bad) {
			return &exitError{exitProblems, err}
		}
		return err
	}
	var analysed error
	if cfg.Analyse.AfterExport || *upload {
		// Never deliver what the analyser says GAR would not take whole,
		// nor a mass deletion nobody confirmed: --upload analyses even
		// when analyse.after_export is off. For the metrics, such an
		// export failed.
		var paths []string
		for _, a := range sum.Archives {
			paths = append(paths, a.Path)
		}
		var refused []string
		refused, analysed = analyseBeforeDelivery(ctx, cfg, paths, *allowMass, log)
		for _, p := range refused {
			moved, err := export.SetAside(cfg.Export.Out, p)
			if err != nil {
				return err
			}
			log.Warn("refused archive set aside: the next export compares with the last good one", "archive", moved)
		}
	}
	recordExport(cfg, log, start, sum, analysed)
	if sum.Rejected+sum.Dropped > 0 {
		log.Warn("some records or links were left out", "rejected", sum.Rejected, "links_dropped", sum.Dropped, "details", sum.RejectsFile)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return err
		}
	} else {
		printSummary(stdout, sum)
	}
	if analysed != nil {
		return analysed
	}
	if *upload {
		return uploadExported(ctx, cfg, log, sum, stdout, *asJSON)
	}
	return nil
}

// uploadExported delivers the archives just written. With --json the
// delivery is only logged, so that standard output stays one JSON document.
func uploadExported(ctx context.Context, cfg *config.Config, log *slog.Logger, sum *export.Summary, stdout io.Writer, asJSON bool) error {
	var paths []string
	for _, a := range sum.Archives {
		paths = append(paths, a.Path)
	}
	res, err := deliver(ctx, cfg, log, paths)
	if res != nil && !asJSON {
		printDeliveries(stdout, res)
	}
	return err
}

func exportOptions(cfg *config.Config) (export.Options, error) {
	loc, err := time.LoadLocation(cfg.ENT.Timezone)
	if err != nil {
		return export.Options{}, usageErr("ent.timezone: %v", err)
	}
	o := export.Options{
		Ident:            cfg.ENT.ID,
		Out:              cfg.Export.Out,
		MaxNodes:         cfg.Export.MaxNodes,
		FailOnBadRecord:  cfg.Export.OnBadRecord == config.OnBadRecordFail,
		MaxRejectedShare: cfg.Export.MaxRejectedShare,
		OnlyGAREnabled:   cfg.Export.Establishments.OnlyGAREnabled,
		Include:          cfg.Export.Establishments.Include,
		Exclude:          cfg.Export.Establishments.Exclude,
		GzipLevel:        cfg.Export.GzipLevel,
		Keep:             cfg.Export.Keep,
		TempDir:          cfg.Export.TempDir,
		Time:             time.Now().In(loc),
	}
	for _, s := range cfg.Export.Degrees {
		d, err := gar.ParseDegree(s)
		if err != nil {
			return o, usageErr("export.degrees: %v", err)
		}
		o.Degrees = append(o.Degrees, d)
	}
	return o, nil
}

func printSummary(w io.Writer, s *export.Summary) {
	for _, a := range s.Archives {
		fmt.Fprintf(w, "%s archive: %s\n", a.Degree, a.Path)
		fmt.Fprintf(w, "  md5 %s (%s), %s compressed from %s of XML in %d files\n",
			a.MD5, a.MD5Path, bytesize(a.Bytes), bytesize(a.XMLBytes), len(a.Files))
		for _, ft := range gar.FileTypes {
			n := 0
			var parts []string
			for _, sec := range gar.Sections(a.Degree, ft) {
				parts = append(parts, fmt.Sprintf("%s %d", sec, a.Elements[ft][sec]))
			}
			for _, f := range a.Files {
				if nm, err := gar.ParseName(f.Name); err == nil && nm.Type == ft {
					n++
				}
			}
			fmt.Fprintf(w, "  %-10s %d sub-file(s): %s\n", ft, n, strings.Join(parts, ", "))
		}
	}
	fmt.Fprintln(w, "source records (read / exported / filtered / rejected / links dropped):")
	for _, f := range source.Files {
		c := s.Records[f]
		fmt.Fprintf(w, "  %-20s %8d %8d %8d %8d %8d\n", f, c.Read, c.Exported, c.Filtered, c.Rejected, c.LinksDropped)
	}
	if s.Rejected+s.Dropped > 0 {
		fmt.Fprintf(w, "%d record(s) rejected and %d link(s) dropped; all of them in %s. First ones:\n", s.Rejected, s.Dropped, s.RejectsFile)
		for i, p := range s.Problems {
			if i == 10 {
				break
			}
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	fmt.Fprintf(w, "done in %.1fs\n", s.Seconds)
}

func bytesize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// tuneGC sets the garbage collector for the export unless the operator set
// GOGC or GOMEMLIMIT. The export's live heap is small and does not grow
// with the number of users (spills and sub-files are on disk), so the
// collector can run half as often (GOGC=200) while a soft limit of 80 MiB
// keeps the heap, and so the RSS, bounded. Measured on 1M pupils: 9.1 s at
// 72 MB with Go's defaults, 8.1 s at 81 MB with these (docs/performance.md).
// A run whose live heap passes the limit (a huge unsorted source) is slowed
// down by the collector, not stopped.
func tuneGC(log *slog.Logger) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(200)
	debug.SetMemoryLimit(80 << 20)
	log.Debug("garbage collector tuned for the export", "gogc", 200, "memory_limit", "80MiB")
}
