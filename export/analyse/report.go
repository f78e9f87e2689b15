package analyse

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/entgar/entgar/gar"
)

// Verdict is what GAR would do with the archive.
type Verdict int

// Verdicts, from best to worst.
const (
	// Clean: GAR would import everything (SUCCES); warnings may remain.
	Clean Verdict = iota
	// Partial: GAR would import the archive but reject or ignore some
	// nodes (SUCCES_PARTIEL, or data ignored).
	Partial
	// Rejected: GAR would reject the whole archive (ERREUR, or the archive
	// ignored for its name).
	Rejected
)

var verdictNames = []string{"clean", "partial", "rejected"}

// String returns "clean", "partial" or "rejected".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) && v >= 0 {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// GARStatus is the folder GAR would move the archive to: SUCCES,
// SUCCES_PARTIEL or ERREUR.
func (v Verdict) GARStatus() string {
	switch v {
	case Clean:
		return "SUCCES"
	case Partial:
		return "SUCCES_PARTIEL"
	}
	return "ERREUR"
}

// MarshalText implements encoding.TextMarshaler ("clean", "partial",
// "rejected").
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if n == string(b) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q", b)
}

// Severity says what a finding costs.
type Severity int

// Severities, from least to most serious.
const (
	// Warning: GAR imports the data; something deserves attention.
	Warning Severity = iota + 1
	// NodeRejected: GAR rejects or ignores the node and imports the rest.
	NodeRejected
	// ArchiveRejected: GAR rejects the whole archive.
	ArchiveRejected
)

var severityNames = []string{"", "warning", "node", "archive"}

// String returns "warning", "node" or "archive".
func (s Severity) String() string {
	if int(s) < len(severityNames) && s > 0 {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler ("warning", "node",
// "archive").
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if i > 0 && n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Operations of the calcul des écarts, in GAR's words.
const (
	OpAjout        = "Ajout"
	OpModification = "Modification"
	OpSuppression  = "Suppression"
)

// Finding is one problem found in the archive, located as GAR's error
// report locates it (fichier, ligne, balise, controle, erreur).
type Finding struct {
	Control   string   `json:"control"`             // stable control code, see Controls
	Severity  Severity `json:"severity"`            //
	File      string   `json:"file,omitempty"`      // XML file inside the archive; empty for the archive itself
	Line      int      `json:"line,omitempty"`      //
	Column    int      `json:"column,omitempty"`    //
	Element   string   `json:"element,omitempty"`   // the "balise", e.g. GAREleve
	Key       string   `json:"key,omitempty"`       // functional key of the node, fields joined by '/'
	Operation string   `json:"operation,omitempty"` // Ajout, Modification or Suppression when known
	Message   string   `json:"message"`             // GAR's wording where the reference gives it
}

// String formats the finding as file:line:column: [control] message.
func (f Finding) String() string {
	loc := f.File
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
	}
	if loc == "" {
		return fmt.Sprintf("[%s] %s", f.Control, f.Message)
	}
	return fmt.Sprintf("%s: [%s] %s", loc, f.Control, f.Message)
}

// Count is the number of findings of one control.
type Count struct {
	Control  string   `json:"control"`
	Severity Severity `json:"severity"`
	Total    int      `json:"total"`
	// Shown is how many of them are in Report.Findings.
	Shown int `json:"shown"`
}

// FileStat describes one XML file of the archive.
type FileStat struct {
	Name  string       `json:"name"`
	Type  gar.FileType `json:"type,omitempty"`
	Index int          `json:"index"`
	Bytes int64        `json:"bytes"`
	Nodes int          `json:"nodes"`
	Root  string       `json:"root,omitempty"`
	// Version is the root's Version attribute.
	Version string `json:"version,omitempty"`
}

// Report is everything Archive found.
type Report struct {
	Archive   string     `json:"archive"` // path as given
	Ident     string     `json:"ident,omitempty"`
	Degree    gar.Degree `json:"degree,omitempty"`
	Timestamp string     `json:"timestamp,omitempty"` // AAAAMMJJ_HHMMSS
	Verdict   Verdict    `json:"verdict"`
	// Grammar is "built-in" or the directory of the official XSD files
	// used (--xsd).
	Grammar string `json:"grammar"`
	// MD5 is the archive's checksum; MD5File the checksum file found
	// beside it, if any.
	MD5      string     `json:"md5"`
	MD5File  string     `json:"md5_file,omitempty"`
	Bytes    int64      `json:"bytes"`     // compressed
	XMLBytes int64      `json:"xml_bytes"` // uncompressed XML
	Files    []FileStat `json:"files"`
	// Elements counts the top-level nodes per kind (GAREleve...).
	Elements map[string]int `json:"elements"`
	// Findings holds the first Options.MaxExamples findings of each
	// control, in the order found; Counts has the totals.
	Findings []Finding `json:"findings"`
	Counts   []Count   `json:"counts"`
	// Diff is the calcul des écarts against Options.Previous.
	Diff    *Diff   `json:"diff,omitempty"`
	Seconds float64 `json:"seconds"`
}

// Diff is the calcul des écarts GAR mails after each import: per element
// type, what the new archive adds, modifies and deletes relative to the
// previous one.
type Diff struct {
	Previous string        `json:"previous"`
	Elements []ElementDiff `json:"elements"`
	// Persons counts the persons (GAREleve, GAREnseignant) of the previous
	// archive and PersonsDeleted those absent from the new one.
	Persons        int     `json:"persons"`
	PersonsDeleted int     `json:"persons_deleted"`
	DeletionShare  float64 `json:"deletion_share"`
	// MaxDeletionShare is the configured guard.
	MaxDeletionShare float64 `json:"max_deletion_share"`
	MassDeletion     bool    `json:"mass_deletion"`
	// Allowed is set when the mass deletion was let through
	// (Options.AllowMassDeletion): its finding is then a warning.
	Allowed bool `json:"mass_deletion_allowed,omitempty"`
}

// ElementDiff is one line of the calcul des écarts, e.g.
// "GAREleve : Ajout 3, Modification 0, Suppression 0".
type ElementDiff struct {
	Element      string `json:"element"`
	Ajout        int    `json:"ajout"`
	Modification int    `json:"modification"`
	Suppression  int    `json:"suppression"`
}

// Count returns the total number of findings of a control.
func (r *Report) Count(control string) int {
	for _, c := range r.Counts {
		if c.Control == control {
			return c.Total
		}
	}
	return 0
}

// JSON returns the report as indented JSON, the stable --json output
// (docs/analyse.md). GAR's messages keep their < and > unescaped.
func (r *Report) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
