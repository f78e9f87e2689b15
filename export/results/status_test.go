package results_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/garsim"
	"github.com/entgar/entgar/internal/archivetest"
)

// TestCollectAfterGarsim is the report round trip: garsim's collecte
// files archives and writes reports, Collect finds and reads them.
func TestCollectAfterGarsim(t *testing.T) {
	root := t.TempDir()
	col, err := garsim.NewCollecte(garsim.CollecteOptions{Root: root, Idents: []string{"ZZ"}})
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	entrant := filepath.Join(root, gar.FolderEntrant, "ZZ")
	stamp := time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)
	build := func(d gar.Degree, ts time.Time) string {
		return archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: "ZZ", Degree: d, Time: ts})
	}
	// 1D: clean. 2D: an older one (IGNORE) and a newer one with a bad MD5.
	archivetest.Copy(t, build(gar.D1, stamp), entrant)
	archivetest.Copy(t, build(gar.D2, stamp), entrant)
	newer := build(gar.D2, stamp.Add(time.Hour))
	archivetest.Copy(t, newer, entrant)
	os.WriteFile(filepath.Join(entrant, filepath.Base(gar.MD5Name(newer))), []byte(strings.Repeat("f", 32)), 0o644)

	r := archivetest.Dir(root)
	ctx := context.Background()
	st, err := results.Collect(ctx, r, "ZZ", results.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Pending || st.Succeeded {
		t.Errorf("before the collecte: pending %v succeeded %v", st.Pending, st.Succeeded)
	}
	if _, err := col.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = results.Collect(ctx, r, "ZZ", results.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending {
		t.Error("still pending after the collecte")
	}
	if len(st.Latest) != 2 || st.Latest[0].Outcome != results.Success || st.Latest[1].Outcome != results.Failed {
		t.Fatalf("latest %+v", st.Latest)
	}
	if st.Succeeded {
		t.Error("succeeded with a 2D archive in ERREUR")
	}
	only1D, err := results.Collect(ctx, r, "ZZ", results.Options{Degrees: []gar.Degree{gar.D1}})
	if err != nil || !only1D.Succeeded || len(only1D.Latest) != 1 {
		t.Errorf("1D only: %+v %v", only1D, err)
	}
	// Following the delivery record: the older 2D archive, now in IGNORE,
	// and an archive that is nowhere.
	older := gar.ArchiveName("ZZ", stamp, gar.D2)
	rec, err := results.Collect(ctx, r, "ZZ", results.Options{Delivered: map[gar.Degree]string{gar.D2: older, gar.D1: "ZZ_GAR-ENT_Complet_20200101_000000_1D.tar.gz"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Latest[0].Outcome != results.Missing || rec.Latest[1].Name != older || rec.Latest[1].Outcome != results.Ignored || rec.Succeeded {
		t.Errorf("by record: %+v", rec.Latest)
	}
	rep := st.Latest[1].ErrorReport
	if rep == nil || rep.Elements != 1 || len(rep.Controls) != 1 || !strings.Contains(rep.Controls[0].Control, "MD5") ||
		rep.Info.NomNouvelleArchive != filepath.Base(newer) || rep.Error != "" || rep.Bytes == 0 || st.ReportBytes() != rep.Bytes {
		t.Fatalf("error report %+v", rep)
	}
	if len(st.Archives) != 3 || st.Archives[2].Outcome != results.Ignored {
		t.Errorf("archives %+v", st.Archives)
	}
	// A corrupt report is shown as such, not fatal.
	os.WriteFile(filepath.Join(root, gar.FolderErreur, "ZZ", rep.File), []byte("garbage"), 0o644)
	st, err = results.Collect(ctx, r, "ZZ", results.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e := st.Latest[1].ErrorReport; e == nil || e.Error == "" {
		t.Errorf("corrupt report summary %+v", e)
	}
}

func TestCollectMissingFolders(t *testing.T) {
	st, err := results.Collect(context.Background(), archivetest.Dir(t.TempDir()), "ZZ", results.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Latest) != 0 || st.Succeeded || st.Pending {
		t.Errorf("empty server: %+v", st)
	}
}

// countingRemote counts the files opened through it.
type countingRemote struct {
	archivetest.Dir
	opened map[string]int
}

func (c countingRemote) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	c.opened[p]++
	return c.Dir.Open(ctx, p)
}

// TestCollectReadsEachReportOnce: the latest archive is also in the
// history, and its report (possibly hundreds of megabytes) is downloaded
// once.
func TestCollectReadsEachReportOnce(t *testing.T) {
	root := t.TempDir()
	col, err := garsim.NewCollecte(garsim.CollecteOptions{Root: root, Idents: []string{"ZZ"}})
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	entrant := filepath.Join(root, gar.FolderEntrant, "ZZ")
	a := archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: "ZZ", Degree: gar.D2, Time: time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)})
	archivetest.Copy(t, a, entrant)
	os.WriteFile(filepath.Join(entrant, filepath.Base(gar.MD5Name(a))), []byte(strings.Repeat("f", 32)), 0o644)
	ctx := context.Background()
	if _, err := col.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	r := countingRemote{archivetest.Dir(root), map[string]int{}}
	st, err := results.Collect(ctx, r, "ZZ", results.Options{Degrees: []gar.Degree{gar.D2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Latest) != 1 || st.Latest[0].ErrorReport == nil || len(st.Archives) != 1 || st.Archives[0].ErrorReport == nil {
		t.Fatalf("status %+v", st)
	}
	if len(r.opened) == 0 {
		t.Fatal("no report opened")
	}
	for p, n := range r.opened {
		if n != 1 {
			t.Errorf("%s opened %d times, want 1", p, n)
		}
	}
}
