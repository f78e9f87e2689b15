package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/entgar/entgar/config"
)

// parseFlags parses a command's flags. -h and --help print the usage and
// return flag.ErrHelp, which run turns into exit 0; any other flag error
// is a usage error. A command that takes no operands (operands false)
// refuses them.
func parseFlags(fs *flag.FlagSet, args []string, operands bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{exitUsage, err}
	}
	if !operands && fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// validateConfig checks cfg once the command's flags have overridden its
// keys: a problem is a configuration error (exit 2).
func validateConfig(cfg *config.Config) error {
	if err := cfg.Validate(); err != nil {
		return &exitError{exitUsage, fmt.Errorf("configuration:\n%w", err)}
	}
	return nil
}
