package export

import (
	"context"
	"testing"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
)

// BenchmarkExport exports 100,000 generated pupils of both degrees. `make
// bench` runs the full-size comparison with a compression-only baseline.
func BenchmarkExport(b *testing.B) {
	dir := b.TempDir()
	if _, err := synth.Generate(context.Background(), dir, synth.Options{Pupils: 100000, Degrees: gar.Degrees, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	src, err := source.OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		o := testOptions(b.TempDir())
		sum, err := Run(context.Background(), src, o)
		if err != nil {
			b.Fatal(err)
		}
		var xml int64
		for _, a := range sum.Archives {
			xml += a.XMLBytes
		}
		b.SetBytes(xml)
	}
}
