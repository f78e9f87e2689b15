package garsim

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/entgar/entgar/export/analyse"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/archivetest"
)

// BenchmarkCheckers times the collecte's two checkers on a 2D archive of
// 20,000 pupils against a baseline measured in the same run: reading the
// archive (gunzip and untar) and nothing else. It reports the uncompressed
// XML throughput of each and their cost as a multiple of the baseline
// (docs/performance.md).
func BenchmarkCheckers(b *testing.B) {
	archive := archivetest.Build(b, b.TempDir(), archivetest.Spec{Ident: ident, Degree: gar.D2, Time: stamp, Pupils: 20000})
	ctx := context.Background()
	var xmlBytes int64
	read := func() error {
		f, err := os.Open(archive)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		tr := tar.NewReader(zr)
		xmlBytes = 0
		for {
			_, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			n, err := io.Copy(io.Discard, tr)
			if err != nil {
				return err
			}
			xmlBytes += n
		}
	}
	analyser := AnalyseChecker(analyse.Options{})
	runs := []struct {
		name string
		run  func() error
	}{
		{"baseline", read},
		{"basic", func() error {
			an, err := CheckArchive(ctx, archive, "")
			if err == nil && (an.Rejected || len(an.Errors) > 0) {
				b.Fatalf("basic checker: %+v", an.Errors)
			}
			return err
		}},
		{"analyse", func() error {
			an, err := analyser(ctx, archive, "")
			if err == nil && (an.Rejected || len(an.Errors) > 0) {
				b.Fatalf("analyser: %+v", an.Errors)
			}
			return err
		}},
	}
	spent := make([]time.Duration, len(runs))
	b.ResetTimer()
	for range b.N {
		for i, r := range runs {
			start := time.Now()
			if err := r.run(); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
		}
	}
	b.StopTimer()
	for i, r := range runs {
		b.ReportMetric(float64(xmlBytes)*float64(b.N)/spent[i].Seconds()/1e6, r.name+"_MB/s")
		if i > 0 {
			b.ReportMetric(spent[i].Seconds()/spent[0].Seconds(), r.name+"_x_baseline")
		}
	}
}
