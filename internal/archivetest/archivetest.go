// Package archivetest builds real GAR archives for tests: generated source
// data run through the export, and rewrites of them with a mutation, so that
// the tests of the simulator and of the results reader work on what entgar
// really delivers; and Dir, a local directory standing in for GAR's SFTP
// server.
package archivetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
)

// Spec says what archive to build.
type Spec struct {
	Ident    string
	Degree   gar.Degree
	Time     time.Time // archive stamp
	Pupils   int       // 0 means 60
	MaxNodes int       // 0 means 10000
}

// Build generates source data and exports one archive of s.Degree into dir,
// with its .MD5 beside it, and returns the archive's path.
func Build(t testing.TB, dir string, s Spec) string {
	t.Helper()
	if s.Pupils == 0 {
		s.Pupils = 60
	}
	if s.MaxNodes == 0 {
		s.MaxNodes = 10000
	}
	ctx := context.Background()
	src := t.TempDir()
	if _, err := synth.Generate(ctx, src, synth.Options{Pupils: s.Pupils, Degrees: []gar.Degree{s.Degree}, Seed: 7}); err != nil {
		t.Fatalf("generate: %v", err)
	}
	d, err := source.OpenDir(src)
	if err != nil {
		t.Fatalf("open source: %v", err)
	}
	sum, err := export.Run(ctx, d, export.Options{
		Ident: s.Ident, Out: dir, Degrees: []gar.Degree{s.Degree}, MaxNodes: s.MaxNodes,
		MaxRejectedShare: 1, OnlyGAREnabled: false, GzipLevel: 1, Keep: 100, Time: s.Time,
	})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if len(sum.Archives) != 1 {
		t.Fatalf("export wrote %d archives, want 1", len(sum.Archives))
	}
	return sum.Archives[0].Path
}

// Rewrite copies the archive src to dst, passing every member through
// mutate (which returns the new name and content; an empty name drops the
// member), and writes dst's .MD5.
func Rewrite(t testing.TB, src, dst string, mutate func(name string, data []byte) (string, []byte)) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name, data := mutate(hdr.Name, data)
		if name == "" {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: hdr.ModTime}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	WriteMD5(t, dst)
}

// WriteMD5 writes the .MD5 of archive as entgar does: the lower-case hex
// checksum alone.
func WriteMD5(t testing.TB, archive string) string {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	p := gar.MD5Name(archive)
	if err := os.WriteFile(p, []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Copy copies an archive and its .MD5 into dir under their own names.
func Copy(t testing.TB, archive, dir string) {
	t.Helper()
	for _, p := range []string{archive, gar.MD5Name(archive)} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
