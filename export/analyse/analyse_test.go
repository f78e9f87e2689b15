package analyse

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/xmllint"
)

func TestBaseArchivesAreClean(t *testing.T) {
	for _, d := range []*docs{base2D(), base1D()} {
		rep := analyseFiles(t, d.archiveName(), d.files(), Options{})
		if rep.Verdict != Clean || len(rep.Counts) != 0 {
			t.Errorf("%s: verdict %s, want clean:\n%s", d.degree, rep.Verdict, dump(rep))
		}
		if rep.Degree != d.degree || rep.Ident != "ZZ" || rep.Timestamp != stamp || rep.MD5File == "" {
			t.Errorf("%s: report header %+v", d.degree, rep)
		}
	}
}

// mutate returns the base archive's files after f changed its nodes.
func mutate(d *docs, f func(d *docs)) []xfile {
	f(d)
	return d.files()
}

func replaceNode(d *docs, t gar.FileType, i int, node string) { d.nodes[t][i] = node }

func addNodes(d *docs, t gar.FileType, nodes ...string) { d.nodes[t] = append(d.nodes[t], nodes...) }

// insertNodes inserts nodes before node i of type t.
func insertNodes(d *docs, t gar.FileType, i int, nodes ...string) {
	d.nodes[t] = append(d.nodes[t][:i:i], append(nodes, d.nodes[t][i:]...)...)
}

