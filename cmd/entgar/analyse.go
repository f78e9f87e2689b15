package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/analyse"
	"github.com/entgar/entgar/gar"
)

func runAnalyse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	previous := fs.String("previous", "", "the last archive delivered for the same degree: compute the calcul des écarts")
	asJSON := fs.Bool("json", false, "print the report as JSON on standard output")
	xsdDir := fs.String("xsd", "", "directory holding the official GAR-ENT-1D.xsd and GAR-ENT-2D.xsd: validate with them instead of the built-in grammar")
	examples := fs.Int("examples", 0, "findings shown per control (default analyse.max_examples; -1 for all)")
	deposit := fs.Bool("deposit", false, "also put the archive in GAR's ANALYSEUR folder (pre-production, sftp.* keys) for GAR's own analysis by e-mail; never from cron")
	force := fs.Bool("force", false, "with --deposit: allow it without a terminal (a person must still be behind the run)")
	allowMass := fs.Bool("allow-mass-deletion", false, "with --previous: report deletions above analyse.max_deletion_share as a warning, not a rejection")
	if err := parseFlags(fs, reorder(args), true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("want exactly one ARCHIVE, got %d arguments", fs.NArg())
	}
	interactive := stdinIsTerminal()
	if *deposit && !interactive && !*force {
		// Refuse before the analysis: the run is likely a cron job.
		return &exitError{exitUsage, errNotInteractive}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	opts := analyseOptions(cfg)
	opts.Previous, opts.XSDDir, opts.AllowMassDeletion = *previous, *xsdDir, *allowMass
	if *examples != 0 {
		opts.MaxExamples = *examples
	}
	tuneGC(newLogger(cfg.Log, stderr))
	rep, err := analyse.Archive(ctx, fs.Arg(0), opts)
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *deposit {
		// GAR's analysis is wanted whatever the local verdict: it is the
		// second opinion.
		msg := stdout
		if *asJSON {
			msg = stderr // keep standard output one JSON document
		}
		if err := depositAnalyseur(ctx, cfg, newLogger(cfg.Log, stderr), fs.Arg(0), interactive, *force, msg); err != nil {
			return err
		}
	}
	if rep.Verdict != analyse.Clean {
		return &exitError{exitProblems, fmt.Errorf("%s: GAR would answer %s", fs.Arg(0), rep.Verdict.GARStatus())}
	}
	return nil
}

// reorder moves flags before the positional arguments, so that
// `entgar analyse ARCHIVE --json` works as well as the other order.
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !hasValue(a) && i+1 < len(args) && takesValue(a) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

func hasValue(flag string) bool {
	for _, c := range flag {
		if c == '=' {
			return true
		}
	}
	return false
}

func takesValue(flag string) bool {
	switch flag {
	case "-config", "--config", "-previous", "--previous", "-xsd", "--xsd", "-examples", "--examples":
		return true
	}
	return false
}

// analyseOptions maps the analyse section of the configuration.
func analyseOptions(cfg *config.Config) analyse.Options {
	return analyse.Options{
		MaxDeletionShare: cfg.Analyse.MaxDeletionShare,
		MaxExamples:      cfg.Analyse.MaxExamples,
		TempDir:          cfg.Export.TempDir,
	}
}

// analyseBeforeDelivery analyses archives about to be delivered (after an
// export with analyse.after_export or --upload, and before entgar upload),
// each against the previous archive of its idENT and degree: the last one
// delivered when the out directory records it, else the newest older one
// beside it. It fails when GAR would not take one whole, which includes the
// mass-deletion guard unless allowMass is set. refused lists the archives
// GAR would not take whole.
func analyseBeforeDelivery(ctx context.Context, cfg *config.Config, archives []string, allowMass bool, log *slog.Logger) (refused []string, err error) {
	var bad []string
	for _, path := range archives {
		opts := analyseOptions(cfg)
		opts.AllowMassDeletion = allowMass
		prev, err := previousFor(cfg.Export.Out, path)
		if err != nil {
			return nil, err
		}
		opts.Previous = prev
		rep, err := analyse.Archive(ctx, path, opts)
		if err != nil {
			return nil, fmt.Errorf("analyse %s: %w", path, err)
		}
		args := []any{"archive", path, "verdict", rep.Verdict.String(), "gar", rep.Verdict.GARStatus(), "seconds", rep.Seconds}
		if d := rep.Diff; d != nil {
			args = append(args, "previous", d.Previous, "persons_deleted", d.PersonsDeleted, "persons", d.Persons)
			if d.Allowed {
				log.Warn("mass deletion allowed by --allow-mass-deletion", "archive", path, "persons_deleted", d.PersonsDeleted, "persons", d.Persons, "guard", d.MaxDeletionShare)
			}
		}
		if rep.Verdict == analyse.Clean {
			log.Info("analysis", args...)
			continue
		}
		for _, c := range rep.Counts {
			args = append(args, c.Control, c.Total)
		}
		hint := "run entgar analyse on it for the details"
		if rep.Diff != nil && rep.Diff.MassDeletion && !rep.Diff.Allowed {
			hint += "; if the deletions are real, deliver with --allow-mass-deletion"
		}
		log.Error("analysis: GAR would not take this archive whole; "+hint, args...)
		bad = append(bad, fmt.Sprintf("%s (%s)", path, rep.Verdict.GARStatus()))
		refused = append(refused, path)
	}
	if len(bad) > 0 {
		return refused, &exitError{exitProblems, fmt.Errorf("analysis: GAR would not take %s; nothing delivered", strings.Join(bad, ", "))}
	}
	return nil, nil
}

// previousFor returns the archive the one at path is compared with: the
// last delivered archive of its idENT and degree recorded in the out
// directory (when it is still there and is not path itself), else the
// newest older archive beside path; "" when there is none.
func previousFor(out, path string) (string, error) {
	n, err := gar.ParseName(filepath.Base(path))
	if err != nil {
		return "", err
	}
	last, ok, err := export.LastDelivered(out, n.Ident, n.Degree)
	if err != nil {
		return "", err
	}
	if ok && last.Archive != filepath.Base(path) {
		p := last.Path(out)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return analyse.PreviousArchive(filepath.Dir(path), path)
}
