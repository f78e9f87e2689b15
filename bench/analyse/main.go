//go:build linux

// Command analyse is the benchmark of `entgar analyse` (`make bench`).
//
// On the archives of N pupils (default 1,000,000; both degrees) it runs, as
// child processes and one after the other on the same machine in the same
// run:
//
//   - `entgar analyse --json ARCHIVE`: the whole analysis, reading the
//     tar.gz (decompression included), grammar, keys and coherence
//     controls;
//   - `xmllint --noout --stream --schema GAR-ENT-<degree>.xsd FILES...`:
//     libxml2's streaming validation of the same XML files, already
//     extracted (untimed) and read once so that they come from a warm page
//     cache. xmllint checks only the grammar: less work than the analysis.
//
// and reports the wall time, CPU time (user + system) and peak RSS
// (getrusage) of each, and the ratios xmllint / analyse of both times
// (above 1: the analyser is faster). The CPU ratio holds on a machine
// shared with other work; the wall ratio says what an operator waits.
// The 2D archive is also analysed with GOMAXPROCS=1 (the analyser validates
// sub-files on every CPU; xmllint uses one) and with --previous set to
// itself (the calcul des écarts reads both archives and merges their keys).
//
// The archives come from <work>/out-N when `go run ./bench/export` left
// them there (make bench runs it first); otherwise the source is generated
// with synth (seed 1, as bench/export does, kept in <work>/src-N) and
// exported. Nothing is asserted: the harness reports.
//
// Usage, from the module root:
//
//	go run ./bench/analyse [-pupils 1000000] [-work bench/work] [-xsd ../shared/gar/xsd] [-keep]
//
// It prints the table on standard output and writes it to
// <work>/analyse-results.json.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/entgar/entgar/export/analyse"
	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
)

// Row is one measurement.
type Row struct {
	Case     string  `json:"case"`
	Degree   string  `json:"degree"`
	Files    int     `json:"files"`
	XMLBytes int64   `json:"xml_bytes"`
	Nodes    int     `json:"nodes"`
	Seconds  float64 `json:"seconds"`
	// CPUSeconds is user + system time: less sensitive than the wall time
	// to other processes sharing the machine.
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	MBPerSec   float64 `json:"xml_mb_per_second"`
	Verdict    string  `json:"verdict,omitempty"`
	// XmllintSeconds and XmllintRSSMB are the baseline's, measured in the
	// same run on the same XML; Ratio = XmllintSeconds / Seconds.
	XmllintSeconds    float64 `json:"xmllint_seconds,omitempty"`
	XmllintCPUSeconds float64 `json:"xmllint_cpu_seconds,omitempty"`
	XmllintRSSMB      float64 `json:"xmllint_peak_rss_mb,omitempty"`
	Ratio             float64 `json:"ratio,omitempty"`
	// CPURatio = XmllintCPUSeconds / CPUSeconds.
	CPURatio float64 `json:"cpu_ratio,omitempty"`
}

