//go:build linux

// Command export is entgar's export benchmark harness (`make bench`).
//
// For each pupil count it generates a deterministic source with
// synth.Generate (both degrees, seed 1; kept in <work>/src-N and reused while
// <work>/src-N/.complete exists), runs the real binary
// `entgar export --json` on it as a child process and measures the child's
// wall time and peak RSS (getrusage ru_maxrss of the child). From the JSON
// summary it derives the XML nodes and bytes produced, hence nodes/s and
// XML MB/s (MB = 1e6 bytes; peak RSS is in the same MB).
//
// Absolute speeds depend on the machine, so every run also measures a
// baseline on the same machine in the same run: the time it takes just to
// gzip what the export wrote. The baseline is fair because it does exactly
// the compression work the export cannot avoid, and nothing else:
//
//   - its input is the export's own output: each archive is decompressed once
//     (untimed) into a plain tar, i.e. the XML bytes plus tar headers, then
//     flushed to disk and read once (untimed) so that the timed part reads
//     from a warm page cache;
//   - it compresses with the same implementation (klauspost/compress/gzip)
//     at the same level: 6, the default of export.gzip_level that the
//     export runs with here (the harness strips any inherited ENTGAR_
//     variable from the child's environment so that no configuration
//     changes it), with the same gzip modification time as the archive;
//   - it feeds the compressor the same 1 MiB writes as the export's
//     asynchronous pipe, read through a 1 MiB bufio.Reader, and writes the
//     compressed bytes through a 1 MiB bufio.Writer while computing their
//     MD5, then fsyncs the file, as the export does for each archive.
//
// The harness checks that the baseline's gzip streams are byte-identical to
// the archives (same MD5), which shows that both did the same compression.
// The baseline compresses the degrees one after the other; the export
// compresses each archive on its own goroutine while it builds XML, so with
// more than one CPU the ratio export/baseline can fall below 1. The export's
// source files are likewise flushed and read once before it runs, so that
// neither side pays for cold reads or pending write-back.
//
// The ratio export wall time / baseline time says how much the export costs
// beyond compressing its output; the RSS growth between the smallest and
// the largest pupil count says whether memory stays flat as the source
// grows. Nothing is asserted: the harness reports, it does not judge.
//
// Usage, from the module root:
//
//	go run ./bench/export [-pupils 100000,1000000] [-work bench/work] [-keep]
//
// It prints the table on standard output, progress on standard error, and
// writes the same results to <work>/results.json. The decompressed tars and
// the baseline output are removed at the end unless -keep is given; the
// generated sources, the last archives (<work>/out-N) and the export's JSON
// logs (<work>/export-N.log) are left in <work>, which is not committed.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
)

// ioBuf is the size of the baseline's read buffer, of its write buffer and
// of the writes it hands the compressor (the export's pipe buffers are
// 1 MiB too).
const ioBuf = 1 << 20

// seed is the synth seed of every generated source.
const seed = 1

// Results is the content of results.json.
type Results struct {
	GoVersion  string `json:"go_version"` // of the entgar binary measured
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu"`
	GzipLevel  int    `json:"gzip_level"`
	Rows       []Row  `json:"rows"`
	// RSSGrowth is the peak RSS of the largest pupil count divided by that
	// of the smallest; absent with a single pupil count.
	RSSGrowth      *float64 `json:"rss_growth,omitempty"`
	RSSGrowthLabel string   `json:"rss_growth_label,omitempty"`
	TotalSeconds   float64  `json:"total_seconds"` // the whole harness
}

// Row is the measurement of one pupil count.
type Row struct {
	Pupils          int     `json:"pupils"`
	Generated       bool    `json:"generated"` // false: source reused
	GenerateSeconds float64 `json:"generate_seconds,omitempty"`
	XMLNodes        int64   `json:"xml_nodes"`
	XMLBytes        int64   `json:"xml_bytes"`
	ArchiveBytes    int64   `json:"archive_bytes"`
	ExportSeconds   float64 `json:"export_seconds"` // wall time of the child
	// ExportReportedSeconds is the duration in the export's own summary.
	ExportReportedSeconds float64    `json:"export_reported_seconds"`
	NodesPerSecond        float64    `json:"nodes_per_second"`
	XMLMBPerSecond        float64    `json:"xml_mb_per_second"`
	PeakRSSBytes          int64      `json:"peak_rss_bytes"`
	PeakRSSMB             float64    `json:"peak_rss_mb"`
	BaselineSeconds       float64    `json:"baseline_seconds"`
	Ratio                 float64    `json:"ratio"` // export / baseline
	Baseline              []Baseline `json:"baseline"`
	Rejected              int        `json:"rejected"`
	LinksDropped          int        `json:"links_dropped"`
}

