package garsim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/archivetest"
)

const ident = "ZZ"

var stamp = time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)

// sim is a collecte over a temporary root with a clock the test moves.
type sim struct {
	t    *testing.T
	root string
	now  time.Time
	col  *Collecte
}

// newSim uses the basic checker, whose control labels the tests check;
// TestCollecteWithAnalyser covers the default one.
func newSim(t *testing.T) *sim { return newSimWith(t, CheckArchive) }

func newSimWith(t *testing.T, check Checker) *sim {
	t.Helper()
	s := &sim{t: t, root: t.TempDir(), now: time.Now()}
	col, err := NewCollecte(CollecteOptions{Root: s.root, Idents: []string{ident}, Names: map[string]string{ident: "ENT de test"}, Check: check, Now: func() time.Time { return s.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	s.col = col
	return s
}

func (s *sim) dir(folder string) string { return filepath.Join(s.root, folder, ident) }

// deposit copies an archive and its MD5 into ENTRANT.
func (s *sim) deposit(archive string) string {
	archivetest.Copy(s.t, archive, s.dir(gar.FolderEntrant))
	return filepath.Base(archive)
}

func (s *sim) pass() []Outcome {
	s.t.Helper()
	out, err := s.col.Pass(context.Background())
	if err != nil {
		s.t.Fatalf("pass: %v", err)
	}
	return out
}

// where returns the folders holding name.
func (s *sim) where(name string) []string {
	var in []string
	for _, f := range gar.IdentFolders() {
		if _, err := os.Stat(filepath.Join(s.dir(f), name)); err == nil {
			in = append(in, f)
		}
	}
	return in
}

func (s *sim) wantIn(name, folder string) {
	s.t.Helper()
	got := s.where(name)
	if len(got) != 1 || got[0] != folder {
		s.t.Errorf("%s is in %v, want %s", name, got, folder)
	}
}

func (s *sim) errorReport(a string) *results.Report {
	s.t.Helper()
	n, err := gar.ParseName(a)
	if err != nil {
		s.t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(s.dir(gar.FolderErreur), results.ErrorReportName(ident, n.Timestamp, n.Degree)))
	if err != nil {
		s.t.Fatalf("error report: %v", err)
	}
	defer f.Close()
	rep, err := results.ReadErrorArchive(f)
	if err != nil {
		s.t.Fatalf("error report: %v", err)
	}
	return rep
}

func build(t *testing.T, d gar.Degree, ts time.Time, maxNodes int) string {
	return archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: ident, Degree: d, Time: ts, MaxNodes: maxNodes})
}

// mutated rewrites a valid archive through mutate, keeping its name.
func mutated(t *testing.T, d gar.Degree, mutate func(name string, data []byte) (string, []byte)) string {
	src := build(t, d, stamp, 0)
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	archivetest.Rewrite(t, src, dst, mutate)
	return dst
}

func TestCollecteSuccessBothDegrees(t *testing.T) {
	s := newSim(t)
	a1 := s.deposit(build(t, gar.D1, stamp, 0))
	a2 := s.deposit(build(t, gar.D2, stamp, 0))
	out := s.pass()
	if len(out) != 2 {
		t.Fatalf("outcomes %+v, want 2", out)
	}
	for _, a := range []string{a1, a2} {
		s.wantIn(a, gar.FolderSucces)
		s.wantIn(gar.MD5Name(a), gar.FolderSucces)
	}
	if ents, _ := os.ReadDir(s.dir(gar.FolderErreur)); len(ents) != 0 {
		t.Errorf("ERREUR holds %d files after clean archives", len(ents))
	}
}

func TestCollecteBadMD5(t *testing.T) {
	s := newSim(t)
	a := s.deposit(build(t, gar.D2, stamp, 0))
	if err := os.WriteFile(filepath.Join(s.dir(gar.FolderEntrant), gar.MD5Name(a)), []byte("0123456789abcdef0123456789abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := s.pass()
	s.wantIn(a, gar.FolderErreur)
	s.wantIn(gar.MD5Name(a), gar.FolderErreur)
	if len(out) != 1 || out[0].Folder != gar.FolderErreur {
		t.Fatalf("outcomes %+v", out)
	}
	rep := s.errorReport(a)
	if len(rep.Elements) != 1 || rep.Elements[0].Controle != controlMD5 || !strings.Contains(rep.Elements[0].Erreur, "0123456789abcdef") {
		t.Errorf("report elements %+v", rep.Elements)
	}
	if rep.Info.NomNouvelleArchive != a || rep.Info.NomArchivePrecedente != results.NoPreviousArchive || rep.Info.Degre != "2D" || rep.Info.CodeProjetENT != ident || rep.Info.NomProjetENT != "ENT de test" {
		t.Errorf("report info %+v", rep.Info)
	}
}

func TestCollecteBadMemberName(t *testing.T) {
	s := newSim(t)
	a := s.deposit(mutated(t, gar.D2, func(name string, data []byte) (string, []byte) {
		if strings.Contains(name, "_Groupe_0000") {
			return strings.Replace(name, "_Groupe_", "_Groupes_", 1), data
		}
		return name, data
	}))
	s.pass()
	s.wantIn(a, gar.FolderErreur)
	el := s.errorReport(a).Elements
	if len(el) != 1 || el[0].Controle != controlNaming || !strings.Contains(el[0].Fichier, "_Groupes_0000") {
		t.Errorf("report elements %+v", el)
	}
}

func TestCollecteMissingType(t *testing.T) {
	s := newSim(t)
	a := s.deposit(mutated(t, gar.D1, func(name string, data []byte) (string, []byte) {
		if strings.Contains(name, "_RespAff_") {
			return "", nil
		}
		return name, data
	}))
	s.pass()
	s.wantIn(a, gar.FolderErreur)
	if el := s.errorReport(a).Elements; len(el) != 1 || el[0].Controle != controlComplete || !strings.Contains(el[0].Erreur, "RespAff") {
		t.Errorf("report elements %+v", el)
	}
}

func TestCollecteBadXML(t *testing.T) {
	s := newSim(t)
	a := s.deposit(mutated(t, gar.D2, brokenXML))
	s.pass()
	s.wantIn(a, gar.FolderErreur)
	el := s.errorReport(a).Elements
	if len(el) != 1 || el[0].Controle != controlGrammar || el[0].Type != "Enseignant" || el[0].Ligne == 0 {
		t.Errorf("report elements %+v", el)
	}
}

// unknownUAI points the first pupil at an establishment the Etab file
// lacks.
func unknownUAI(t *testing.T) func(string, []byte) (string, []byte) {
	return func(name string, data []byte) (string, []byte) {
		if strings.Contains(name, "_Eleve_0000") {
			re := regexp.MustCompile(`<men:GARPersonEtab>[^<]*</men:GARPersonEtab>`)
			loc := re.FindIndex(data)
			if loc == nil {
				t.Fatal("no GARPersonEtab in the Eleve file")
			}
			out := append([]byte{}, data[:loc[0]]...)
			out = append(out, "<men:GARPersonEtab>9999999Z</men:GARPersonEtab>"...)
			return name, append(out, data[loc[1]:]...)
		}
		return name, data
	}
}

// unknownProfileUAI points the first pupil's profile at an establishment
// the Etab file lacks (annex §9: "Vérification que l'établissement
// GARStructureUAI existe").
func unknownProfileUAI(t *testing.T) func(string, []byte) (string, []byte) {
	return func(name string, data []byte) (string, []byte) {
		if strings.Contains(name, "_Eleve_0000") {
			re := regexp.MustCompile(`(<men:GARPersonProfils>\s*<men:GARStructureUAI>)[^<]*(</men:GARStructureUAI>)`)
			loc := re.FindSubmatchIndex(data)
			if loc == nil {
				t.Fatal("no GARPersonProfils in the Eleve file")
			}
			out := append([]byte{}, data[:loc[3]]...)
			out = append(out, "9999999Z"...)
			return name, append(out, data[loc[4]:]...)
		}
		return name, data
	}
}

// brokenXML breaks the third line of the first Enseignant file.
func brokenXML(name string, data []byte) (string, []byte) {
	if strings.Contains(name, "_Enseignant_0000") {
		lines := bytes.SplitN(data, []byte("\n"), 4)
		if len(lines) == 4 {
			lines[2] = append([]byte("<men:Broken"), lines[2]...)
			return name, bytes.Join(lines, []byte("\n"))
		}
		return name, data[:len(data)/2]
	}
	return name, data
}

func TestCollecteUnknownUAIIsPartial(t *testing.T) {
	s := newSim(t)
	a := s.deposit(mutated(t, gar.D2, unknownUAI(t)))
	out := s.pass()
	s.wantIn(a, gar.FolderSuccesPartiel)
	if len(out) != 1 || out[0].Folder != gar.FolderSuccesPartiel || out[0].Errors != 1 {
		t.Fatalf("outcomes %+v", out)
	}
	el := s.errorReport(a).Elements
	if len(el) != 1 || el[0].Controle != controlUAI || el[0].Balise != "GAREleve" || el[0].Ligne < 2 || !strings.Contains(el[0].Erreur, "9999999Z") {
		t.Errorf("report elements %+v", el)
	}
}

// duplicateAcrossSubfiles gives the first pupil of Eleve_0001 the
// identifier of the first pupil of Eleve_0000, and returns the archive and
// that identifier.
func duplicateAcrossSubfiles(t *testing.T) (string, []byte) {
	src := build(t, gar.D2, stamp, 20) // Eleve split in several sub-files
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	re := regexp.MustCompile(`<men:GAREleve>\s*<men:GARPersonIdentifiant>([^<]*)</men:GARPersonIdentifiant>`)
	var firstID []byte
	archivetest.Rewrite(t, src, dst, func(name string, data []byte) (string, []byte) {
		switch {
		case strings.Contains(name, "_Eleve_0000"):
			m := re.FindSubmatch(data)
			if m == nil {
				t.Fatal("no GAREleve in Eleve_0000")
			}
			firstID = append([]byte{}, m[1]...)
		case strings.Contains(name, "_Eleve_0001"):
			m := re.FindSubmatchIndex(data)
			if m == nil || firstID == nil {
				t.Fatal("no GAREleve in Eleve_0001")
			}
			out := append([]byte{}, data[:m[2]]...)
			out = append(out, firstID...)
			return name, append(out, data[m[3]:]...)
		}
		return name, data
	})
	return dst, firstID
}

func TestCollecteDuplicateKeyAcrossSubfilesIsIgnored(t *testing.T) {
	s := newSim(t)
	dst, firstID := duplicateAcrossSubfiles(t)
	a := s.deposit(dst)
	out := s.pass()
	if len(out) != 1 || out[0].Ignored != 1 {
		t.Fatalf("outcomes %+v", out)
	}
	n, _ := gar.ParseName(a)
	f, err := os.Open(filepath.Join(s.dir(gar.FolderErreur), results.IgnoredReportName(ident, n.Timestamp, n.Degree)))
	if err != nil {
		t.Fatalf("ignored-data report: %v", err)
	}
	defer f.Close()
	rep, err := results.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != results.KindIgnored || len(rep.Elements) != 1 || !strings.Contains(rep.Elements[0].Fichier, "_Eleve_0001") ||
		rep.Elements[0].Controle != controlKeyDup || !strings.Contains(rep.Elements[0].Erreur, string(firstID)) {
		t.Errorf("ignored report %+v", rep)
	}
}

func TestCollecteDuplicateKeyInOneFileIsRejected(t *testing.T) {
	s := newSim(t)
	re := regexp.MustCompile(`<men:GAREleve>\s*<men:GARPersonIdentifiant>([^<]*)</men:GARPersonIdentifiant>`)
	a := s.deposit(mutated(t, gar.D1, func(name string, data []byte) (string, []byte) {
		if !strings.Contains(name, "_Eleve_0000") {
			return name, data
		}
		ms := re.FindAllSubmatchIndex(data, 2)
		if len(ms) < 2 {
			t.Fatal("fewer than two GAREleve")
		}
		out := append([]byte{}, data[:ms[1][2]]...)
		out = append(out, data[ms[0][2]:ms[0][3]]...)
		return name, append(out, data[ms[1][3]:]...)
	}))
	s.pass()
	s.wantIn(a, gar.FolderErreur)
	if el := s.errorReport(a).Elements; len(el) != 1 || el[0].Controle != controlGrammar || !strings.Contains(el[0].Erreur, "xs:key") {
		t.Errorf("report elements %+v", el)
	}
}

func TestCollecteOlderArchivesIgnored(t *testing.T) {
	s := newSim(t)
	older := s.deposit(build(t, gar.D2, stamp, 0))
	newer := s.deposit(build(t, gar.D2, stamp.Add(time.Hour), 0))
	other := s.deposit(build(t, gar.D1, stamp, 0)) // another degree: processed too
	out := s.pass()
	if len(out) != 3 {
		t.Fatalf("outcomes %+v", out)
	}
	s.wantIn(older, gar.FolderIgnore)
	s.wantIn(gar.MD5Name(older), gar.FolderIgnore)
	s.wantIn(newer, gar.FolderSucces)
	s.wantIn(other, gar.FolderSucces)
}

func TestCollecteWaitsForMD5ThenRejects(t *testing.T) {
	s := newSim(t)
	a := s.deposit(build(t, gar.D2, stamp, 0))
	if err := os.Remove(filepath.Join(s.dir(gar.FolderEntrant), gar.MD5Name(a))); err != nil {
		t.Fatal(err)
	}
	// An upload in progress under a temporary name is left alone too.
	tmp := "." + a + ".part"
	if err := os.WriteFile(filepath.Join(s.dir(gar.FolderEntrant), tmp), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := s.pass(); len(out) != 0 {
		t.Fatalf("outcomes %+v, want none while the MD5 may still come", out)
	}
	s.wantIn(a, gar.FolderEntrant)
	s.wantIn(tmp, gar.FolderEntrant)
	s.now = s.now.Add(gar.DepositWindow + time.Minute)
	out := s.pass()
	if len(out) != 1 || out[0].Folder != gar.FolderErreur {
		t.Fatalf("outcomes %+v", out)
	}
	s.wantIn(a, gar.FolderErreur)
	s.wantIn(tmp, gar.FolderEntrant)
	if el := s.errorReport(a).Elements; len(el) != 1 || el[0].Controle != controlMD5 {
		t.Errorf("report elements %+v", el)
	}
}

func TestCollecteMD5OutsideWindow(t *testing.T) {
	s := newSim(t)
	a := s.deposit(build(t, gar.D2, stamp, 0))
	old := time.Now().Add(-3 * time.Hour)
	if err := os.Chtimes(filepath.Join(s.dir(gar.FolderEntrant), a), old, old); err != nil {
		t.Fatal(err)
	}
	s.pass()
	s.wantIn(a, gar.FolderErreur)
	if el := s.errorReport(a).Elements; len(el) != 1 || !strings.Contains(el[0].Erreur, "d'intervalle") {
		t.Errorf("report elements %+v", el)
	}
}

func TestCollecteOrphanMD5(t *testing.T) {
	s := newSim(t)
	a := s.deposit(build(t, gar.D1, stamp, 0))
	os.Remove(filepath.Join(s.dir(gar.FolderEntrant), a))
	if out := s.pass(); len(out) != 0 {
		t.Fatalf("outcomes %+v", out)
	}
	s.now = s.now.Add(3 * time.Hour)
	s.pass()
	s.wantIn(gar.MD5Name(a), gar.FolderErreur)
}

func TestCollecteWrongIdent(t *testing.T) {
	s := newSim(t)
	a := archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: "AB", Degree: gar.D2, Time: stamp})
	name := s.deposit(a)
	s.pass()
	s.wantIn(name, gar.FolderErreur)
	if el := s.errorReport(strings.Replace(name, "AB_", ident+"_", 1)).Elements; len(el) != 1 || el[0].Controle != controlNaming {
		t.Errorf("report elements %+v", el)
	}
}

func TestCollectePreviousArchiveNamed(t *testing.T) {
	s := newSim(t)
	first := s.deposit(build(t, gar.D2, stamp, 0))
	s.pass()
	second := s.deposit(mutated(t, gar.D2, func(name string, data []byte) (string, []byte) { return name, data }))
	// mutated keeps stamp; rename it one day later.
	ts := stamp.Add(24 * time.Hour)
	later := gar.ArchiveName(ident, ts, gar.D2)
	entrant := s.dir(gar.FolderEntrant)
	if err := os.Rename(filepath.Join(entrant, second), filepath.Join(entrant, "x")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(entrant, gar.MD5Name(second)))
	// Member names must carry the archive's stamp: rewrite them.
	archivetest.Rewrite(t, filepath.Join(entrant, "x"), filepath.Join(entrant, later), func(name string, data []byte) (string, []byte) {
		return strings.Replace(name, stamp.Format(gar.TimestampLayout), ts.Format(gar.TimestampLayout), 1), data
	})
	os.Remove(filepath.Join(entrant, "x"))
	// Break the MD5 so that a report is written.
	os.WriteFile(filepath.Join(entrant, gar.MD5Name(later)), []byte(strings.Repeat("0", 32)), 0o644)
	s.pass()
	rep := s.errorReport(later)
	if rep.Info.NomArchivePrecedente != first {
		t.Errorf("nomArchivePrecedente %q, want %q", rep.Info.NomArchivePrecedente, first)
	}
}

func TestAnalyseurRemovesAfterAnalysis(t *testing.T) {
	s := newSim(t)
	a := build(t, gar.D2, stamp, 0)
	dst := filepath.Join(s.root, gar.FolderAnalyseur, filepath.Base(a))
	data, _ := os.ReadFile(a)
	os.WriteFile(dst, data, 0o644)
	tmp := filepath.Join(s.root, gar.FolderAnalyseur, ".upload.part")
	os.WriteFile(tmp, []byte("x"), 0o644)
	s.pass()
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Errorf("archive still in ANALYSEUR after the pass: %v", err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("temporary upload removed: %v", err)
	}
}

// TestCollecteWithAnalyser runs the default checker, entgar's analyser, on
// the same cases: the folders agree with the basic checker's, the reports
// carry the analyser's control codes.
func TestCollecteWithAnalyser(t *testing.T) {
	s := newSimWith(t, nil)
	clean1 := s.deposit(build(t, gar.D1, stamp, 0))
	s.pass()
	s.wantIn(clean1, gar.FolderSucces)

	s = newSimWith(t, nil)
	bad := s.deposit(mutated(t, gar.D2, brokenXML))
	s.pass()
	s.wantIn(bad, gar.FolderErreur)
	el := s.errorReport(bad).Elements
	if len(el) == 0 || !strings.HasPrefix(el[0].Controle, "xsd.") || el[0].Type != "Enseignant" || el[0].Ligne == 0 {
		t.Errorf("broken XML: %+v", el)
	}

	s = newSimWith(t, nil)
	partial := s.deposit(mutated(t, gar.D2, unknownProfileUAI(t)))
	out := s.pass()
	s.wantIn(partial, gar.FolderSuccesPartiel)
	found := false
	for _, e := range s.errorReport(partial).Elements {
		found = found || e.Controle == "ref.etab" && strings.Contains(e.Erreur, "9999999Z") && e.Ligne > 0 && e.Type == "Eleve"
	}
	if !found || len(out) != 1 || out[0].Errors == 0 {
		t.Errorf("unknown UAI: %+v %+v", out, s.errorReport(partial).Elements)
	}

	s = newSimWith(t, nil)
	dup, id := duplicateAcrossSubfiles(t)
	name := s.deposit(dup)
	out = s.pass()
	if len(out) != 1 || out[0].Ignored == 0 {
		t.Fatalf("duplicate key: %+v", out)
	}
	n, _ := gar.ParseName(name)
	f, err := os.Open(filepath.Join(s.dir(gar.FolderErreur), results.IgnoredReportName(ident, n.Timestamp, n.Degree)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := results.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Elements[0].Controle != "key.duplicate" || !strings.Contains(rep.Elements[0].Erreur+rep.Elements[0].Fichier, "_Eleve_") {
		t.Errorf("ignored report %+v (key %s)", rep.Elements, id)
	}
}

// TestCollecteMassDeletion: with the analyser, the archive after an
// integrated one is compared with it; losing most of its persons rejects it
// (§5.4, "contrôle de suppression massive d'individus").
func TestCollecteMassDeletion(t *testing.T) {
	s := newSimWith(t, nil)
	big := s.deposit(archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: ident, Degree: gar.D2, Time: stamp, Pupils: 400}))
	s.pass()
	s.wantIn(big, gar.FolderSucces)
	small := s.deposit(archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: ident, Degree: gar.D2, Time: stamp.Add(24 * time.Hour), Pupils: 100}))
	out := s.pass()
	s.wantIn(small, gar.FolderErreur)
	rep := s.errorReport(small)
	if len(out) != 1 || rep.Info.NomArchivePrecedente != big || len(rep.Elements) == 0 || rep.Elements[0].Controle != "diff.mass_deletion" {
		t.Errorf("outcomes %+v, report %+v", out, rep)
	}
}
