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
	// Missing is the outcome of a delivered archive found in no folder:
	// GAR deletes archives its antivirus flags (§5.5.2.1), and an operator
	// may have removed it.
	Missing Outcome = "missing"
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
	ModTime   time.Time  `json:"mod_time"` // on the server's clock; kept by moves
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
	Bytes    int64          `json:"bytes"` // size of the report file
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

// Status is what the server says about the archives of one ENT. Its JSON
// form is the output of `entgar results --json` (docs/results.md).
type Status struct {
	Ident     string    `json:"ident"`
	CheckedAt time.Time `json:"checked_at"`
	// Succeeded is true when the latest archive of every degree asked is in
	// SUCCES: the last delivery went through.
	Succeeded bool `json:"succeeded"`
	// Pending is true when a latest archive is still in ENTRANT.
	Pending bool `json:"pending"`
	// Latest is, for each degree asked in degree order, the archive last
	// delivered (Options.Delivered) or else the most recent one on the
	// server; a degree with neither is left out.
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
	// Delivered names, per degree, the archive last delivered (from the
	// delivery record); Latest then follows that archive, wherever it is,
	// rather than the most recent one on the server.
	Delivered map[gar.Degree]string
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
	st := &Status{Ident: ident, CheckedAt: time.Now().UTC().Truncate(time.Second)}
	var all []Archive
	reports := map[string]reportFile{} // in ERREUR, by file name
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
					reports[fi.Name()] = reportFile{rn, fi.Size()}
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
	// an error), the most recently deposited first: a move keeps the
	// modification time.
	slices.SortFunc(all, func(a, b Archive) int {
		return cmp.Or(b.stamp.Compare(a.stamp), cmp.Compare(a.Degree, b.Degree), b.ModTime.Compare(a.ModTime))
	})
	for _, d := range o.Degrees {
		want, byRecord := o.Delivered[d]
		found := false
		for _, a := range all {
			if a.Degree == d && (!byRecord || a.Name == want) {
				st.Latest = append(st.Latest, a)
				found = true
				break
			}
		}
		if !found && byRecord {
			st.Latest = append(st.Latest, Archive{Name: want, Degree: d, Outcome: Missing})
		}
	}
	if len(all) > o.History {
		all = all[:o.History]
	}
	// The latest archives are usually listed too: each report is
	// downloaded once, since one may run to hundreds of megabytes.
	read := map[string]*ReportSummary{}
	for i := range all {
		if err := attachReports(ctx, r, ident, &all[i], reports, read); err != nil {
			return nil, err
		}
	}
	for i := range st.Latest {
		if st.Latest[i].Outcome == Missing {
			continue
		}
		if err := attachReports(ctx, r, ident, &st.Latest[i], reports, read); err != nil {
			return nil, err
		}
	}
	st.Archives = all
	st.Pending = st.pending()
	st.Succeeded = st.succeeded(o.Degrees)
	return st, nil
}

// attachReports reads the reports GAR deposited about a, or takes them
// from read, which keeps every report read by file name.
func attachReports(ctx context.Context, r Remote, ident string, a *Archive, reports map[string]reportFile, read map[string]*ReportSummary) error {
	for file, rf := range reports {
		rn := rf.name
		if !rn.ArchiveTime.Equal(a.stamp) || rn.Degree != a.Degree {
			continue
		}
		sum := read[file]
		if sum == nil {
			var err error
			sum, err = readReport(ctx, r, path.Join(gar.FolderErreur, ident, file), rn.Kind)
			if err != nil {
				return err
			}
			sum.File, sum.Bytes = file, rf.size
			read[file] = sum
		}
		if rn.Kind == KindErrors {
			a.ErrorReport = sum
		} else {
			a.IgnoredReport = sum
		}
	}
	return nil
}

type reportFile struct {
	name ReportName
	size int64
}

// ReportBytes is the size of the reports attached to the latest archives.
func (s *Status) ReportBytes() int64 {
	var n int64
	for _, a := range s.Latest {
		for _, r := range []*ReportSummary{a.ErrorReport, a.IgnoredReport} {
			if r != nil {
				n += r.Bytes
			}
		}
	}
	return n
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

// pending reports whether any latest archive is still in ENTRANT.
func (s *Status) pending() bool {
	for _, a := range s.Latest {
		if a.Outcome == Pending {
			return true
		}
	}
	return false
}

// succeeded reports whether the latest archive of every degree in want was
// integrated without error (SUCCES).
func (s *Status) succeeded(want []gar.Degree) bool {
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
