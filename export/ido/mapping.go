package ido

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/entgar/entgar/gar"
)

// Mapping is one person moving from another ENT project to ours.
type Mapping struct {
	SourceID  string // GARPersonIdentifiant in the source ENT
	SourceENT string // idENT of the source ENT project
	TargetID  string // GARPersonIdentifiant in our exports
	Line      int    // line of the mapping file
}

// LineError is what is wrong with one line of the mapping file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// maxErrors caps the errors ParseMapping reports, so that a wrong file
// (say, the export itself) gives a readable answer.
const maxErrors = 20

// header is the optional first line of a mapping file.
const header = "GarPersonIdentifiant source;code ENT source;nouveau GarPersonIdentifiant"

// ParseMapping reads a mapping file: UTF-8 text (a BOM is tolerated), LF or
// CRLF line ends, one person per line as
//
//	<GarPersonIdentifiant source>;<code ENT source>;<nouveau GarPersonIdentifiant>
//
// Blank lines and lines starting with '#' are skipped, and so is the header
// line above if it comes first. Identifiers are taken as they are (they are
// case-sensitive in GAR): no spaces around fields, at most 64 characters,
// no control characters. The source ENT code is upper-cased as in file
// names and must differ from target, our idENT. A person (source id and
// source ENT) may appear once, and so may a new identifier.
//
// Every problem is reported, up to 20, each as a *LineError naming its line,
// joined with errors.Join.
func ParseMapping(r io.Reader, target string) ([]Mapping, error) {
	target, err := gar.NormalizeIdent(target)
	if err != nil {
		return nil, fmt.Errorf("target idENT: %w", err)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []Mapping
	var errs []error
	fail := func(line int, format string, args ...any) {
		if len(errs) < maxErrors {
			errs = append(errs, &LineError{line, fmt.Errorf(format, args...)})
		} else if len(errs) == maxErrors {
			errs = append(errs, errors.New("more errors not shown"))
		}
	}
	sources := map[[2]string]int{}
	targets := map[string]int{}
	first := true
	for line := 1; sc.Scan(); line++ {
		text := sc.Bytes()
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
		}
		text = bytes.TrimSuffix(text, []byte("\r"))
		if !utf8.Valid(text) {
			fail(line, "not UTF-8")
			continue
		}
		s := string(text)
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if first {
			first = false
			if strings.EqualFold(s, header) {
				continue
			}
		}
		fields := strings.Split(s, ";")
		if len(fields) != 3 {
			fail(line, "%d field(s), want 3: GarPersonIdentifiant source;code ENT source;nouveau GarPersonIdentifiant", len(fields))
			continue
		}
		bad := false
		for i, name := range []string{"GarPersonIdentifiant source", "code ENT source", "nouveau GarPersonIdentifiant"} {
			if msg := checkField(fields[i]); msg != "" {
				fail(line, "%s %q: %s", name, fields[i], msg)
				bad = true
			}
		}
		if bad {
			continue
		}
		src, err := gar.NormalizeIdent(fields[1])
		if err != nil {
			fail(line, "code ENT source: %v", err)
			continue
		}
		if src == target {
			fail(line, "code ENT source %s is our own idENT (the target)", src)
			continue
		}
		m := Mapping{SourceID: fields[0], SourceENT: src, TargetID: fields[2], Line: line}
		key := [2]string{m.SourceID, m.SourceENT}
		if prev := sources[key]; prev > 0 {
			fail(line, "person %s of %s is already mapped on line %d", m.SourceID, m.SourceENT, prev)
			continue
		}
		if prev := targets[m.TargetID]; prev > 0 {
			fail(line, "nouveau GarPersonIdentifiant %s is already the target of line %d", m.TargetID, prev)
			continue
		}
		sources[key], targets[m.TargetID] = line, line
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, errors.New("no mapping line")
	}
	return out, nil
}

// checkField returns what is wrong with an identifier field, "" if nothing.
func checkField(f string) string {
	switch {
	case f == "":
		return "empty"
	case strings.TrimSpace(f) != f:
		return "spaces around the value"
	case utf8.RuneCountInString(f) > gar.MaxPersonID:
		return fmt.Sprintf("longer than %d characters", gar.MaxPersonID)
	}
	for _, r := range f {
		if unicode.IsControl(r) {
			return fmt.Sprintf("control character %U", r)
		}
	}
	return ""
}
