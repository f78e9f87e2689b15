package ido

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/archivetest"
)

const mapping = "\xef\xbb\xbf# people from AB and CD\r\n" +
	"GarPersonIdentifiant source;code ENT source;nouveau GarPersonIdentifiant\r\n" +
	"ent-1;AB;zz-100\r\n" +
	"\r\n" +
	"Ent.2@x;ab;zz-101\n" +
	"élève-3;CD-1;zz-102\n"

func TestGoldenCSV(t *testing.T) {
	ms, err := ParseMapping(strings.NewReader(mapping), "zz")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, "ZZ", ms); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "transfer.golden.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("CSV:\n%q\nwant\n%q", b.Bytes(), want)
	}
	if bytes.HasPrefix(b.Bytes(), []byte("\xef\xbb\xbf")) || bytes.Count(b.Bytes(), []byte("\r\n")) != 3 || bytes.Count(b.Bytes(), []byte("\n")) != 3 {
		t.Error("not CRLF without BOM")
	}
	if ms[1].Line != 5 || ms[1].SourceENT != "AB" {
		t.Errorf("mapping %+v", ms[1])
	}
}

func TestParseMappingErrors(t *testing.T) {
	in := strings.Join([]string{
		"a;AB;x",                          // 1 ok
		"b;AB",                            // 2 fields
		" c;AB;y",                         // 3 spaces
		"d;A B;z",                         // 4 bad ENT code
		"e;ZZ;w",                          // 5 our own code
		"a;AB;v",                          // 6 duplicate source
		"f;AB;x",                          // 7 duplicate target
		strings.Repeat("g", 65) + ";AB;u", // 8 too long
		"h;AB;\x01",                       // 9 control character
		"i;AB;;",                          // 10 four fields
		"\xff;AB;t",                       // 11 not UTF-8
	}, "\n")
	_, err := ParseMapping(strings.NewReader(in), "ZZ")
	if err == nil {
		t.Fatal("no error")
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *LineError
		if !errors.As(e, &le) {
			t.Fatalf("not a LineError: %v", e)
		}
		lines = append(lines, le.Line)
	}
	if got := fmt.Sprint(lines); got != "[2 3 4 5 6 7 8 9 10 11]" {
		t.Errorf("error lines %s:\n%v", got, err)
	}
	for _, want := range []string{"line 6: person a of AB is already mapped on line 1", "line 7: nouveau GarPersonIdentifiant x is already the target of line 1", "line 5: code ENT source ZZ is our own idENT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if _, err := ParseMapping(strings.NewReader("# nothing\n"), "ZZ"); err == nil {
		t.Error("empty mapping accepted")
	}
}

func TestDeliver(t *testing.T) {
	root := t.TempDir()
	d := archivetest.Dir(root)
	for _, f := range gar.IdentFolders() {
		os.MkdirAll(filepath.Join(root, f, "ZZ"), 0o755)
	}
	ms, _ := ParseMapping(strings.NewReader("a;AB;x\n"), "ZZ")
	if _, err := Deliver(context.Background(), d, d, "ZZ", ms); !errors.Is(err, ErrNoIntegratedArchive) {
		t.Fatalf("without an integrated archive: %v", err)
	}
	t1 := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	t3 := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	touch := func(folder, name string) { os.WriteFile(filepath.Join(root, folder, "ZZ", name), nil, 0o644) }
	touch(gar.FolderSucces, gar.ArchiveName("ZZ", t1, gar.D2))
	touch(gar.FolderSuccesPartiel, gar.ArchiveName("ZZ", t2, gar.D1))
	touch(gar.FolderErreur, gar.ArchiveName("ZZ", t3, gar.D2))  // not integrated
	touch(gar.FolderEntrant, gar.ArchiveName("ZZ", t3, gar.D1)) // not yet
	touch(gar.FolderSucces, gar.ArchiveName("AB", t3, gar.D1))  // not ours
	tr, err := Deliver(context.Background(), d, d, "ZZ", ms)
	if err != nil {
		t.Fatal(err)
	}
	if tr.File != "ZZ_GAR-ENT_Transfert_20261122_010000.csv" || tr.Archive != gar.ArchiveName("ZZ", t2, gar.D1) {
		t.Errorf("transfer %+v", tr)
	}
	got, err := os.ReadFile(filepath.Join(root, gar.FolderMigrationIDO, "ZZ", tr.File))
	if err != nil || string(got) != "a;AB;x;ZZ\r\n" {
		t.Errorf("deposited %q, %v", got, err)
	}
}

func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(mapping))
	f.Add([]byte("a;AB;x\r\nb;AB;x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := ParseMapping(bytes.NewReader(data), "ZZ")
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteCSV(&b, "ZZ", ms); err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(b.Bytes(), []byte("\r\n")); got != len(ms) || bytes.Count(b.Bytes(), []byte("\n")) != len(ms) {
			t.Fatalf("%d mappings gave %d CRLF lines:\n%q", len(ms), got, b.Bytes())
		}
		for _, m := range ms {
			if strings.ContainsAny(m.SourceID+m.SourceENT+m.TargetID, ";\r\n") {
				t.Fatalf("field holds a separator: %+v", m)
			}
		}
	})
}
