// Command entgar connects a school ENT to the ministry's GAR: it builds the
// nightly export archives from the ENT's data and the tools around them.
//
// Run `entgar help` for the commands. Exit codes: 0 success, 1 the job ran
// and found problems, 2 usage or configuration error, 3 environment failure
// (disk, network).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // archive stamps use the configured zone on any host
)

// Exit codes, the contract with cron and scripts.
const (
	exitOK       = 0
	exitProblems = 1
	exitUsage    = 2
	exitEnv      = 3
)

// exitError carries an exit code with the message printed for it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"gen", "--out DIR [--students N] [--teachers N] [--schools N] [--degree 1D|2D|both] [--seed S]",
		"write deterministic synthetic source data", runGen},
	{"export", "[--config F] [--source DIR] [--ident IDENT] [--out DIR] [--degree 1D|2D] [--json] [--upload] [--allow-mass-deletion]",
		"build the GAR archives (tar.gz + .MD5) from the source", runExport},
	{"analyse", "ARCHIVE [--previous ARCHIVE] [--allow-mass-deletion] [--json] [--xsd DIR] [--examples N] [--config F] [--deposit [--force]]",
		"predict GAR's verdict on an archive: names, MD5, grammar, keys, coherence, écarts", runAnalyse},
	{"upload", "[--config F] [--out DIR] [--ident IDENT] [--json] [ARCHIVE...]",
		"deliver archives and their .MD5 to GAR's SFTP (ENTRANT)", runUpload},
	{"results", "[--config F] [--wait DURATION] [--json]",
		"where GAR put our last archives, and its reports", runResults},
	{"ido", "--mapping FILE [--config F] [--dry-run] [--json]",
		"build the IDO continuity file and deposit it in MIGRATION_IDO", runIDO},
	{"garsim", "[--config F] [--listen ADDR] [--root DIR] [--known-hosts-out F] [--new-client-key F]",
		"run the GAR simulator (SFTP drop and collecte)", runGarsim},
	{"mediacentre", "--uai UAI --user ID [--config F] [--ident IDENT] [--format json|xml] [--json] | --distributable",
		"call GAR's listeRessources once with the client certificate (operators' check)", runMediacentre},
	{"serve", "[--config F] [--check]",
		"serve the médiacentre API and page for the ENT portal, /healthz and /metrics over HTTPS", runServe},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "entgar %s: %v\n", c.name, err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		if errors.Is(err, context.Canceled) {
			return exitEnv
		}
		return exitEnv
	}
	fmt.Fprintf(stderr, "entgar: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "entgar connects an ENT to GAR (Gestionnaire d'accès aux ressources).")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands {
		fmt.Fprintf(w, "  entgar %-7s %s\n          %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 success, 1 problems found, 2 usage or configuration error, 3 environment failure.")
	fmt.Fprintln(w, "Run `entgar COMMAND -h` for the flags of a command.")
}
