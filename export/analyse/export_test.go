package analyse

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/xmllint"
)

// exportSynth exports generated data and returns the archives.
func exportSynth(t *testing.T, pupils int, seed int64) *export.Summary {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := synth.Generate(ctx, dir, synth.Options{Pupils: pupils, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	src, err := source.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := export.Run(ctx, src, export.Options{
		Ident: "ZZ", Out: t.TempDir(), Degrees: []gar.Degree{gar.D1, gar.D2}, MaxNodes: 2000,
		MaxRejectedShare: 1, OnlyGAREnabled: true, GzipLevel: 1, Keep: 3,
		Time: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestExportedArchivesAreClean: what `entgar gen` + `entgar export` write
// analyses clean with the built-in grammar and, when the official XSDs are
// at hand, with them too (--xsd).
func TestExportedArchivesAreClean(t *testing.T) {
	sum := exportSynth(t, 6000, 3)
	for _, a := range sum.Archives {
		rep, err := Archive(context.Background(), a.Path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != Clean || len(rep.Counts) != 0 {
			t.Errorf("%s: %s", a.Degree, dump(rep))
		}
		if len(rep.Files) < 6 || rep.MD5 != a.MD5 {
			t.Errorf("%s: %d files (want sub-files split at 2,000 nodes), MD5 %s want %s", a.Degree, len(rep.Files), rep.MD5, a.MD5)
		}
		for ft, counts := range a.Elements {
			for kind, n := range counts {
				if rep.Elements[kind] < n {
					t.Errorf("%s %s %s: analysed %d nodes, export wrote %d", a.Degree, ft, kind, rep.Elements[kind], n)
				}
			}
		}
		schema := xmllint.Schema(t, a.Degree)
		rep, err = Archive(context.Background(), a.Path, Options{XSDDir: filepath.Dir(schema)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != Clean || rep.Grammar != filepath.Dir(schema) {
			t.Errorf("%s with --xsd: %s", a.Degree, dump(rep))
		}
	}
}

// TestOfficialGrammarFindings: with --xsd, grammar findings come from the
// official engine.
func TestOfficialGrammarFindings(t *testing.T) {
	schema := xmllint.Schema(t, gar.D2)
	d := base2D()
	d.nodes[gar.FileEleve][1] = pupil("E1", uai) // duplicate key
	rep := analyseFiles(t, d.archiveName(), d.files(), Options{XSDDir: filepath.Dir(schema)})
	fs := findingsOf(rep, CtlXSD+".official")
	if len(fs) == 0 || rep.Verdict != Rejected || rep.Count("xsd.key") != 0 {
		t.Fatalf("%s", dump(rep))
	}
	if fs[0].File != d.xmlName(gar.FileEleve, 0) || fs[0].Line == 0 {
		t.Errorf("finding %+v", fs[0])
	}
}

// TestDiffOfTwoExports: the same data exported twice has no écarts; fewer
// pupils show as Suppression.
func TestDiffOfTwoExports(t *testing.T) {
	a := exportSynth(t, 3000, 5)
	b := exportSynth(t, 3000, 5)
	for i := range a.Archives {
		rep, err := Archive(context.Background(), b.Archives[i].Path, Options{Previous: a.Archives[i].Path})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rep.Diff.Elements {
			if e.Ajout+e.Modification+e.Suppression != 0 {
				t.Errorf("%s %s: %+v", a.Archives[i].Degree, e.Element, e)
			}
		}
		if rep.Diff.Persons == 0 || rep.Diff.PersonsDeleted != 0 || rep.Verdict != Clean {
			t.Errorf("%+v %s", rep.Diff, rep.Verdict)
		}
	}
}