// TestControls runs each control on a minimal archive that breaks it and
// checks the finding, its wording and the verdict.
func TestControls(t *testing.T) {
	tests := []struct {
		name     string
		degree   gar.Degree
		archive  string // default: the base name
		files    func(d *docs) []xfile
		opts     Options
		control  string
		message  string // substring of the first finding
		element  string
		verdict  Verdict
		notFound string // a control that must not fire
	}{
		{name: "archive name", archive: "ZZ_GAR-ENT_Delta_20240101_020000_2D.tar.gz", control: CtlArchiveName,
			message: "nom d'archive non conforme", verdict: Rejected},
		{name: "file from another archive", files: func(d *docs) []xfile {
			fs := d.files()
			fs[0].name = strings.Replace(fs[0].name, stamp, "20240102_020000", 1)
			return fs
		}, control: CtlArchiveFileName, message: "stamp 20240102_020000 instead of 20240101_020000", verdict: Rejected},
		{name: "unexpected entry", files: func(d *docs) []xfile {
			return append(d.files(), xfile{"lisez-moi.txt", "x"})
		}, control: CtlArchiveEntry, message: `unexpected file "lisez-moi.txt"`, verdict: Rejected},
		{name: "path traversal", files: func(d *docs) []xfile {
			return append(d.files(), xfile{"../../etc/" + d.xmlName(gar.FileEleve, 1), "x"})
		}, control: CtlArchiveEntry, message: "is not at the top level", verdict: Rejected},
		{name: "missing type", files: func(d *docs) []xfile { return d.files()[:4] },
			control: CtlArchiveTypes, message: "aucun fichier RespAff dans l'archive", verdict: Rejected},
		{name: "numbering gap", files: func(d *docs) []xfile {
			return append(d.files(), xfile{d.xmlName(gar.FileEleve, 2), d.doc(gar.FileEleve)})
		}, control: CtlArchiveNumbering, message: "Eleve sub-files are numbered 0000, 0002", verdict: Rejected},
		{name: "too many nodes", opts: Options{MaxNodes: 1, NodeTolerance: 1}, control: CtlArchiveNodes,
			message: "4 nœuds XML dans le fichier", verdict: Rejected},
		{name: "grammar: missing element", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				replaceNode(d, gar.FileEleve, 1, strings.Replace(pupil("E2", uai), leaf("GARPersonNom", "Nom"), "", 1))
			})
		}, control: "xsd.content", message: "expected <GARPersonNom>", element: "GARPersonPrenom", verdict: Rejected},
		{name: "grammar: length", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileEleve, 1, pupil(strings.Repeat("é", 65), uai)) })
		}, control: "xsd.length", message: "65 characters, more than the 64 of GARPersonIdentifiantType", verdict: Rejected},
		{name: "grammar: date", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				replaceNode(d, gar.FileEleve, 1, strings.Replace(pupil("E2", uai), "2012-05-06", "2012-02-30", 1))
			})
		}, control: "xsd.date", message: `"2012-02-30" is not a valid xs:date`, verdict: Rejected},
		{name: "grammar: duplicate key in a file", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileEleve, 1, pupil("E1", uai)) })
		}, control: "xsd.key", message: "duplicate key GAR-ENT-Cle-Fonctionnelle-GAREleve", verdict: Rejected},
		{name: "grammar: missing Version", files: func(d *docs) []xfile {
			fs := d.files()
			fs[0].body = strings.Replace(fs[0].body, ` Version="1.7"`, "", 1)
			return fs
		}, control: "xsd.attribute", message: "attribute Version is required", verdict: Rejected},
		{name: "grammar: wrong namespace", files: func(d *docs) []xfile {
			fs := d.files()
			fs[2].body = strings.Replace(fs[2].body, gar.D2.Namespace(), gar.D1.Namespace(), 1)
			return fs
		}, control: "xsd.namespace", message: "want \"http://data.education.fr/ns/gar\"", verdict: Rejected},
		{name: "grammar: root of another type", files: func(d *docs) []xfile {
			fs := d.files()
			fs[4].body = d.doc(gar.FileEtab)
			return fs
		}, control: "xsd.root", message: "root element <GAR-ENT-Etab> in a RespAff file", verdict: Rejected},
		{name: "grammar: not well-formed", files: func(d *docs) []xfile {
			fs := d.files()
			fs[1].body = strings.Replace(fs[1].body, "</men:GAREnseignant>", "</men:GAREnseignan>", 1)
			return fs
		}, control: "xsd.xml", message: "does not match", verdict: Rejected},
		{name: "key repeated across sub-files", files: func(d *docs) []xfile {
			return append(d.files(), xfile{d.xmlName(gar.FileEleve, 1), d.doc(gar.FileEleve, pupil("E2", uai))})
		}, control: CtlKeyDuplicate, message: "<GAREleve> en double", verdict: Partial},
		{name: "unknown establishment", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				addNodes(d, gar.FileEtab, el("GARMatiere", leaf("GARStructureUAI", "0999999Z"), leaf("GARMatiereCode", "X"), leaf("GARMatiereLibelle", "X")))
			})
		}, control: CtlRefEtab, message: "Impossible de créer des <GARMatiere> pour l'établissement avec le <GARStructureUAI> 0999999Z car il n'existe aucun établissement avec cet UAI dans le GAR",
			element: "GARMatiere", verdict: Partial},
		{name: "unknown person", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { insertNodes(d, gar.FileGroupe, 4, link("GARPersonGroupe", uai, "E9", "DIV1")) })
		}, control: CtlRefPerson, message: "Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> E9 car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> 0000001A",
			verdict: Partial},
		{name: "unknown MEF", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileEleve, 2, link("GARPersonMEF", uai, "E1", "MEF9")) })
		}, control: CtlRefMEF, message: "Impossible d'ajouter le <GARMEF> de <GARMEFCode> MEF9 au <GARPersonMEF> de <GARPersonIdentifiant> E1 pour l'établissement <GARStructureUAI> 0000001A car ce <GARMEFCode> n'existe pas",
			verdict: Partial},
		{name: "unknown subject", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileEleve, 3, link("GAREleveEnseignement", uai, "E1", "MAT9")) })
		}, control: CtlRefMatiere, message: "Ci-dessous la liste des premières matières manquantes : MAT9", verdict: Partial},
		{name: "unknown group", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileGroupe, 2, link("GARPersonGroupe", uai, "E1", "DIV9")) })
		}, control: CtlRefGroupe, message: "le <GARGroupeCode> DIV9 et l'établissement <GARStructureUAI> 0000001A car il n'existe aucun groupe avec ce code", verdict: Partial},
		{name: "class subject on a group", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				replaceNode(d, gar.FileGroupe, 5, link("GAREnsClasseMatiere", uai, "T1", "GRP1", "MAT1"))
			})
		}, control: CtlGroupStatus, message: "car ce groupe n'existe pas pour l'établissement <GARStructureUAI> 0000001A et/ou n'a pas le statut DIVISION", verdict: Partial},
		{name: "group subject on a division", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				replaceNode(d, gar.FileGroupe, 4, link("GAREnsGroupeMatiere", uai, "T1", "DIV1", "MAT1"))
			})
		}, control: CtlGroupStatus, message: "et/ou n'a pas le statut GROUPE", verdict: Partial},
		{name: "unknown status", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { insertNodes(d, gar.FileGroupe, 0, group("X", uai, "CLASSE")) })
		}, control: CtlGroupStatus, message: `<GARGroupeStatut> "CLASSE" du groupe <GARGroupeCode> X`, verdict: Partial},
		{name: "parent division is a group", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { insertNodes(d, gar.FileGroupe, 0, group("GRP2", uai, "GROUPE", "GRP1")) })
		}, control: CtlGroupDivision, message: "la division d'appartenance <GARGroupeDivAppartenanceCode> GRP1 et l'établissement <GARStructureUAI> 0000001A car il n'existe aucune division d'appartenance avec ce code et un statut DIVISION", verdict: Partial},
		{name: "division with a parent division", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { d.nodes[gar.FileGroupe][0] = group("DIV1", uai, "DIVISION", "DIV1") })
		}, control: CtlGroupDivision, message: "pour le groupe (statut DIVISION)", verdict: Partial},
		{name: "pupil with a staff profile", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				replaceNode(d, gar.FileEleve, 1, strings.Replace(pupil("E2", uai), "National_elv", "National_ens", 1))
			})
		}, control: CtlProfile, message: "Impossible de créer le <GARPersonProfils> National_ens pour l'utilisateur avec le <GARPersonIdentifiant> E2 car ce profil n'est pas autorisé dans le GAR", verdict: Partial},
		{name: "unknown profile", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileEnseignant, 0, teacher("T1", uai, "National_prof")) })
		}, control: CtlProfile, message: "National_prof pour l'utilisateur avec le <GARPersonIdentifiant> T1", verdict: Partial},
		{name: "librarian in 1D", degree: gar.D1, files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileEnseignant, 0, teacher("T1", uai, "National_doc")) })
		}, control: CtlProfile, message: "National_doc n'existe qu'au second degré", verdict: Partial},
		{name: "2D element in 1D", degree: gar.D1, files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { addNodes(d, gar.FileEleve, link("GAREleveEnseignement", uai, "E1", "MAT1")) })
		}, control: "xsd.content", message: "unexpected element <GAREleveEnseignement> in <GAR-ENT-Eleve>", verdict: Rejected},
		{name: "pupil as RespAff", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { addNodes(d, gar.FileRespAff, respAff("E1", uai)) })
		}, control: CtlRespAffPupil, message: "Impossible de créer le <GARRespAffEtab> pour l'utilisateur avec le <GARPersonIdentifiant> E1 car cet accédant a déjà un profil élève pour l'établissement 0000001A", verdict: Partial},
		{name: "pupil as RespAff, RespAff file first", files: func(d *docs) []xfile {
			fs := mutate(d, func(d *docs) { addNodes(d, gar.FileRespAff, respAff("E1", uai)) })
			return append([]xfile{fs[4]}, fs[:4]...)
		}, control: CtlRespAffPupil, message: "cet accédant a déjà un profil élève", verdict: Partial},
		{name: "51 RespAff", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) {
				for i := range 50 {
					addNodes(d, gar.FileRespAff, respAff(fmt.Sprintf("R%d", i), uai))
				}
			})
		}, control: CtlRespAffLimit, message: "car le nombre maximum 50 de responsables d'affectation est atteint pour l'établissement <GARRespAffEtab> 0000001A", verdict: Partial},
		{name: "lower-case UAI", files: func(d *docs) []xfile {
			fs := d.files()
			for i := range fs {
				fs[i].body = strings.ReplaceAll(fs[i].body, uai, "0000001a")
			}
			return fs
		}, control: CtlCase, message: `<GARStructureUAI> "0000001a": GAR attend les codes en majuscules sans accents ("0000001A")`, verdict: Clean},
		{name: "group code in another case", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileGroupe, 2, link("GARPersonGroupe", uai, "E1", "div1")) })
		}, control: CtlRefGroupe, message: "car il n'existe aucun groupe avec ce code (défini dans l'archive avec une autre casse : 0000001A / DIV1 ; les clés du GAR sont sensibles à la casse)", verdict: Partial},
		{name: "person identifier in another case", files: func(d *docs) []xfile {
			return mutate(d, func(d *docs) { replaceNode(d, gar.FileGroupe, 2, link("GARPersonGroupe", uai, "e1", "DIV1")) })
		}, control: CtlRefPerson, message: "<GARPersonIdentifiant> e1 car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> 0000001A (l'archive définit l'utilisateur E1 : les identifiants sont sensibles à la casse)", verdict: Partial},
		{name: "other Version", files: func(d *docs) []xfile { d.version = "1.6"; return d.files() },
			control: CtlVersion, message: `Version="1.6"`, verdict: Clean},
		{name: "Groupe before Eleve", files: func(d *docs) []xfile {
			fs := d.files()
			return []xfile{fs[3], fs[2], fs[1], fs[0], fs[4]}
		}, verdict: Clean},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := base2D()
			if tc.degree == gar.D1 {
				d = base1D()
			}
			name := d.archiveName()
			if tc.archive != "" {
				name = tc.archive
			}
			files := d.files()
			if tc.files != nil {
				files = tc.files(d)
			}
			rep := analyseFiles(t, name, files, tc.opts)
			if rep.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s\n%s", rep.Verdict, tc.verdict, dump(rep))
			}
			if tc.control == "" {
				if len(rep.Counts) != 0 {
					t.Errorf("want no finding:\n%s", dump(rep))
				}
				return
			}
			fs := findingsOf(rep, tc.control)
			if len(fs) == 0 {
				t.Fatalf("no %s finding:\n%s", tc.control, dump(rep))
			}
			if !strings.Contains(fs[0].Message, tc.message) {
				t.Errorf("%s message:\n  %s\nwant it to contain\n  %s", tc.control, fs[0].Message, tc.message)
			}
			if !strings.Contains(tc.message, "autre casse") && strings.Contains(fs[0].Message, "autre casse") {
				t.Errorf("case hint without a case difference: %s", fs[0].Message)
			}
			if tc.element != "" && fs[0].Element != tc.element {
				t.Errorf("element %q, want %q", fs[0].Element, tc.element)
			}
			if fs[0].Severity != controlSeverity(tc.control) {
				t.Errorf("severity %s, want %s", fs[0].Severity, controlSeverity(tc.control))
			}
		})
	}
}

