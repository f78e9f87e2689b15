package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/atomicfile"
)

// Options configures an export run.
type Options struct {
	Ident    string       // idENT; upper-cased in every name
	Out      string       // directory receiving the archives
	Degrees  []gar.Degree // degrees to export (an archive each)
	MaxNodes int          // top-level nodes per sub-file (GAR: 10,000)
	// FailOnBadRecord stops the run at the first record that cannot be
	// exported; otherwise bad records are skipped and reported.
	FailOnBadRecord bool
	// MaxRejectedShare fails a run that skipped more than this share of the
	// person records (pupils and staff), so that a broken dump never becomes
	// an archive deleting users in GAR. 1 disables the check.
	MaxRejectedShare float64
	OnlyGAREnabled   bool     // export only establishments with gar_enabled
	Include          []string // if set, export only these UAIs
	Exclude          []string // never export these UAIs
	GzipLevel        int      // 1..9
	Keep             int      // exported archives kept per degree in Out (>= 1)
	TempDir          string   // spill files; defaults to Out
	Time             time.Time
	Logger           *slog.Logger
	// ProgressEvery is the interval between progress log lines; 0 means 5s.
	ProgressEvery time.Duration
}

// Summary is what a run did; its JSON form is the stable output of
// `entgar export --json` (docs/export.md).
type Summary struct {
	Ident     string                  `json:"ident"`
	Timestamp string                  `json:"timestamp"`
	Archives  []ArchiveSummary        `json:"archives"`
	Records   map[string]*RecordCount `json:"records"`
	Rejected  int                     `json:"rejected"`
	Dropped   int                     `json:"links_dropped"`
	// Problems holds the first 100 problems; RejectsFile has them all.
	Problems    []Problem `json:"problems"`
	RejectsFile string    `json:"rejects_file,omitempty"`
	Seconds     float64   `json:"seconds"`
}

// ArchiveSummary describes one archive written.
type ArchiveSummary struct {
	Degree   gar.Degree `json:"degree"`
	Path     string     `json:"path"`
	MD5Path  string     `json:"md5_path"`
	MD5      string     `json:"md5"`
	Bytes    int64      `json:"bytes"`
	XMLBytes int64      `json:"xml_bytes"`
	// Elements counts the top-level nodes per file type and element.
	Elements map[gar.FileType]map[string]int `json:"elements"`
	Files    []FileStat                      `json:"files"`
}

// RecordCount counts the records of one source file.
type RecordCount struct {
	Read     int `json:"read"`
	Exported int `json:"exported"`
	Rejected int `json:"rejected"`
	// Filtered records belong only to establishments that are not exported.
	Filtered     int `json:"filtered"`
	LinksDropped int `json:"links_dropped"`
}

// degreeOut is the archive being written for one degree.
type degreeOut struct {
	degree gar.Degree
	arch   *archiveWriter
	files  map[gar.FileType]*fileWriter
	final  string
}

func (o *degreeOut) add(t gar.FileType, elem string, n []byte) error {
	f := o.files[t]
	return f.add(f.section(elem), n)
}

// run is the state of one export.
type run struct {
	opts    Options
	src     source.Source
	log     *slog.Logger
	stamp   time.Time
	outs    map[gar.Degree]*degreeOut
	probs   *problems
	counts  map[string]*RecordCount
	include map[string]bool
	exclude map[string]bool

	etabs      map[string]*etab
	mefSet     map[uaiCode]int
	subjectSet map[uaiCode]int
	groupSet   map[uaiCode]group
	respAffs   map[string]*respAff

	node         node
	lastProgress time.Time
}