// Results is the content of analyse-results.json.
type Results struct {
	Pupils     int     `json:"pupils"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	Rows       []Row   `json:"rows"`
	Seconds    float64 `json:"total_seconds"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench/analyse: FAILED: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	began := time.Now()
	fs := flag.NewFlagSet("bench/analyse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pupils := fs.Int("pupils", 1_000_000, "pupils of the archives")
	workFlag := fs.String("work", "bench/work", "working directory (sources, archives, results)")
	xsdFlag := fs.String("xsd", "../shared/gar/xsd", "directory of the official GAR-ENT-1D.xsd and GAR-ENT-2D.xsd")
	keep := fs.Bool("keep", false, "keep the extracted XML files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	work, err := filepath.Abs(*workFlag)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "bench/analyse: "+format+"\n", a...) }
	if _, err := exec.LookPath("xmllint"); err != nil {
		return errors.New("xmllint not found (make peers installs libxml2-utils)")
	}
	bin := filepath.Join(work, "entgar-analyse")
	logf("building %s", bin)
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/entgar").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %w\n%s", err, out)
	}
	archives, err := ensureArchives(ctx, logf, work, bin, *pupils)
	if err != nil {
		return err
	}
	res := Results{Pupils: *pupils, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	for _, d := range gar.Degrees {
		a := archives[d]
		schema, err := filepath.Abs(filepath.Join(*xsdFlag, "GAR-ENT-"+d.String()+".xsd"))
		if err != nil {
			return err
		}
		if _, err := os.Stat(schema); err != nil {
			return fmt.Errorf("official XSD: %w", err)
		}
		xmlDir := filepath.Join(work, fmt.Sprintf("analyse-xml-%d-%s", *pupils, d))
		logf("extracting %s into %s (untimed)", filepath.Base(a), xmlDir)
		files, size, err := extract(ctx, a, xmlDir)
		if err != nil {
			return err
		}
		warm(a)
		for _, f := range files {
			warm(f)
		}
		logf("%s: xmllint --stream --schema on %d files (%.0f MB)", d, len(files), float64(size)/1e6)
		lint, err := runXmllint(ctx, schema, files)
		if err != nil {
			return err
		}
		cases := []struct {
			name string
			env  []string
			args []string
		}{
			{"analyse", nil, []string{a}},
		}
		if d == gar.D2 {
			cases = append(cases,
				struct {
					name string
					env  []string
					args []string
				}{"analyse, GOMAXPROCS=1", []string{"GOMAXPROCS=1"}, []string{a}},
				struct {
					name string
					env  []string
					args []string
				}{"analyse --previous (itself)", nil, []string{"--previous", a, a}})
		}
		for _, c := range cases {
			logf("%s: entgar %s", d, c.name)
			rep, m, err := runAnalyse(ctx, bin, c.env, c.args)
			if err != nil {
				return err
			}
			nodes := 0
			for _, n := range rep.Elements {
				nodes += n
			}
			row := Row{Case: c.name, Degree: d.String(), Files: len(rep.Files), XMLBytes: rep.XMLBytes, Nodes: nodes,
				Seconds: m.wall, CPUSeconds: m.cpu, PeakRSSMB: m.rss, MBPerSec: float64(rep.XMLBytes) / 1e6 / m.wall, Verdict: rep.Verdict.String(),
				XmllintSeconds: lint.wall, XmllintCPUSeconds: lint.cpu, XmllintRSSMB: lint.rss, Ratio: lint.wall / m.wall, CPURatio: lint.cpu / m.cpu}
			res.Rows = append(res.Rows, row)
		}
		if !*keep {
			os.RemoveAll(xmlDir)
		}
	}
	res.Seconds = time.Since(began).Seconds()
	printResults(stdout, &res)
	data, _ := json.MarshalIndent(&res, "", "  ")
	out := filepath.Join(work, "analyse-results.json")
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	logf("results written to %s", out)
	return nil
}

// ensureArchives returns the newest archive of each degree in <work>/out-N,
// exporting them first when there are none.
func ensureArchives(ctx context.Context, logf func(string, ...any), work, bin string, n int) (map[gar.Degree]string, error) {
	outDir := filepath.Join(work, fmt.Sprintf("out-%d", n))
	found := newest(outDir)
	if len(found) == 2 {
		return found, nil
	}
	src := filepath.Join(work, fmt.Sprintf("src-%d", n))
	if _, err := os.Stat(filepath.Join(src, ".complete")); err != nil {
		logf("generating %d pupils into %s", n, src)
		os.RemoveAll(src)
		if _, err := synth.Generate(ctx, src, synth.Options{Pupils: n, Seed: 1}); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(src, ".complete"), nil, 0o644); err != nil {
			return nil, err
		}
	}
	logf("exporting %d pupils into %s", n, outDir)
	cmd := exec.CommandContext(ctx, bin, "export", "--source", src, "--out", outDir, "--ident", "ZZ")
	cmd.Env = append(childEnv(), "ENTGAR_ANALYSE_AFTER_EXPORT=false", "ENTGAR_LOG_LEVEL=warn")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("export: %w\n%s", err, out)
	}
	found = newest(outDir)
	if len(found) != 2 {
		return nil, fmt.Errorf("export wrote no archive pair in %s", outDir)
	}
	return found, nil
}