func TestMD5Mismatch(t *testing.T) {
	d := base2D()
	p := writeArchive(t, t.TempDir(), d.archiveName(), d.files())
	if err := os.WriteFile(strings.TrimSuffix(p, ".tar.gz")+".MD5", []byte("0123456789abcdef0123456789abcdef\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Archive(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := findingsOf(rep, CtlArchiveMD5); len(fs) != 1 || !strings.Contains(fs[0].Message, "but the archive's MD5 is "+rep.MD5) || rep.Verdict != Rejected {
		t.Errorf("findings %v, verdict %s", fs, rep.Verdict)
	}
}

func TestMD5Missing(t *testing.T) {
	d := base2D()
	p := writeArchive(t, t.TempDir(), d.archiveName(), d.files())
	os.Remove(strings.TrimSuffix(p, ".tar.gz") + ".MD5")
	rep, err := Archive(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := findingsOf(rep, CtlArchiveNoMD5); len(fs) != 1 || !strings.Contains(fs[0].Message, "ZZ_GAR-ENT_Complet_20240101_020000_2D.MD5") || rep.Verdict != Clean {
		t.Errorf("findings %v, verdict %s", fs, rep.Verdict)
	}
}

func TestFindingLocation(t *testing.T) {
	d := base2D()
	insertNodes(d, gar.FileGroupe, 4, link("GARPersonGroupe", uai, "E9", "DIV1"))
	rep := analyseFiles(t, d.archiveName(), d.files(), Options{})
	fs := findingsOf(rep, CtlRefPerson)
	if len(fs) != 1 {
		t.Fatalf("findings %v", fs)
	}
	f := fs[0]
	// The node is the 5th of the Groupe file, on line 7 (declaration, root,
	// then one node per line).
	if f.File != d.xmlName(gar.FileGroupe, 0) || f.Line != 7 || f.Column != 1 || f.Element != "GARPersonGroupe" || f.Key != uai+"/E9/DIV1" {
		t.Errorf("finding %+v", f)
	}
}

func TestExamplesAndTotals(t *testing.T) {
	d := base2D()
	for i := range 30 {
		insertNodes(d, gar.FileGroupe, 4, link("GARPersonGroupe", uai, fmt.Sprintf("X%d", i), "DIV1"))
	}
	rep := analyseFiles(t, d.archiveName(), d.files(), Options{MaxExamples: 5})
	if got := len(findingsOf(rep, CtlRefPerson)); got != 5 {
		t.Errorf("%d examples, want 5", got)
	}
	if rep.Count(CtlRefPerson) != 30 {
		t.Errorf("total %d, want 30", rep.Count(CtlRefPerson))
	}
	if !strings.Contains(dump(rep), "... and 25 more") {
		t.Errorf("text report:\n%s", dump(rep))
	}
	all := analyseFiles(t, d.archiveName(), d.files(), Options{MaxExamples: -1})
	if got := len(findingsOf(all, CtlRefPerson)); got != 30 {
		t.Errorf("MaxExamples -1 kept %d, want 30", got)
	}
}

func TestJSONReport(t *testing.T) {
	d := base2D()
	d.nodes[gar.FileEleve][2] = link("GARPersonMEF", uai, "E1", "MEF9")
	rep := analyseFiles(t, d.archiveName(), d.files(), Options{})
	b, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["verdict"] != "partial" || back["degree"] != "2D" {
		t.Errorf("JSON verdict %v degree %v", back["verdict"], back["degree"])
	}
	fs := back["findings"].([]any)
	f := fs[0].(map[string]any)
	if f["control"] != CtlRefMEF || f["severity"] != "node" || f["file"] != d.xmlName(gar.FileEleve, 0) {
		t.Errorf("JSON finding %v", f)
	}
	var r2 Report
	if err := json.Unmarshal(b, &r2); err != nil || r2.Verdict != Partial || r2.Findings[0].Severity != NodeRejected {
		t.Errorf("round trip: %v %+v", err, r2)
	}
}

func TestDiffAndMassDeletion(t *testing.T) {
	dir := t.TempDir()
	prev := base2D()
	for i := 3; i <= 10; i++ {
		prev.nodes[gar.FileEleve] = append([]string{pupil(fmt.Sprintf("E%d", i), uai)}, prev.nodes[gar.FileEleve]...)
	}
	prevName := strings.Replace(prev.archiveName(), stamp, "20231231_020000", 1)
	prevFiles := prev.files()
	for i := range prevFiles {
		prevFiles[i].name = strings.Replace(prevFiles[i].name, stamp, "20231231_020000", 1)
	}
	prevPath := writeArchive(t, dir, prevName, prevFiles)
	cur := base2D()
	cur.nodes[gar.FileEleve][1] = strings.Replace(pupil("E2", uai), "<men:GARPersonNom>Nom<", "<men:GARPersonNom>Autre<", 1)
	cur.nodes[gar.FileEtab] = append(cur.nodes[gar.FileEtab], el("GARMatiere", leaf("GARStructureUAI", uai), leaf("GARMatiereCode", "MAT2"), leaf("GARMatiereLibelle", "SVT")))
	curPath := writeArchive(t, dir, cur.archiveName(), cur.files())

	rep, err := Archive(context.Background(), curPath, Options{Previous: prevPath})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Diff
	if d == nil {
		t.Fatal("no diff")
	}
	want := map[string][3]int{"GAREleve": {0, 1, 8}, "GARMatiere": {1, 0, 0}, "GAREnseignant": {0, 0, 0}, "GARPersonProfilsEleve": {0, 0, 8}}
	for _, e := range d.Elements {
		if w, ok := want[e.Element]; ok && [3]int{e.Ajout, e.Modification, e.Suppression} != w {
			t.Errorf("%s: Ajout %d, Modification %d, Suppression %d; want %v", e.Element, e.Ajout, e.Modification, e.Suppression, w)
		}
	}
	if d.Persons != 11 || d.PersonsDeleted != 8 || !d.MassDeletion || rep.Verdict != Rejected {
		t.Errorf("diff %+v verdict %s", d, rep.Verdict)
	}
	if fs := findingsOf(rep, CtlMassDeletion); len(fs) != 1 || !strings.Contains(fs[0].Message, "8 suppressions d'individus demandées sur 11 individus existants") {
		t.Errorf("findings %v", fs)
	}
	// A guard of 80% lets the same archive through.
	rep, err = Archive(context.Background(), curPath, Options{Previous: prevPath, MaxDeletionShare: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Diff.MassDeletion || rep.Verdict != Clean {
		t.Errorf("with 0.8: %+v %s", rep.Diff, rep.Verdict)
	}
	if !strings.Contains(dump(rep), "GAREleve : Ajout 0, Modification 1, Suppression 8") {
		t.Errorf("text:\n%s", dump(rep))
	}
}

func TestEnvironmentErrors(t *testing.T) {
	if _, err := Archive(context.Background(), filepath.Join(t.TempDir(), "missing.tar.gz"), Options{}); err == nil {
		t.Error("missing archive: no error")
	}
	d := base2D()
	p := writeArchive(t, t.TempDir(), d.archiveName(), d.files())
	if _, err := Archive(context.Background(), p, Options{Previous: filepath.Join(t.TempDir(), "nope.tar.gz")}); err == nil {
		t.Error("missing previous archive: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Archive(ctx, p, Options{}); err == nil {
		t.Error("cancelled: no error")
	}
}

func TestPreviousArchive(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{
		"ZZ_GAR-ENT_Complet_20240101_020000_2D.tar.gz", "ZZ_GAR-ENT_Complet_20240102_020000_2D.tar.gz",
		"ZZ_GAR-ENT_Complet_20240102_030000_1D.tar.gz", "YY_GAR-ENT_Complet_20240102_040000_2D.tar.gz",
		"ZZ_GAR-ENT_Complet_20240103_020000_2D.tar.gz", "ZZ_GAR-ENT_Complet_20240102_050000_2D.MD5",
	} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	got, err := PreviousArchive(dir, filepath.Join(dir, "ZZ_GAR-ENT_Complet_20240103_020000_2D.tar.gz"))
	if err != nil || got != filepath.Join(dir, "ZZ_GAR-ENT_Complet_20240102_020000_2D.tar.gz") {
		t.Errorf("got %q, %v", got, err)
	}
	if got, err := PreviousArchive(dir, filepath.Join(dir, "ZZ_GAR-ENT_Complet_20240101_020000_2D.tar.gz")); err != nil || got != "" {
		t.Errorf("oldest: got %q, %v", got, err)
	}
}

// TestStreamedEntries: entries too large to be read into memory are
// validated while read, with the same findings, built-in or official
// grammar, and in the previous archive.
func TestStreamedEntries(t *testing.T) {
	d := base2D()
	d.nodes[gar.FileEleve][2] = link("GARPersonMEF", uai, "E1", "MEF9")
	d.nodes[gar.FileEleve][1] = strings.Replace(pupil("E2", uai), "2012-05-06", "2012-02-30", 1)
	p := writeArchive(t, t.TempDir(), d.archiveName(), d.files())
	buffered, err := Archive(context.Background(), p, Options{Previous: p})
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := Archive(context.Background(), p, Options{Previous: p, streamAbove: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := dump(buffered), dump(streamed); a != b {
		t.Errorf("buffered:\n%s\nstreamed:\n%s", a, b)
	}
	if streamed.Count("xsd.date") != 1 || streamed.Count(CtlRefMEF) != 1 || streamed.Diff.Persons != 3 {
		t.Errorf("%s", dump(streamed))
	}
	schema := xmllint.Schema(t, gar.D2)
	official, err := Archive(context.Background(), p, Options{XSDDir: filepath.Dir(schema), streamAbove: 1})
	if err != nil {
		t.Fatal(err)
	}
	if official.Count(CtlXSD+".official") == 0 || official.Count(CtlRefMEF) != 1 {
		t.Errorf("%s", dump(official))
	}
}

// The calcul des écarts compares archives of one ENT: a previous archive
// of another idENT is an operator's mistake, not a mass deletion.
func TestPreviousOfAnotherIdent(t *testing.T) {
	d := base2D()
	p := writeArchive(t, t.TempDir(), d.archiveName(), d.files())
	other := strings.Replace(d.archiveName(), "_GAR-ENT_", "X_GAR-ENT_", 1)
	fs := d.files()
	for i := range fs {
		fs[i].name = strings.Replace(fs[i].name, "_GAR-ENT_", "X_GAR-ENT_", 1)
	}
	prev := writeArchive(t, t.TempDir(), other, fs)
	_, err := Archive(context.Background(), p, Options{Previous: prev})
	if err == nil || !strings.Contains(err.Error(), "idENT") {
		t.Fatalf("want an idENT mismatch error, got %v", err)
	}
}