// Run exports src into one archive per degree in opts.Out. On success the
// archives and their MD5 are in place and the summary describes them; on
// failure nothing new is left in Out and the previous archives are intact.
func Run(ctx context.Context, src source.Source, opts Options) (*Summary, error) {
	began := time.Now()
	if err := opts.check(); err != nil {
		return nil, err
	}
	r := &run{
		opts: opts, src: src, log: opts.Logger,
		outs:       map[gar.Degree]*degreeOut{},
		probs:      newProblems(opts.FailOnBadRecord),
		counts:     map[string]*RecordCount{},
		include:    set(opts.Include),
		exclude:    set(opts.Exclude),
		etabs:      map[string]*etab{},
		mefSet:     map[uaiCode]int{},
		subjectSet: map[uaiCode]int{},
		groupSet:   map[uaiCode]group{},
		respAffs:   map[string]*respAff{},
	}
	r.stamp = opts.Time.Truncate(time.Second)
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	for _, f := range source.Files {
		r.counter(f)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	lock, err := lockDir(opts.Out)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	if lock.stale != "" {
		r.log.Warn("the previous export in this directory did not finish (killed or crashed); its lock was stale", "previous", lock.stale)
	}
	removeStale(opts.Out, r.log)

	rejectsTmp := filepath.Join(opts.Out, "."+r.rejectsName()+".partial")
	rf, err := os.Create(rejectsTmp)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	r.probs.enc = json.NewEncoder(rf)
	defer func() {
		rf.Close()
		os.Remove(rejectsTmp)
	}()

	for _, d := range opts.Degrees {
		final := filepath.Join(opts.Out, gar.ArchiveName(opts.Ident, r.stamp, d))
		if _, err := os.Lstat(final); err == nil {
			r.abort()
			return nil, fmt.Errorf("export: %s already exists: one export per second at most", final)
		}
		a, err := createArchive(partialName(final), r.stamp, opts.GzipLevel)
		if err != nil {
			r.abort()
			return nil, fmt.Errorf("export: %w", err)
		}
		o := &degreeOut{degree: d, arch: a, final: final, files: map[gar.FileType]*fileWriter{}}
		for _, t := range gar.FileTypes {
			o.files[t] = newFileWriter(a, opts.Ident, r.stamp, d, t, opts.MaxNodes, opts.TempDir)
		}
		r.outs[d] = o
	}

	if err := r.passes(ctx); err != nil {
		r.abort()
		var bad *BadRecordError
		if errors.As(err, &bad) && rf.Close() == nil {
			// The run wrote no archive, but the operator needs every
			// problem it found to fix the source.
			path := filepath.Join(opts.Out, r.rejectsName())
			if os.Rename(rejectsTmp, path) == nil {
				bad.RejectsFile = path
			}
		}
		return nil, err
	}
	sum, err := r.finish(rf, rejectsTmp)
	if err != nil {
		r.abort()
		return nil, err
	}
	sum.Seconds = time.Since(began).Seconds()
	return sum, nil
}

func (r *run) passes(ctx context.Context) error {
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{source.FileEstablishments, r.establishments},
		{source.FileMEFs, r.mefs},
		{source.FileSubjects, r.subjects},
		{source.FileGroups, r.groups},
		{source.FileRespAff, r.loadRespAff},
		{source.FilePupils, r.pupils},
		{source.FileStaff, r.staff},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.fn(ctx); err != nil {
			var bad *BadRecordError
			if errors.As(err, &bad) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return fmt.Errorf("export: %s: %w", s.what, err)
		}
		c := r.counts[s.what]
		r.log.Info("source read", "file", s.what, "records", c.Read, "exported", c.Exported,
			"rejected", c.Rejected, "filtered", c.Filtered, "seconds", time.Since(start).Seconds())
	}
	if err := r.writeRespAff(); err != nil {
		return err
	}
	if r.probs.err != nil {
		return fmt.Errorf("export: write rejects file: %w", r.probs.err)
	}
	if share := r.rejectedPersonShare(); share > r.opts.MaxRejectedShare {
		pu, st := r.counts[source.FilePupils], r.counts[source.FileStaff]
		first := r.probs.first[0]
		for _, p := range r.probs.first {
			if p.Rejected && (p.File == source.FilePupils || p.File == source.FileStaff) {
				first = p
				break
			}
		}
		return &BadRecordError{
			First: first,
			Message: fmt.Sprintf("%.1f%% of person records were rejected (%d of %d pupils, %d of %d staff), more than export.max_rejected_share (%.1f%%): no archive written; first rejected person: %s",
				100*share, pu.Rejected, pu.Read, st.Rejected, st.Read, 100*r.opts.MaxRejectedShare, first),
		}
	}
	for _, d := range r.opts.Degrees {
		for _, t := range gar.FileTypes {
			if err := r.outs[d].files[t].finish(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) rejectedPersonShare() float64 {
	pu, st := r.counts[source.FilePupils], r.counts[source.FileStaff]
	if pu.Read+st.Read == 0 {
		return 0
	}
	return float64(pu.Rejected+st.Rejected) / float64(pu.Read+st.Read)
}

// finish closes the archives, then moves them to their final names, each
// archive before its MD5, so that whoever watches Out never sees an MD5
// without its archive nor an archive that is still being written.
func (r *run) finish(rf *os.File, rejectsTmp string) (*Summary, error) {
	sum := &Summary{
		Ident:     r.opts.Ident,
		Timestamp: r.stamp.Format(gar.TimestampLayout),
		Records:   r.counts,
		Problems:  r.probs.first,
	}
	sum.Rejected, sum.Dropped = r.probs.total()
	for _, d := range r.opts.Degrees {
		o := r.outs[d]
		md5sum, size, err := o.arch.finish()
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		as := ArchiveSummary{Degree: d, Path: o.final, MD5Path: gar.MD5Name(o.final), MD5: md5sum,
			Bytes: size, XMLBytes: o.arch.xmlSize, Files: o.arch.files, Elements: map[gar.FileType]map[string]int{}}
		for _, t := range gar.FileTypes {
			as.Elements[t] = o.files[t].total
		}
		sum.Archives = append(sum.Archives, as)
	}
	for _, as := range sum.Archives {
		if err := os.Rename(partialName(as.Path), as.Path); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		// The MD5 file holds the archive's checksum alone, in lower-case hex.
		if err := writeFileAtomic(as.MD5Path, []byte(as.MD5)); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	if err := rf.Close(); err != nil {
		return nil, fmt.Errorf("export: rejects file: %w", err)
	}
	if sum.Rejected+sum.Dropped > 0 {
		sum.RejectsFile = filepath.Join(r.opts.Out, r.rejectsName())
		if err := os.Rename(rejectsTmp, sum.RejectsFile); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	syncDir(r.opts.Out)
	r.prune()
	return sum, nil
}

// rejectsName is the name of the run's rejects file. It shares no prefix
// with GAR's names, so that nothing takes it for part of an export.
func (r *run) rejectsName() string {
	return rejectsPrefix + r.opts.Ident + "_" + r.stamp.Format(gar.TimestampLayout) + ".jsonl"
}

const rejectsPrefix = "rejects_"

// abort removes everything this run wrote.
func (r *run) abort() {
	for _, o := range r.outs {
		for _, f := range o.files {
			f.discard()
		}
		o.arch.abort()
	}
}

func (r *run) counter(file string) *RecordCount {
	c := r.counts[file]
	if c == nil {
		c = &RecordCount{}
		r.counts[file] = c
	}
	return c
}

// reject reports a whole record as left out.
func (r *run) reject(c *RecordCount, pos source.Pos, id string, err error) error {
	c.Rejected++
	return r.probs.add(Problem{Pos: pos, ID: id, Rejected: true, Reason: err.Error()})
}

// drop reports a link of a record as left out; the record itself is kept.
func (r *run) drop(c *RecordCount, pos source.Pos, id, reason string) error {
	c.LinksDropped++
	return r.probs.add(Problem{Pos: pos, ID: id, Reason: reason})
}

func (r *run) closeSection(t gar.FileType, elem string) error {
	for _, d := range r.opts.Degrees {
		f := r.outs[d].files[t]
		if err := f.closeSection(f.section(elem)); err != nil {
			return err
		}
	}
	return nil
}

// closeSection2D closes a section that only the second degree has.
func (r *run) closeSection2D(t gar.FileType, elem string) error {
	if o := r.outs[gar.D2]; o != nil {
		f := o.files[t]
		return f.closeSection(f.section(elem))
	}
	return nil
}

// errScanDone ends a rescan once it has passed the line it was asked about.
var errScanDone = errors.New("scan done")

// idSet returns the duplicate detector of one persons file. scan reads the
// file's ids again, stopping when yield returns false.
func (r *run) idSet(ctx context.Context, file string, scan func(context.Context, func(string, int) bool) error) *idSet {
	return &idSet{
		rescan: func(before int, add func(string, int)) error {
			err := scan(ctx, func(id string, line int) bool {
				if line >= before {
					return false
				}
				add(id, line)
				return true
			})
			if err == errScanDone {
				return nil
			}
			return err
		},
		unsorted: func(line int) {
			r.log.Warn("source file is not sorted by id: duplicate detection now keeps every id in memory; sort the file to keep memory constant",
				"file", file, "line", line)
		},
	}
}

func (r *run) progress(ctx context.Context, file string, n int) {
	if n&4095 != 0 {
		return
	}
	every := r.opts.ProgressEvery
	if every == 0 {
		every = 5 * time.Second
	}
	if now := time.Now(); now.Sub(r.lastProgress) >= every {
		r.lastProgress = now
		r.log.Info("export progress", "file", file, "records", n)
	}
}

func (o *Options) check() error {
	var errs []error
	id, err := gar.NormalizeIdent(o.Ident)
	if err != nil {
		errs = append(errs, fmt.Errorf("ent.id: %w", err))
	}
	o.Ident = id
	if o.Out == "" {
		errs = append(errs, errors.New("export.out: empty"))
	}
	if len(o.Degrees) == 0 {
		errs = append(errs, errors.New("export.degrees: no degree to export"))
	}
	for _, d := range o.Degrees {
		if !d.Valid() {
			errs = append(errs, fmt.Errorf("export.degrees: invalid degree %d", int(d)))
		}
	}
	o.Degrees = slices.Compact(slices.Sorted(slices.Values(o.Degrees)))
	if o.MaxRejectedShare < 0 || o.MaxRejectedShare > 1 {
		errs = append(errs, fmt.Errorf("export.max_rejected_share: must be between 0 and 1, got %g", o.MaxRejectedShare))
	}
	if o.MaxNodes < 1 {
		errs = append(errs, fmt.Errorf("export.max_nodes: must be at least 1, got %d", o.MaxNodes))
	}
	if o.GzipLevel == 0 {
		o.GzipLevel = 6
	}
	if o.GzipLevel < 1 || o.GzipLevel > 9 {
		errs = append(errs, fmt.Errorf("export.gzip_level: must be 1..9, got %d", o.GzipLevel))
	}
	if o.Keep < 1 {
		o.Keep = 1
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	if o.TempDir == "" {
		o.TempDir = o.Out
	}
	return errors.Join(errs...)
}

func set(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[gar.NormalizeCode(v)] = true
	}
	return m
}

func partialName(final string) string { return atomicfile.TempName(final) }

// isPartial reports whether name is one of our temporary files.
func isPartial(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".partial") &&
		(strings.Contains(name, "_GAR-ENT_Complet_") || strings.HasPrefix(name, "."+rejectsPrefix))
}
