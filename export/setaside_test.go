package export

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/entgar/entgar/gar"
)

func TestSetAside(t *testing.T) {
	dir := t.TempDir()
	stamp := func(s int) time.Time { return time.Date(2026, 11, 23, 2, 0, s, 0, time.UTC) }
	put := func(d gar.Degree, s int) string {
		name := gar.ArchiveName("ZZ", stamp(s), d)
		os.WriteFile(filepath.Join(dir, name), []byte("archive"), 0o644)
		os.WriteFile(filepath.Join(dir, gar.MD5Name(name)), []byte("md5"), 0o644)
		return filepath.Join(dir, name)
	}
	first2D, first1D := put(gar.D2, 1), put(gar.D1, 1)
	for _, a := range []string{first2D, first1D} {
		if _, err := SetAside(dir, a); err != nil {
			t.Fatal(err)
		}
	}
	second := put(gar.D2, 2)
	moved, err := SetAside(dir, second)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, RefusedDir, filepath.Base(second)); moved != want {
		t.Errorf("moved to %s, want %s", moved, want)
	}
	names := func(d string) (out []string) {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	if left := names(dir); !slices.Equal(left, []string{RefusedDir}) {
		t.Errorf("out directory still holds %v", left)
	}
	// The second refused 2D replaced the first; the 1D stays.
	want := []string{filepath.Base(first1D), gar.MD5Name(filepath.Base(first1D)), filepath.Base(second), gar.MD5Name(filepath.Base(second))}
	slices.Sort(want)
	if got := names(filepath.Join(dir, RefusedDir)); !slices.Equal(got, want) {
		t.Errorf("refused/ holds %v, want %v", got, want)
	}
	if _, err := SetAside(dir, filepath.Join(dir, "notes.txt")); err == nil {
		t.Error("a file that is not an archive was set aside")
	}
	if _, err := SetAside(dir, filepath.Join(dir, gar.ArchiveName("ZZ", stamp(4), gar.D1))); err == nil {
		t.Error("no error for a missing archive")
	}
}
