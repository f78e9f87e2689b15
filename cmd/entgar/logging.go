package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/entgar/entgar/config"
)

// newLogger builds the logger the configuration asks for: JSON for cron and
// servers, text on a terminal.
func newLogger(c config.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	switch c.Level {
	case config.LogLevelDebug:
		level = slog.LevelDebug
	case config.LogLevelWarn:
		level = slog.LevelWarn
	case config.LogLevelError:
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	format := c.Format
	if format == config.LogFormatAuto || format == "" {
		format = config.LogFormatJSON
		if isTerminal(w) {
			format = config.LogFormatText
		}
	}
	if format == config.LogFormatText {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
