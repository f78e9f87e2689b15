package export

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/entgar/entgar/export/source"
)

// Problem is a record, or a part of one, that the export could not send.
type Problem struct {
	Pos source.Pos `json:"-"`
	// File and Line locate the record in the source.
	File string `json:"file"`
	Line int    `json:"line"`
	// ID is the record's key when it could be read (a person id, a UAI...).
	ID string `json:"id,omitempty"`
	// Rejected is true when the whole record was left out, false when only
	// one of its links (a group, a MEF, an establishment...) was.
	Rejected bool   `json:"rejected"`
	Reason   string `json:"reason"`
}

func (p Problem) String() string {
	what := "link dropped"
	if p.Rejected {
		what = "record rejected"
	}
	if p.ID != "" {
		return fmt.Sprintf("%s: %s %q: %s", p.Pos, what, p.ID, p.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", p.Pos, what, p.Reason)
}

// BadRecordError is returned when the policy is to fail on the first bad
// record, or when more records were rejected than the configured share.
type BadRecordError struct {
	First   Problem
	Message string
	// RejectsFile lists every problem found before the run stopped.
	RejectsFile string
}

func (e *BadRecordError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "bad record: " + e.First.String()
	}
	if e.RejectsFile != "" {
		msg += " (all problems found: " + e.RejectsFile + ")"
	}
	return msg
}

// problems collects what was left out. It keeps the first few in memory for
// the summary, streams all of them to the rejects file, and counts them.
type problems struct {
	failFast bool
	keep     int
	first    []Problem
	rejected map[string]int // per source file, whole records
	links    map[string]int // per source file, dropped links
	enc      *json.Encoder  // the rejects file; nil when not kept
	err      error
}

func newProblems(failFast bool) *problems {
	return &problems{failFast: failFast, keep: 100, rejected: map[string]int{}, links: map[string]int{}}
}

// add records p. It returns a *BadRecordError when the run must stop.
func (ps *problems) add(p Problem) error {
	p.File, p.Line = p.Pos.File, p.Pos.Line
	if p.Rejected {
		ps.rejected[p.File]++
	} else {
		ps.links[p.File]++
	}
	if len(ps.first) < ps.keep {
		ps.first = append(ps.first, p)
	}
	if ps.enc != nil && ps.err == nil {
		ps.err = ps.enc.Encode(p)
	}
	if ps.failFast {
		return &BadRecordError{First: p}
	}
	return nil
}

func (ps *problems) total() (rejected, links int) {
	for _, n := range ps.rejected {
		rejected += n
	}
	for _, n := range ps.links {
		links += n
	}
	return
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
