package results

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
)

// Remote is what reading results needs of GAR's SFTP server: paths are
// relative to the folder holding ENTRANT/, SUCCES/, ... export/sftp.Client
// implements it.
type Remote interface {
	ReadDir(ctx context.Context, dir string) ([]fs.FileInfo, error)
	Open(ctx context.Context, p string) (io.ReadCloser, error)
}

// Outcome is what GAR did with an archive, from the folder it is in.
type Outcome string

// The outcomes, one per folder an archive can be in.
const (
	Pending Outcome = "pending" // still in ENTRANT
	Success Outcome = "success" // SUCCES
	Partial Outcome = "partial" // SUCCES_PARTIEL
	Failed  Outcome = "error"   // ERREUR
	Ignored Outcome = "ignored" // IGNORE
)

// folders maps each folder to the outcome of an archive found there, in
// the order they are listed.
var folders = []struct {
	name    string
	outcome Outcome
}{
	{gar.FolderEntrant, Pending},
	{gar.FolderSucces, Success},
	{gar.FolderSuccesPartiel, Partial},
	{gar.FolderErreur, Failed},
	{gar.FolderIgnore, Ignored},
}

// Archive is one archive of ours found on the server and what GAR did
// with it.
type Archive struct {
	Name      string     `json:"name"`
	Degree    gar.Degree `json:"degree"`
	Timestamp string     `json:"timestamp"` // the name's AAAAMMJJ_HHMMSS
	Folder    string     `json:"folder"`
	Outcome   Outcome    `json:"outcome"`
	Size      int64      `json:"size"`
	ModTime   time.Time  `json:"mod_time"` // on the server's clock
	// ErrorReport and IgnoredReport summarise the reports GAR deposited
	// for this archive, when there are any.
	ErrorReport   *ReportSummary `json:"error_report,omitempty"`
	IgnoredReport *ReportSummary `json:"ignored_report,omitempty"`

	stamp time.Time
}

// ReportSummary is a report as `entgar results` shows it.
type ReportSummary struct {
	File     string         `json:"file"`
	Info     Info           `json:"info"`
	Elements int            `json:"elements"`
	Controls []ControlCount `json:"controls"` // most frequent first
	First    []Element      `json:"first"`    // the first FirstElements
	Unknown  []string       `json:"unknown,omitempty"`
	// Error says why the report could not be read; the other fields are
	// then empty.
	Error string `json:"error,omitempty"`
}

// ControlCount is the number of elements a control rejected.
type ControlCount struct {
	Control string `json:"control"`
	Count   int    `json:"count"`
}

// FirstElements is how many elements a ReportSummary keeps.
const FirstElements = 10

// Status is what the server says about the archives of one ENT.
type Status struct {
	Ident string `json:"ident"`
	// Latest is the most recent archive of each degree asked, in degree
	// order; a degree without any archive on the server is missing.
	Latest []Archive `json:"latest"`
	// Archives lists the archives found, most recent first, up to
	// Options.History.
	Archives []Archive `json:"archives"`
}

// Options says what to look at.
type Options struct {
	// Degrees are the degrees delivered; Latest has one entry per degree
	// found. Empty means both.
	Degrees []gar.Degree
	// History is how many archives Status.Archives lists; 0 means 10.
	History int
}