// Baseline is the compression of one degree's tar.
type Baseline struct {
	Degree   gar.Degree `json:"degree"`
	TarBytes int64      `json:"tar_bytes"` // uncompressed input
	Bytes    int64      `json:"bytes"`     // compressed output
	MD5      string     `json:"md5"`
	Seconds  float64    `json:"seconds"`
	// SameAsArchive says whether the output is byte-identical to the
	// archive (same MD5).
	SameAsArchive bool `json:"same_as_archive"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench/export: FAILED: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	began := time.Now()
	fs := flag.NewFlagSet("bench/export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pupilsFlag := fs.String("pupils", "100000,1000000", "comma-separated pupil counts")
	workFlag := fs.String("work", "bench/work", "working directory (sources, archives, results)")
	keep := fs.Bool("keep", false, "keep the decompressed tars and the baseline output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	counts, err := parseCounts(*pupilsFlag)
	if err != nil {
		return fmt.Errorf("-pupils: %w", err)
	}
	work, err := filepath.Abs(*workFlag)
	if err != nil {
		return fmt.Errorf("-work: %w", err)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "bench: "+format+"\n", a...)
	}

	// The export runs with the configuration defaults (see childEnv), so
	// its gzip level is the default one: 6.
	level := config.Default().Export.GzipLevel

	bin := filepath.Join(work, "entgar")
	logf("building %s", bin)
	if err := buildBinary(ctx, bin); err != nil {
		return err
	}
	res := Results{
		GoVersion:  binaryGoVersion(bin),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		CPU:        cpuModel(),
		GzipLevel:  level,
	}

	for _, n := range counts {
		row, err := measure(ctx, logf, work, bin, n, level, *keep)
		if err != nil {
			return fmt.Errorf("%d pupils: %w", n, err)
		}
		res.Rows = append(res.Rows, row)
	}

	lo := slices.MinFunc(res.Rows, func(a, b Row) int { return a.Pupils - b.Pupils })
	hi := slices.MaxFunc(res.Rows, func(a, b Row) int { return a.Pupils - b.Pupils })
	if lo.Pupils != hi.Pupils && lo.PeakRSSBytes > 0 {
		g := float64(hi.PeakRSSBytes) / float64(lo.PeakRSSBytes)
		res.RSSGrowth = &g
		res.RSSGrowthLabel = shortCount(lo.Pupils) + " -> " + shortCount(hi.Pupils)
	}
	res.TotalSeconds = time.Since(began).Seconds()

	printResults(stdout, &res)
	data, err := json.MarshalIndent(&res, "", "  ")
	if err != nil {
		return err
	}
	out := filepath.Join(work, "results.json")
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	logf("results written to %s; whole harness took %.1fs", out, res.TotalSeconds)
	return nil
}

// measure generates (or reuses) the source of n pupils, exports it and
// measures the baseline.
func measure(ctx context.Context, logf func(string, ...any), work, bin string, n, level int, keep bool) (row Row, err error) {
	row.Pupils = n
	src := filepath.Join(work, fmt.Sprintf("src-%d", n))
	outDir := filepath.Join(work, fmt.Sprintf("out-%d", n))

	if row.Generated, row.GenerateSeconds, err = ensureSource(ctx, logf, src, n); err != nil {
		return row, err
	}
	if err := warmSource(src); err != nil {
		return row, err
	}

	if err := os.RemoveAll(outDir); err != nil {
		return row, fmt.Errorf("remove previous output: %w", err)
	}
	logf("exporting %d pupils into %s", n, outDir)
	sum, wall, rss, err := runExport(ctx, bin, src, outDir, filepath.Join(work, fmt.Sprintf("export-%d.log", n)))
	if err != nil {
		return row, err
	}
	row.ExportSeconds = wall.Seconds()
	row.ExportReportedSeconds = sum.Seconds
	row.PeakRSSBytes = rss
	row.PeakRSSMB = float64(rss) / 1e6
	row.Rejected, row.LinksDropped = sum.Rejected, sum.Dropped
	for _, a := range sum.Archives {
		row.XMLBytes += a.XMLBytes
		row.ArchiveBytes += a.Bytes
		for _, f := range a.Files {
			row.XMLNodes += int64(f.Nodes)
		}
	}
	if row.ExportSeconds > 0 {
		row.NodesPerSecond = float64(row.XMLNodes) / row.ExportSeconds
		row.XMLMBPerSecond = float64(row.XMLBytes) / 1e6 / row.ExportSeconds
	}
	logf("exported %d pupils in %.2fs (peak RSS %.1f MB); measuring the baseline", n, row.ExportSeconds, row.PeakRSSMB)

	row.Baseline, err = baseline(ctx, work, n, sum.Archives, level, keep)
	if err != nil {
		return row, fmt.Errorf("baseline: %w", err)
	}
	for _, b := range row.Baseline {
		row.BaselineSeconds += b.Seconds
	}
	if row.BaselineSeconds > 0 {
		row.Ratio = row.ExportSeconds / row.BaselineSeconds
	}
	logf("baseline for %d pupils: %.2fs", n, row.BaselineSeconds)
	return row, nil
}

func parseCounts(s string) ([]int, error) {
	var counts []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive pupil count", f)
		}
		if slices.Contains(counts, n) {
			return nil, fmt.Errorf("%d given twice", n)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// buildBinary builds cmd/entgar into bin, from the root of this module.
func buildBinary(ctx context.Context, bin string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("build entgar: %w", err)
	}
	modFile, err := exec.CommandContext(ctx, goTool, "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("build entgar: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(modFile))
	if mod == "" || mod == os.DevNull {
		return errors.New("build entgar: not inside the entgar module; run from its root")
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/entgar")
	cmd.Dir = filepath.Dir(mod)
	var errBuf bytes.Buffer
	cmd.Stdout = &errBuf
	cmd.Stderr = &errBuf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build entgar: %w\n%s", err, tail(errBuf.Bytes(), 30))
	}
	return nil
}

// ensureSource generates the source of n pupils into dir unless a previous
// run completed it.
func ensureSource(ctx context.Context, logf func(string, ...any), dir string, n int) (generated bool, secs float64, err error) {
	marker := filepath.Join(dir, ".complete")
	if _, err := os.Stat(marker); err == nil {
		logf("reusing %s", dir)
		return false, 0, nil
	}
	// Whatever is there was left by an interrupted run.
	if err := os.RemoveAll(dir); err != nil {
		return false, 0, fmt.Errorf("generate: %w", err)
	}
	logf("generating %d pupils into %s", n, dir)
	start := time.Now()
	st, err := synth.Generate(ctx, dir, synth.Options{Pupils: n, Degrees: slices.Clone(gar.Degrees), Seed: seed})
	if err != nil {
		return false, 0, fmt.Errorf("generate: %w", err)
	}
	secs = time.Since(start).Seconds()
	info, err := json.Marshal(struct {
		Pupils int         `json:"pupils"`
		Seed   int64       `json:"seed"`
		Stats  synth.Stats `json:"stats"`
	}{n, seed, st})
	if err != nil {
		return false, 0, err
	}
	tmp := marker + ".tmp"
	if err := os.WriteFile(tmp, append(info, '\n'), 0o644); err != nil {
		return false, 0, fmt.Errorf("generate: %w", err)
	}
	if err := os.Rename(tmp, marker); err != nil {
		return false, 0, fmt.Errorf("generate: %w", err)
	}
	logf("generated %d pupils in %.1fs", n, secs)
	return true, secs, nil
}

// warmSource flushes the source files to disk and reads them once, so that
// the export neither waits for their write-back nor reads them cold.
func warmSource(dir string) error {
	for _, name := range source.Files {
		if err := warmFile(filepath.Join(dir, name), nil); err != nil {
			return fmt.Errorf("warm source: %w", err)
		}
	}
	return nil
}

// warmFile syncs path and reads it to the end, through parse if not nil
// (parse must consume what it needs; the rest is read after it).
func warmFile(path string, parse func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	r := bufio.NewReaderSize(f, ioBuf)
	if parse != nil {
		if err := parse(r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// childEnv is the harness's environment without any ENTGAR_ variable (so
// that the export runs with the configuration defaults), plus JSON logs.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, config.EnvPrefix) {
			env = append(env, kv)
		}
	}
	// The analysis that follows an export (analyse.after_export) has its
	// own benchmark, bench/analyse: this one measures the export alone.
	return append(env, config.EnvPrefix+"LOG_FORMAT=json", config.EnvPrefix+"ANALYSE_AFTER_EXPORT=false")
}

// runExport runs `entgar export --json` and returns its summary, wall time
// and peak RSS in bytes. Its standard error goes to logPath.
func runExport(ctx context.Context, bin, src, out, logPath string) (*export.Summary, time.Duration, int64, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, 0, 0, err
	}
	defer logFile.Close()
	var stdout bytes.Buffer
	errTail := &tailWriter{max: 16 << 10}
	cmd := exec.CommandContext(ctx, bin, "export", "--source", src, "--out", out, "--ident", "ZZ", "--json")
	cmd.Env = childEnv()
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(logFile, errTail)
	// On interruption, let entgar remove its partial archives.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second

	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("entgar export: %w; its standard error ends with:\n%s\n(full log: %s)",
			err, tail(errTail.bytes(), 20), logPath)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss <= 0 {
		return nil, 0, 0, errors.New("entgar export: the peak RSS of the child is not available")
	}
	var sum export.Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		return nil, 0, 0, fmt.Errorf("entgar export: cannot decode its JSON summary: %w; output starts with:\n%s",
			err, head(stdout.Bytes(), 2000))
	}
	if len(sum.Archives) == 0 {
		return nil, 0, 0, errors.New("entgar export: the summary lists no archive")
	}
	return &sum, wall, ru.Maxrss * 1024, nil // Maxrss is in KiB on Linux
}

// baseline decompresses each archive (untimed) and times compressing the
// tars again, one after the other, into one file.
func baseline(ctx context.Context, work string, n int, archives []export.ArchiveSummary, level int, keep bool) (bl []Baseline, err error) {
	gzPath := filepath.Join(work, fmt.Sprintf("baseline-%d.gz", n))
	var raws []string
	defer func() {
		if keep {
			return
		}
		for _, p := range append(raws, gzPath) {
			if rerr := os.Remove(p); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
				err = rerr
			}
		}
	}()

	type input struct {
		path    string
		modTime time.Time
		arch    export.ArchiveSummary
	}
	var inputs []input
	for _, a := range archives {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw := filepath.Join(work, fmt.Sprintf("raw-%d-%s.tar", n, a.Degree))
		raws = append(raws, raw)
		mod, err := decompress(a, raw)
		if err != nil {
			return nil, err
		}
		if err := warmFile(raw, func(r io.Reader) error { return checkTar(r, a.Files) }); err != nil {
			return nil, err
		}
		inputs = append(inputs, input{raw, mod, a})
	}

	out, err := os.Create(gzPath)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := compress(out, in.path, level, in.modTime)
		if err != nil {
			return nil, fmt.Errorf("compress %s: %w", in.path, err)
		}
		b.Degree = in.arch.Degree
		b.SameAsArchive = b.MD5 == in.arch.MD5 && b.Bytes == in.arch.Bytes
		bl = append(bl, b)
	}
	if err := out.Close(); err != nil {
		return nil, err
	}
	return bl, nil
}

// decompress writes the tar inside archive a to raw, checks the archive
// against the MD5 of the summary and returns the gzip modification time.
func decompress(a export.ArchiveSummary, raw string) (time.Time, error) {
	f, err := os.Open(a.Path)
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	h := md5.New()
	zr, err := gzip.NewReader(io.TeeReader(bufio.NewReaderSize(f, ioBuf), h))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", a.Path, err)
	}
	w, err := os.Create(raw)
	if err != nil {
		return time.Time{}, err
	}
	bw := bufio.NewWriterSize(w, ioBuf)
	_, err = io.Copy(bw, zr)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("decompress %s into %s: %w", a.Path, raw, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != a.MD5 {
		return time.Time{}, fmt.Errorf("%s: MD5 %s, but the summary says %s", a.Path, got, a.MD5)
	}
	return zr.ModTime, nil
}

// checkTar checks that the tar read from r holds exactly the files of the
// summary, with their sizes, in order.
func checkTar(r io.Reader, files []export.FileStat) error {
	tr := tar.NewReader(r)
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if i != len(files) {
				return fmt.Errorf("tar holds %d files, the summary lists %d", i, len(files))
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if i >= len(files) || hdr.Name != files[i].Name || hdr.Size != files[i].Bytes {
			return fmt.Errorf("tar entry %d is %s (%d bytes), which the summary does not list there", i, hdr.Name, hdr.Size)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("tar: %w", err)
		}
	}
}

// compress is the timed part of the baseline: gzip the tar at rawPath onto
// the end of out as the export writes an archive (see the package comment).
func compress(out *os.File, rawPath string, level int, modTime time.Time) (Baseline, error) {
	start := time.Now()
	in, err := os.Open(rawPath)
	if err != nil {
		return Baseline{}, err
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, ioBuf)
	sink := &md5Writer{w: bufio.NewWriterSize(out, ioBuf), h: md5.New()}
	zw, err := gzip.NewWriterLevel(sink, level)
	if err != nil {
		return Baseline{}, err
	}
	zw.ModTime = modTime
	chunk := make([]byte, ioBuf)
	var read int64
	for {
		k, rerr := io.ReadFull(br, chunk)
		if k > 0 {
			if _, err := zw.Write(chunk[:k]); err != nil {
				return Baseline{}, err
			}
			read += int64(k)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return Baseline{}, rerr
		}
	}
	if err := zw.Close(); err != nil {
		return Baseline{}, err
	}
	if err := sink.w.Flush(); err != nil {
		return Baseline{}, err
	}
	if err := out.Sync(); err != nil {
		return Baseline{}, err
	}
	return Baseline{
		TarBytes: read,
		Bytes:    sink.n,
		MD5:      hex.EncodeToString(sink.h.Sum(nil)),
		Seconds:  time.Since(start).Seconds(),
	}, nil
}

// md5Writer hashes and counts what it writes, as the export's sink does.
type md5Writer struct {
	w *bufio.Writer
	h hash.Hash
	n int64
}

func (w *md5Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

func printResults(w io.Writer, r *Results) {
	fmt.Fprintf(w, "Go %s, GOMAXPROCS %d, CPU %s\n", r.GoVersion, r.GOMAXPROCS, r.CPU)
	fmt.Fprintf(w, "gzip: klauspost/compress/gzip level %d (export.gzip_level default) for export and baseline; MB = 1e6 bytes\n", r.GzipLevel)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pupils\tXML nodes\tXML bytes\texport s\tnodes/s\tXML MB/s\tpeak RSS MB\tbaseline s\tratio\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%.0f\t%.1f\t%.1f\t%.2f\t%.2f\t\n",
			row.Pupils, row.XMLNodes, row.XMLBytes, row.ExportSeconds, row.NodesPerSecond,
			row.XMLMBPerSecond, row.PeakRSSMB, row.BaselineSeconds, row.Ratio)
	}
	tw.Flush()
	if r.RSSGrowth != nil {
		fmt.Fprintf(w, "RSS growth %s: %.2f\n", r.RSSGrowthLabel, *r.RSSGrowth)
	} else {
		fmt.Fprintln(w, "RSS growth: n/a (a single pupil count)")
	}
	same := true
	for _, row := range r.Rows {
		for _, b := range row.Baseline {
			same = same && b.SameAsArchive
		}
	}
	if same {
		fmt.Fprintln(w, "baseline output byte-identical to the archives: yes")
	} else {
		fmt.Fprintln(w, "baseline output byte-identical to the archives: NO (see results.json)")
	}
}

// shortCount writes 100000 as 100k and 1000000 as 1M.
func shortCount(n int) string {
	switch {
	case n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n%1_000 == 0:
		return strconv.Itoa(n/1_000) + "k"
	}
	return strconv.Itoa(n)
}

// binaryGoVersion is the Go version bin was built with.
func binaryGoVersion(bin string) string {
	if bi, err := buildinfo.ReadFile(bin); err == nil {
		return bi.GoVersion
	}
	return runtime.Version()
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// tailWriter keeps the last max bytes written to it, at least.
type tailWriter struct {
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailWriter) bytes() []byte { return t.buf }

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func head(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