func newest(dir string) map[gar.Degree]string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names) // the stamp sorts by time
	found := map[gar.Degree]string{}
	for _, name := range names {
		if n, err := gar.ParseName(name); err == nil && n.Kind == gar.KindArchive {
			found[n.Degree] = filepath.Join(dir, name)
		}
	}
	return found
}

// childEnv is the environment without ENTGAR_ variables, so that every
// child runs with the configuration defaults.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ENTGAR_") && !strings.HasPrefix(kv, "GOMAXPROCS=") && !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") {
			env = append(env, kv)
		}
	}
	return env
}

// measure is what a child process cost.
type measure struct {
	wall, cpu, rss float64 // seconds, seconds, MB
}

func measured(cmd *exec.Cmd, wall float64) measure {
	m := measure{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rss = float64(ru.Maxrss) * 1024 / 1e6 // KiB on Linux
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	return m
}

func runAnalyse(ctx context.Context, bin string, env, args []string) (*analyse.Report, measure, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"analyse", "--json"}, args...)...)
	cmd.Env = append(childEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	secs := time.Since(start).Seconds()
	if err != nil {
		return nil, measure{}, fmt.Errorf("entgar analyse %s: %w\n%s%s", strings.Join(args, " "), err, tailOf(out.String()), errb.String())
	}
	var rep analyse.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return nil, measure{}, fmt.Errorf("analyse --json: %w", err)
	}
	return &rep, measured(cmd, secs), nil
}

func runXmllint(ctx context.Context, schema string, files []string) (measure, error) {
	cmd := exec.CommandContext(ctx, "xmllint", append([]string{"--noout", "--stream", "--schema", schema}, files...)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	secs := time.Since(start).Seconds()
	if err != nil {
		return measure{}, fmt.Errorf("xmllint: %w\n%s", err, tailOf(errb.String()))
	}
	if n := strings.Count(errb.String(), " validates"); n != len(files) {
		return measure{}, fmt.Errorf("xmllint validated %d of %d files:\n%s", n, len(files), tailOf(errb.String()))
	}
	return measured(cmd, secs), nil
}

// extract writes the XML files of an archive into dir with tar.
func extract(ctx context.Context, archive, dir string) ([]string, int64, error) {
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	if out, err := exec.CommandContext(ctx, "tar", "-xzf", archive, "-C", dir).CombinedOutput(); err != nil {
		return nil, 0, fmt.Errorf("extract %s: %w\n%s", archive, err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	var files []string
	var size int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			size += info.Size()
		}
		files = append(files, filepath.Join(dir, e.Name()))
	}
	sort.Strings(files)
	return files, size, nil
}

// warm reads a file once so that the timed runs read it from the page
// cache.
func warm(path string) {
	if f, err := os.Open(path); err == nil {
		io.Copy(io.Discard, f)
		f.Close()
	}
}

func tailOf(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

func printResults(w io.Writer, r *Results) {
	fmt.Fprintf(w, "entgar analyse vs xmllint --stream --schema, %d pupils, GOMAXPROCS %d\n\n", r.Pupils, r.GOMAXPROCS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "degree\tcase\tfiles\tXML MB\tnodes\tanalyse s\tCPU s\tpeak RSS MB\txmllint s\tCPU s\tRSS MB\txmllint/analyse\tCPU ratio\tverdict\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%d\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%s\t\n", row.Degree, row.Case, row.Files, float64(row.XMLBytes)/1e6, row.Nodes,
			row.Seconds, row.CPUSeconds, row.PeakRSSMB, row.XmllintSeconds, row.XmllintCPUSeconds, row.XmllintRSSMB, row.Ratio, row.CPURatio, row.Verdict)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nwhole harness: %.0fs\n", r.Seconds)
}
