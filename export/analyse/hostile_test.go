package analyse

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rawArchive writes a tar.gz from headers and bodies, exactly as given.
func rawArchive(t testing.TB, entries []tar.Header, bodies [][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for i, h := range entries {
		h := h
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if bodies[i] != nil {
			if _, err := tw.Write(bodies[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

func analyseBytes(t testing.TB, data []byte, opts Options) *Report {
	t.Helper()
	p := filepath.Join(t.TempDir(), base2D().archiveName())
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Archive(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("Archive: %v", err)
	}
	return rep
}

func TestHostileArchives(t *testing.T) {
	d := base2D()
	name := d.xmlName
	zeros := make([]byte, 8<<20)
	tests := []struct {
		name    string
		data    func() []byte
		limits  Limits
		control string
		message string
	}{
		{"not gzip", func() []byte { return []byte("PK\x03\x04 a zip file") }, Limits{}, CtlArchiveRead, "not a gzip file"},
		{"truncated", func() []byte {
			b := rawArchive(t, []tar.Header{{Name: name("Eleve", 0), Size: int64(len(d.doc("Eleve"))), Mode: 0o644}}, [][]byte{[]byte(d.doc("Eleve"))})
			return b[:len(b)-12]
		}, Limits{}, CtlArchiveRead, "unexpected EOF"},
		{"declared size over the entry limit", func() []byte {
			// A header only: the reader must refuse it before reading.
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			tw := tar.NewWriter(zw)
			tw.WriteHeader(&tar.Header{Name: name("Eleve", 0), Size: 1 << 40, Mode: 0o644})
			zw.Close()
			return b.Bytes()
		}, Limits{MaxEntryBytes: 1 << 20}, CtlArchiveLimit, "declares 1099511627776 bytes, more than the limit of 1048576"},
		{"gzip bomb over the total limit", func() []byte {
			var hs []tar.Header
			var bs [][]byte
			for i := range 6 {
				hs = append(hs, tar.Header{Name: name("Eleve", i), Size: int64(len(zeros)), Mode: 0o644})
				bs = append(bs, zeros)
			}
			return rawArchive(t, hs, bs)
		}, Limits{MaxTotalBytes: 20 << 20}, CtlArchiveLimit, "the uncompressed archive is larger than the limit of 20971520 bytes"},
		{"too many entries", func() []byte {
			var hs []tar.Header
			var bs [][]byte
			for i := range 20 {
				hs = append(hs, tar.Header{Name: name("Eleve", i), Size: 0, Mode: 0o644})
				bs = append(bs, nil)
			}
			return rawArchive(t, hs, bs)
		}, Limits{MaxEntries: 10}, CtlArchiveLimit, "more than 10 entries"},
		{"symlink", func() []byte {
			return rawArchive(t, []tar.Header{{Name: name("Eleve", 0), Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}, [][]byte{nil})
		}, Limits{}, CtlArchiveEntry, "is not a regular file"},
		{"absolute path", func() []byte {
			return rawArchive(t, []tar.Header{{Name: "/tmp/" + name("Eleve", 0), Size: 1, Mode: 0o644}}, [][]byte{[]byte("x")})
		}, Limits{}, CtlArchiveEntry, "is not at the top level"},
		{"directory", func() []byte {
			return rawArchive(t, []tar.Header{{Name: "xml/", Typeflag: tar.TypeDir, Mode: 0o755}}, [][]byte{nil})
		}, Limits{}, CtlArchiveEntry, `directory "xml/"`},
		{"zeros as XML", func() []byte {
			return rawArchive(t, []tar.Header{{Name: name("Eleve", 0), Size: int64(len(zeros)), Mode: 0o644}}, [][]byte{zeros})
		}, Limits{}, "xsd.xml", "not well-formed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			rep := analyseBytes(t, data, Options{Limits: tc.limits})
			runtime.ReadMemStats(&after)
			fs := findingsOf(rep, tc.control)
			if len(fs) == 0 || !strings.Contains(fs[0].Message, tc.message) {
				t.Fatalf("want a %s finding with %q:\n%s", tc.control, tc.message, dump(rep))
			}
			if rep.Verdict != Rejected {
				t.Errorf("verdict %s", rep.Verdict)
			}
			// Memory stays bounded: the heap in use after the run does not
			// hold what was decompressed.
			if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 64<<20 {
				t.Errorf("heap grew by %d MB", grown>>20)
			}
		})
	}
}

// FuzzArchive feeds arbitrary bytes to the analyser as an archive: it must
// never panic nor fail with an environment error, and its verdict must
// follow its findings.
func FuzzArchive(f *testing.F) {
	d := base2D()
	var files []xfile
	for _, x := range d.files() {
		files = append(files, x)
	}
	var hs []tar.Header
	var bs [][]byte
	for _, x := range files {
		hs = append(hs, tar.Header{Name: x.name, Size: int64(len(x.body)), Mode: 0o644})
		bs = append(bs, []byte(x.body))
	}
	valid := rawArchive(f, hs, bs)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add(rawArchive(f, []tar.Header{{Name: "../" + d.xmlName("Eleve", 0), Size: 3, Mode: 0o644}}, [][]byte{[]byte("<a>")}))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, d.archiveName())
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(strings.TrimSuffix(p, ".tar.gz") + ".MD5")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		rep, err := Archive(ctx, p, Options{Limits: Limits{MaxEntryBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxEntries: 64}})
		if err != nil {
			t.Fatalf("environment error on archive bytes: %v", err)
		}
		worst := Clean
		for _, c := range rep.Counts {
			switch c.Severity {
			case ArchiveRejected:
				worst = Rejected
			case NodeRejected:
				worst = max(worst, Partial)
			}
		}
		if rep.Verdict != worst {
			t.Fatalf("verdict %s, findings say %s", rep.Verdict, worst)
		}
	})
}
