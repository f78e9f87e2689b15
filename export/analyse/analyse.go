package analyse

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// DefaultMaxDeletionShare is the default mass-deletion guard: an archive
// that deletes more than this share of the persons of the previous one
// fails the analysis. GAR does not publish its own threshold; 10% is well
// above a normal night and well below a broken source.
const DefaultMaxDeletionShare = 0.10

// DefaultMaxExamples is the default number of findings kept per control.
const DefaultMaxExamples = 20

// DefaultMaxNodes and DefaultNodeTolerance: a sub-file may hold
// DefaultMaxNodes nodes "à quelques centaines de nœuds près" (§5.2.2.4).
const (
	DefaultMaxNodes      = 10_000
	DefaultNodeTolerance = 500
)

// Options tune Archive.
type Options struct {
	// Previous is the path of the last archive delivered for the same
	// degree; when set, Archive computes the calcul des écarts.
	Previous string
	// XSDDir, when set, holds the official GAR-ENT-1D.xsd and
	// GAR-ENT-2D.xsd: grammar verdicts come from them (through
	// github.com/jacoelho/xsd) instead of the built-in grammar.
	XSDDir string
	// MaxDeletionShare is the mass-deletion guard (0 means
	// DefaultMaxDeletionShare).
	MaxDeletionShare float64
	// AllowMassDeletion reports a deletion share above the guard as a
	// warning instead of a rejection: the operator has checked that the
	// persons are really gone (e.g. an establishment leaving the ENT) and
	// GAR's own guard is the one left to pass.
	AllowMassDeletion bool
	// MaxExamples is the number of findings kept per control (0 means
	// DefaultMaxExamples, negative keeps all of them).
	MaxExamples int
	// MaxNodes and NodeTolerance bound the nodes of a sub-file (0 means
	// the defaults).
	MaxNodes, NodeTolerance int
	// TempDir holds the unlinked files keys are spilled to (default: the
	// system's temporary directory).
	TempDir string
	// Limits bound what the archive reader accepts.
	Limits Limits

	// streamAbove is the size above which an entry is validated while it
	// is read rather than on a worker (maxBuffered; tests lower it).
	streamAbove int64
}

func (o Options) withDefaults() Options {
	if o.MaxDeletionShare <= 0 {
		o.MaxDeletionShare = DefaultMaxDeletionShare
	}
	if o.MaxExamples == 0 {
		o.MaxExamples = DefaultMaxExamples
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = DefaultMaxNodes
	}
	if o.NodeTolerance <= 0 {
		o.NodeTolerance = DefaultNodeTolerance
	}
	if o.streamAbove <= 0 {
		o.streamAbove = maxBuffered
	}
	return o
}