// Collect lists the ENT's folders, finds where its archives are, and reads
// the reports of the latest archive of each degree (and of the other
// archives listed). A folder that does not exist counts as empty; any other
// failure to list is returned.
func Collect(ctx context.Context, r Remote, ident string, o Options) (*Status, error) {
	if len(o.Degrees) == 0 {
		o.Degrees = gar.Degrees
	}
	if o.History <= 0 {
		o.History = 10
	}
	st := &Status{Ident: ident}
	var all []Archive
	reports := map[string]ReportName{} // file -> parsed name, in ERREUR
	for _, f := range folders {
		dir := path.Join(f.name, ident)
		infos, err := r.ReadDir(ctx, dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", dir, err)
		}
		for _, fi := range infos {
			if f.name == gar.FolderErreur {
				if rn, ok := ParseReportName(fi.Name()); ok && rn.Ident == ident {
					reports[fi.Name()] = rn
					continue
				}
			}
			n, err := gar.ParseName(fi.Name())
			if err != nil || n.Kind != gar.KindArchive || n.Ident != ident || !slices.Contains(o.Degrees, n.Degree) {
				continue
			}
			all = append(all, Archive{
				Name: fi.Name(), Degree: n.Degree, Timestamp: n.Timestamp.Format(gar.TimestampLayout),
				Folder: f.name, Outcome: f.outcome, Size: fi.Size(), ModTime: fi.ModTime(), stamp: n.Timestamp,
			})
		}
	}
	// Most recent first; for one name in two folders (re-delivered after
	// an error), the one in ENTRANT, then the latest moved.
	slices.SortFunc(all, func(a, b Archive) int {
		return cmp.Or(b.stamp.Compare(a.stamp), cmp.Compare(a.Degree, b.Degree), b.ModTime.Compare(a.ModTime))
	})
	if len(all) > o.History {
		all = all[:o.History]
	}
	for i := range all {
		if err := attachReports(ctx, r, ident, &all[i], reports); err != nil {
			return nil, err
		}
	}
	st.Archives = all
	for _, d := range o.Degrees {
		for _, a := range all {
			if a.Degree == d {
				st.Latest = append(st.Latest, a)
				break
			}
		}
	}
	return st, nil
}

// attachReports reads the reports GAR deposited about a.
func attachReports(ctx context.Context, r Remote, ident string, a *Archive, reports map[string]ReportName) error {
	for file, rn := range reports {
		if !rn.ArchiveTime.Equal(a.stamp) || rn.Degree != a.Degree {
			continue
		}
		sum, err := readReport(ctx, r, path.Join(gar.FolderErreur, ident, file), rn.Kind)
		if err != nil {
			return err
		}
		sum.File = file
		if rn.Kind == KindErrors {
			a.ErrorReport = sum
		} else {
			a.IgnoredReport = sum
		}
	}
	return nil
}

// readReport downloads and summarises one report. A report that cannot be
// parsed is a summary with Error set; only a failure to download is an
// error.
func readReport(ctx context.Context, r Remote, p string, kind ReportKind) (*ReportSummary, error) {
	rc, err := r.Open(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer rc.Close()
	src := &recordingReader{r: rc}
	var rep *Report
	if kind == KindErrors {
		rep, err = ReadErrorArchive(src)
	} else {
		rep, err = Parse(src)
	}
	if src.err != nil {
		return nil, fmt.Errorf("read %s: %w", p, src.err)
	}
	if err != nil {
		return &ReportSummary{Error: err.Error()}, nil
	}
	return Summarise(rep), nil
}

// Summarise counts a report's elements per control and keeps the first
// ones.
func Summarise(rep *Report) *ReportSummary {
	s := &ReportSummary{Info: rep.Info, Elements: len(rep.Elements), Unknown: rep.Unknown}
	counts := map[string]int{}
	for _, e := range rep.Elements {
		c := strings.TrimSpace(e.Controle)
		if c == "" {
			c = "(no control)"
		}
		counts[c]++
	}
	for c, n := range counts {
		s.Controls = append(s.Controls, ControlCount{Control: c, Count: n})
	}
	slices.SortFunc(s.Controls, func(a, b ControlCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Control, b.Control))
	})
	s.First = rep.Elements[:min(len(rep.Elements), FirstElements)]
	return s
}

// Pending reports whether any latest archive is still in ENTRANT.
func (s *Status) Pending() bool {
	for _, a := range s.Latest {
		if a.Outcome == Pending {
			return true
		}
	}
	return false
}

// Succeeded reports whether the latest archive of every degree in want was
// integrated without error (SUCCES).
func (s *Status) Succeeded(want []gar.Degree) bool {
	if len(want) == 0 {
		want = gar.Degrees
	}
	for _, d := range want {
		ok := false
		for _, a := range s.Latest {
			ok = ok || a.Degree == d && a.Outcome == Success
		}
		if !ok {
			return false
		}
	}
	return true
}

// recordingReader remembers a read error other than io.EOF, so that a
// download cut short is told apart from a report that does not parse.
type recordingReader struct {
	r   io.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}
