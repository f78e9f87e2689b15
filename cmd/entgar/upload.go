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
	"path/filepath"
	"time"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export/sftp"
	"github.com/entgar/entgar/gar"
)

func runUpload(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: entgar upload [flags] [ARCHIVE...]")
		fmt.Fprintln(stderr, "Delivers archives (each with its .MD5 beside it) to ENTRANT/{idENT} on GAR's SFTP server.")
		fmt.Fprintln(stderr, "Without ARCHIVE, delivers the newest archive of each degree of export.degrees in export.out.")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	ident := fs.String("ident", "", "idENT (overrides ent.id; used without ARCHIVE)")
	out := fs.String("out", "", "output directory holding the lock, the delivery record and staged archives (overrides export.out)")
	asJSON := fs.Bool("json", false, "print what was delivered as JSON on standard output")
	if err := parseFlags(fs, args, true); err != nil {
		return err
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
	archives := fs.Args()
	for _, a := range archives {
		n, err := gar.ParseName(filepath.Base(a))
		if err != nil {
			return usageErr("%v", err)
		}
		if n.Kind != gar.KindArchive {
			return usageErr("%s: not an archive (give the .tar.gz; its .MD5 goes with it)", a)
		}
		for _, p := range []string{a, filepath.Join(filepath.Dir(a), gar.MD5Name(filepath.Base(a)))} {
			if _, err := os.Stat(p); err != nil {
				return usageErr("%v", err)
			}
		}
	}
	log := newLogger(cfg.Log, stderr)
	if len(archives) == 0 {
		if cfg.ENT.ID == "" {
			return usageErr("no ARCHIVE and no idENT: name the archives, or set ent.id (ENTGAR_ENT_ID, --ident) to deliver the newest ones in %s", cfg.Export.Out)
		}
		id, err := gar.NormalizeIdent(cfg.ENT.ID)
		if err != nil {
			return usageErr("ent.id: %v", err)
		}
		var degrees []gar.Degree
		for _, s := range cfg.Export.Degrees {
			d, err := gar.ParseDegree(s)
			if err != nil {
				return usageErr("export.degrees: %v", err)
			}
			degrees = append(degrees, d)
		}
		archives, err = sftp.NewestArchives(cfg.Export.Out, id, degrees)
		if err != nil {
			return fmt.Errorf("find the archives to deliver: %w", err)
		}
		if len(archives) == 0 {
			return usageErr("no archive of %s with its .MD5 in %s: run entgar export first", id, cfg.Export.Out)
		}
	}
	res, err := deliver(ctx, cfg, log, archives)
	if res != nil && *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(res); jerr != nil && err == nil {
			err = jerr
		}
	} else if res != nil {
		printDeliveries(stdout, res)
	}
	return err
}

// deliver uploads archives with the sftp section of cfg and maps failures
// to exit codes: configuration problems exit 2, everything else (network,
// server, local disk) 3.
func deliver(ctx context.Context, cfg *config.Config, log *slog.Logger, archives []string) (*sftp.Result, error) {
	sc := sftp.FromConfig(cfg.SFTP)
	sc.Logger = log
	start := time.Now()
	res, err := sftp.Deliver(ctx, sc, cfg.Export.Out, archives)
	recordUpload(cfg, log, start, res, err)
	if err != nil {
		var ce *sftp.ConfigError
		if errors.As(err, &ce) {
			return res, &exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
		}
		return res, &exitError{exitEnv, err}
	}
	return res, nil
}

func printDeliveries(w io.Writer, res *sftp.Result) {
	if res.StaleLock != "" {
		fmt.Fprintf(w, "note: the previous upload did not finish (%s)\n", res.StaleLock)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "skipped %s: a newer archive of its degree was given\n", s)
	}
	for _, d := range res.Deliveries {
		state := "delivered"
		if d.AlreadyThere {
			state = "already in place"
		}
		fmt.Fprintf(w, "%s %s: %s (%s, md5 %s) and %s\n", d.Degree, state, d.Archive, bytesize(d.Bytes), d.MD5, d.MD5File)
		for _, r := range d.Removed {
			fmt.Fprintf(w, "  removed older %s\n", r)
		}
		if d.Resumed > 0 {
			fmt.Fprintf(w, "  resumed %d time(s) after interruptions\n", d.Resumed)
		}
	}
}
