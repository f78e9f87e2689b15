package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export/analyseur"
)

// errNotInteractive is the refusal of `analyse --deposit` without a
// terminal and without --force.
var errNotInteractive = errors.New("--deposit needs a terminal: the GAR reference (§5.8) forbids automating deposits in ANALYSEUR (cron or the like); run it by hand, or add --force if a person really is behind this run")

// depositAnalyseur drops archive in ANALYSEUR on GAR's SFTP, for `entgar
// analyse --deposit`. interactive says whether a person is at the terminal
// (standard input is one); force overrides the check.
func depositAnalyseur(ctx context.Context, cfg *config.Config, log *slog.Logger, archive string, interactive, force bool, stdout io.Writer) error {
	if !interactive && !force {
		return &exitError{exitUsage, errNotInteractive}
	}
	c, err := dialGAR(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer c.Close()
	remote, err := analyseur.Deposit(ctx, c, archive)
	if err != nil {
		return &exitError{exitEnv, err}
	}
	fmt.Fprintf(stdout, "deposited %s: GAR mails its analysis to the project's notification addresses, usually within 5 to 40 minutes\n", remote)
	return nil
}

// stdinIsTerminal reports whether standard input is a terminal, i.e. a
// person may be typing rather than cron.
func stdinIsTerminal() bool { return isTTY(os.Stdin) }