// Archive analyses the archive at path and predicts GAR's verdict. The
// error is only for environment failures (the archive or the previous one
// cannot be opened, the XSD directory cannot be compiled, a temporary file
// cannot be written, cancellation); problems of the archive are Findings.
func Archive(ctx context.Context, path string, opts Options) (*Report, error) {
	start := time.Now()
	opts = opts.withDefaults()
	a := &analysis{opts: opts, rep: &Report{Archive: path, Grammar: "built-in", Elements: map[string]int{}}, counts: map[string]*Count{}, seed: maphash.MakeSeed()}
	rep := a.rep
	base := filepath.Base(path)
	name, nerr := gar.ParseName(base)
	switch {
	case nerr != nil:
		a.add(Finding{Control: CtlArchiveName, Message: fmt.Sprintf("nom d'archive non conforme, GAR ignore le fichier: %v", nerr)})
	case name.Kind != gar.KindArchive:
		a.add(Finding{Control: CtlArchiveName, Message: fmt.Sprintf("%s: not a .tar.gz archive name", base)})
	default:
		rep.Ident, rep.Degree, rep.Timestamp = name.Ident, name.Degree, name.Timestamp.Format(gar.TimestampLayout)
		a.name = &name
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open archive %s: not a regular file", path)
	}
	a.spill = newSpiller(opts.TempDir)
	defer a.spill.close()
	if opts.XSDDir != "" {
		rep.Grammar = opts.XSDDir
	}
	if err := a.read(ctx, f, false); err != nil {
		return nil, err
	}
	a.checkMD5(path)
	a.checkFiles()
	if err := a.coh.finish(ctx, a, path); err != nil {
		return nil, err
	}
	if opts.Previous != "" {
		if err := a.readPrevious(ctx, opts.Previous); err != nil {
			return nil, err
		}
	}
	if err := a.mergeKeys(ctx); err != nil {
		return nil, err
	}
	a.finishReport()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// analysis is the state of one run.
type analysis struct {
	opts   Options
	rep    *Report
	name   *gar.Name
	counts map[string]*Count
	order  []string
	seed   maphash.Seed

	grammar   *xsd.Grammar
	official  *officialGrammar
	degreeSet bool
	files     []fileInfo
	coh       coherence
	spill     *spiller
	prev      *prevState
}

type fileInfo struct {
	stat  FileStat
	named bool // the name parsed
}

// add records a finding: counted always, kept while its control has room.
func (a *analysis) add(f Finding) {
	if f.Severity == 0 {
		f.Severity = controlSeverity(f.Control)
	}
	c := a.counts[f.Control]
	if c == nil {
		c = &Count{Control: f.Control, Severity: f.Severity}
		a.counts[f.Control] = c
		a.order = append(a.order, f.Control)
	}
	c.Total++
	if f.Severity > c.Severity {
		c.Severity = f.Severity
	}
	if a.opts.MaxExamples < 0 || c.Shown < a.opts.MaxExamples {
		c.Shown++
		a.rep.Findings = append(a.rep.Findings, f)
	}
}

// tally counts a finding whose example is not kept.
func (a *analysis) tally(control string) {
	c := a.counts[control]
	if c == nil {
		c = &Count{Control: control, Severity: controlSeverity(control)}
		a.counts[control] = c
		a.order = append(a.order, control)
	}
	c.Total++
}

// room reports whether a finding of the control would still be kept, so
// that callers can skip building messages nobody will read.
func (a *analysis) room(control string) bool {
	c := a.counts[control]
	return c == nil || a.opts.MaxExamples < 0 || c.Shown < a.opts.MaxExamples
}

// read reads the archive's entries, validating and analysing each XML file.
func (a *analysis) read(ctx context.Context, r io.Reader, previous bool) error {
	p := newPipeline(ctx, a.official)
	if previous {
		p.official = nil
	}
	sum, zb, xb, problems, err := readTar(r, a.opts.Limits, func(e entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if previous {
			return a.prev.file(ctx, a, p, e)
		}
		return a.file(ctx, p, e)
	})
	if perr := p.stop(); err == nil && perr != nil {
		if isReadError(perr) {
			problems = append(problems, readProblem(perr, "read the archive"))
		} else {
			err = perr
		}
	}
	if err != nil {
		return err
	}
	if previous {
		// The écarts of a previous archive read in part would be wrong.
		for _, p := range problems {
			if p.control != CtlArchiveEntry {
				return fmt.Errorf("%s: %s", p.control, p.msg)
			}
		}
		return nil
	}
	a.rep.MD5, a.rep.Bytes, a.rep.XMLBytes = sum, zb, xb
	for _, p := range problems {
		a.add(Finding{Control: p.control, File: p.file, Message: p.msg})
	}
	return nil
}

// file analyses one XML entry of the archive: on a worker when it is small
// enough to be read into memory, else while reading it.
func (a *analysis) file(ctx context.Context, p *pipeline, e entry) error {
	fi := fileInfo{stat: FileStat{Name: e.Name, Bytes: e.Size, Index: -1}}
	n, nerr := gar.ParseName(e.Name)
	switch {
	case nerr != nil:
		a.add(Finding{Control: CtlArchiveFileName, File: e.Name, Message: nerr.Error()})
	case n.Kind != gar.KindXML:
		a.add(Finding{Control: CtlArchiveFileName, File: e.Name, Message: "not an XML file name"})
	default:
		fi.named = true
		fi.stat.Type, fi.stat.Index = n.Type, n.Index
		a.checkFileName(e.Name, n)
	}
	if a.grammar == nil {
		d := a.rep.Degree
		if !d.Valid() {
			d = gar.D2
			if fi.named && n.DegreeWritten {
				d = n.Degree
			}
			a.rep.Degree = d
		}
		a.grammar = xsd.For(d)
		if a.opts.XSDDir != "" {
			og, err := compileOfficial(ctx, a.opts.XSDDir, d)
			if err != nil {
				return err
			}
			a.official, p.official = og, og
		}
	}
	idx := len(a.files)
	a.files = append(a.files, fi)
	if e.Size <= a.opts.streamAbove {
		j := p.get()
		j.idx, j.name, j.ftype, j.grammar, j.apply = idx, e.Name, fi.stat.Type, a.grammar, a.applyFile
		return p.submit(j, e.Body, e.Size)
	}
	if err := p.drain(); err != nil {
		return err
	}
	return a.stream(ctx, idx, e)
}

// applyFile reports what a worker found in a file and runs the controls
// on its nodes.
func (a *analysis) applyFile(j *job) {
	fc := a.coh.fileContext(a, j.idx, j.ftype)
	if a.official == nil {
		for _, e := range j.res.Errors {
			fc.grammarError(e, true)
		}
		for code, n := range j.codes {
			for i := j.shown[code]; i < n; i++ {
				a.tally(CtlXSD + "." + code)
			}
		}
	} else {
		for _, f := range j.errs {
			f.File = j.name
			a.add(f)
		}
	}
	j.log.Replay(fc.node)
	a.fileResult(j.idx, j.res)
}

// stream validates a large entry while reading it.
func (a *analysis) stream(ctx context.Context, idx int, e entry) error {
	buf := make([]byte, 256<<10)
	body := e.Body
	var official *officialRun
	if a.official != nil {
		official = a.official.start(ctx, &body)
	}
	fc := a.coh.fileContext(a, idx, a.files[idx].stat.Type)
	res, err := a.grammar.Validate(ctx, body, xsd.Options{
		Type:    a.files[idx].stat.Type,
		Buffer:  buf,
		OnNode:  fc.node,
		OnError: func(xe xsd.Error) { fc.grammarError(xe, official == nil) },
	})
	if official != nil {
		oerrs, oerr := official.wait()
		if oerr != nil && err == nil {
			err = oerr
		}
		for _, f := range oerrs {
			f.File = e.Name
			a.add(f)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &readErr{err}
	}
	a.fileResult(idx, res)
	return nil
}

// fileResult records a validated file and checks its node count.
func (a *analysis) fileResult(idx int, res *xsd.Result) {
	st := &a.files[idx].stat
	st.Nodes, st.Root, st.Version = res.Nodes, res.Root, res.Version
	if res.Root != "" && res.Version != a.grammar.Degree.GrammarVersion() && a.room(CtlVersion) {
		a.add(Finding{Control: CtlVersion, File: st.Name, Line: 1, Element: res.Root,
			Message: fmt.Sprintf("Version=%q: entgar knows GAR-ENT %s %s; check that GAR accepts this version", res.Version, a.grammar.Degree, a.grammar.Degree.GrammarVersion())})
	}
	if limit := a.opts.MaxNodes + a.opts.NodeTolerance; res.Nodes > limit {
		a.add(Finding{Control: CtlArchiveNodes, File: st.Name,
			Message: fmt.Sprintf("%d nœuds XML dans le fichier: GAR demande de découper au-delà de %d (tolérance %d)", res.Nodes, a.opts.MaxNodes, a.opts.NodeTolerance)})
	}
}

func (a *analysis) checkFileName(file string, n gar.Name) {
	if a.name == nil {
		return
	}
	var bad []string
	if n.Ident != a.name.Ident {
		bad = append(bad, fmt.Sprintf("idENT %s instead of %s", n.Ident, a.name.Ident))
	}
	if !n.Timestamp.Equal(a.name.Timestamp) {
		bad = append(bad, fmt.Sprintf("stamp %s instead of %s", n.Timestamp.Format(gar.TimestampLayout), a.rep.Timestamp))
	}
	if n.Degree != a.name.Degree || n.DegreeWritten != a.name.DegreeWritten {
		bad = append(bad, fmt.Sprintf("degree %q instead of the archive's", degreeSuffix(n)))
	}
	if len(bad) > 0 {
		a.add(Finding{Control: CtlArchiveFileName, File: file, Message: "file name does not match the archive: " + strings.Join(bad, ", ")})
	}
}

func degreeSuffix(n gar.Name) string {
	if !n.DegreeWritten {
		return ""
	}
	return n.Degree.String()
}

// checkFiles checks the five types and the numbering of sub-files.
func (a *analysis) checkFiles() {
	byType := map[gar.FileType][]int{}
	for _, f := range a.files {
		a.rep.Files = append(a.rep.Files, f.stat)
		if f.named {
			byType[f.stat.Type] = append(byType[f.stat.Type], f.stat.Index)
		}
	}
	if a.rep.Count(CtlArchiveRead)+a.rep.Count(CtlArchiveLimit) > 0 {
		return // the archive was not read to its end
	}
	for _, t := range gar.FileTypes {
		idx := byType[t]
		if len(idx) == 0 {
			a.add(Finding{Control: CtlArchiveTypes, Message: fmt.Sprintf("aucun fichier %s dans l'archive: les cinq types de fichiers sont obligatoires, même vides", t)})
			continue
		}
		sort.Ints(idx)
		for i, n := range idx {
			if n != i {
				a.add(Finding{Control: CtlArchiveNumbering, Message: fmt.Sprintf("%s sub-files are numbered %s: want %04d to %04d without gap or repeat", t, numbers(idx), 0, len(idx)-1)})
				break
			}
		}
	}
}

func numbers(idx []int) string {
	var s []string
	for i, n := range idx {
		if i == 8 {
			s = append(s, "...")
			break
		}
		s = append(s, fmt.Sprintf("%04d", n))
	}
	return strings.Join(s, ", ")
}

// checkMD5 compares the archive with the .MD5 file beside it, if any.
func (a *analysis) checkMD5(path string) {
	p := strings.TrimSuffix(path, ".tar.gz") + ".MD5"
	if p == path {
		return
	}
	f, err := os.Open(p)
	if err != nil {
		a.add(Finding{Control: CtlArchiveNoMD5, Message: fmt.Sprintf("no %s beside the archive: deposit it in ENTRANT with the archive, or GAR will not import it", filepath.Base(p))})
		return
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		a.add(Finding{Control: CtlArchiveMD5, Message: fmt.Sprintf("read %s: %v", filepath.Base(p), err)})
		return
	}
	a.rep.MD5File = p
	fields := strings.Fields(string(b))
	if len(fields) == 0 || !strings.EqualFold(fields[0], a.rep.MD5) {
		got := ""
		if len(fields) > 0 {
			got = fields[0]
		}
		a.add(Finding{Control: CtlArchiveMD5, Message: fmt.Sprintf("%s holds %q but the archive's MD5 is %s", filepath.Base(p), truncate(got), a.rep.MD5)})
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// finishReport sets the counts in control order and the verdict.
func (a *analysis) finishReport() {
	rank := map[string]int{}
	for i, c := range Controls {
		rank[c.Code] = i
	}
	codes := append([]string(nil), a.order...)
	sort.SliceStable(codes, func(i, j int) bool { return rankOf(rank, codes[i]) < rankOf(rank, codes[j]) })
	a.rep.Counts = a.rep.Counts[:0]
	for _, code := range codes {
		c := a.counts[code]
		a.rep.Counts = append(a.rep.Counts, *c)
		switch {
		case c.Severity == ArchiveRejected:
			a.rep.Verdict = Rejected
		case c.Severity == NodeRejected && a.rep.Verdict < Partial:
			a.rep.Verdict = Partial
		}
	}
	sort.SliceStable(a.rep.Findings, func(i, j int) bool {
		return rankOf(rank, a.rep.Findings[i].Control) < rankOf(rank, a.rep.Findings[j].Control)
	})
	if a.rep.Findings == nil {
		a.rep.Findings = []Finding{}
	}
	if a.rep.Counts == nil {
		a.rep.Counts = []Count{}
	}
}

func rankOf(rank map[string]int, code string) int {
	if r, ok := rank[code]; ok {
		return r
	}
	return len(rank)
}
