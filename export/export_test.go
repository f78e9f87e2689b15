package export

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

var stamp = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func testOptions(out string) Options {
	return Options{
		Ident: "zz", Out: out, Degrees: []gar.Degree{gar.D1, gar.D2}, MaxNodes: 10000,
		MaxRejectedShare: 1, OnlyGAREnabled: true, GzipLevel: 6, Keep: 3, Time: stamp,
	}
}

func exportDir(t *testing.T, dir string, mod func(*Options)) *Summary {
	t.Helper()
	src, err := source.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions(t.TempDir())
	if mod != nil {
		mod(&o)
	}
	sum, err := Run(context.Background(), src, o)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return sum
}

// untar extracts an archive into a new directory and returns the entry
// names in archive order.
func untar(t *testing.T, archive string) (string, []string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var names []string
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(h.Name) != h.Name || h.Typeflag != tar.TypeReg {
			t.Fatalf("entry %q is not a flat regular file", h.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, h.Name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	return dir, names
}

func TestExampleValidatesAgainstOfficialXSD(t *testing.T) {
	sum := exportDir(t, "../testdata/source/example", nil)
	if len(sum.Archives) != 2 {
		t.Fatalf("want 2 archives, got %d", len(sum.Archives))
	}
	for _, a := range sum.Archives {
		dir, names := untar(t, a.Path)
		if len(names) != 5 {
			t.Errorf("%s: want 5 files, got %v", a.Degree, names)
		}
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(dir, n))
		}
		mustValidate(t, a.Degree, paths...)
	}
}
