package analyse

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for an operator: the verdict, then each
// control that found something with its total and first examples (file and
// line), then the calcul des écarts.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("archive:  %s\n", r.Archive)
	if r.Ident != "" {
		ew.printf("idENT %s, degree %s, stamp %s\n", r.Ident, r.Degree, r.Timestamp)
	}
	nodes := 0
	for _, n := range r.Elements {
		nodes += n
	}
	ew.printf("%d XML files, %d nodes, %s of XML; grammar: %s\n", len(r.Files), nodes, size(r.XMLBytes), r.Grammar)
	ew.printf("verdict:  %s (GAR: %s)\n", strings.ToUpper(r.Verdict.String()), r.Verdict.GARStatus())
	if len(r.Counts) == 0 {
		ew.printf("\nno problem found\n")
	}
	for _, c := range r.Counts {
		ew.printf("\n[%s] %s: %d\n", c.Control, c.Severity, c.Total)
		if s := controlSummary(c.Control); s != "" {
			ew.printf("  check: %s\n", s)
		}
		for _, f := range r.Findings {
			if f.Control != c.Control {
				continue
			}
			loc := f.File
			if f.Line > 0 {
				loc = fmt.Sprintf("%s:%d", f.File, f.Line)
			}
			if loc != "" {
				loc += ": "
			}
			ew.printf("  - %s%s\n", loc, f.Message)
		}
		if c.Total > c.Shown {
			ew.printf("  ... and %d more\n", c.Total-c.Shown)
		}
	}
	if d := r.Diff; d != nil {
		ew.printf("\ncalcul des écarts against %s:\n", d.Previous)
		for _, e := range d.Elements {
			ew.printf("  %s : Ajout %d, Modification %d, Suppression %d\n", e.Element, e.Ajout, e.Modification, e.Suppression)
		}
		ew.printf("persons deleted: %d of %d (%.2f%%, guard %.2f%%)\n", d.PersonsDeleted, d.Persons, 100*d.DeletionShare, 100*d.MaxDeletionShare)
	}
	return ew.err
}

func controlSummary(code string) string {
	for _, c := range Controls {
		if c.Code == code {
			return c.Summary
		}
	}
	return ""
}

func size(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
