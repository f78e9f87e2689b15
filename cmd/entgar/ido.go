package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/entgar/entgar/export/ido"
)

func runIDO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ido", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: entgar ido --mapping FILE [flags]")
		fmt.Fprintln(stderr, "Builds the IDO continuity file (reference §5.9) from a mapping file (docs/results.md#ido-continuity)")
		fmt.Fprintln(stderr, "and deposits it in MIGRATION_IDO/{idENT}, stamped like the last archive GAR integrated.")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	ident := fs.String("ident", "", "idENT (overrides ent.id)")
	mapping := fs.String("mapping", "", "mapping file: one 'GarPersonIdentifiant source;code ENT source;nouveau GarPersonIdentifiant' per line")
	dry := fs.Bool("dry-run", false, "check and build the file, print it, deposit nothing")
	asJSON := fs.Bool("json", false, "print what was deposited as JSON on standard output")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *mapping == "" {
		return usageErr("--mapping FILE is required")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *ident != "" {
		cfg.ENT.ID = *ident
	}
	if err := validateConfig(cfg); err != nil {
		return err
	}
	id, _, err := identAndDegrees(cfg)
	if err != nil {
		return err
	}
	f, err := os.Open(*mapping)
	if err != nil {
		return usageErr("--mapping: %v", err)
	}
	ms, err := ido.ParseMapping(f, id)
	f.Close()
	if err != nil {
		return &exitError{exitProblems, fmt.Errorf("mapping file %s:\n%w", *mapping, err)}
	}
	log := newLogger(cfg.Log, stderr)
	c, err := dialGAR(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer c.Close()
	var put ido.Putter = c
	if *dry {
		put = nil
	}
	t, err := ido.Deliver(ctx, c, put, id, ms)
	if errors.Is(err, ido.ErrNoIntegratedArchive) {
		return &exitError{exitProblems, err}
	}
	if err != nil {
		return &exitError{exitEnv, err}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	}
	if t.Dry {
		fmt.Fprintf(stdout, "would deposit %s/%s (%d person(s), stamp of %s):\n", t.Dir, t.File, t.Persons, t.Archive)
		_, err := stdout.Write(t.CSVContent)
		return err
	}
	fmt.Fprintf(stdout, "deposited %s/%s: %d person(s), %d bytes, stamped like %s\n", t.Dir, t.File, t.Persons, t.Bytes, t.Archive)
	return nil
}
