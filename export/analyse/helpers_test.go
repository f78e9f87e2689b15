package analyse

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
)

const stamp = "20240101_020000"

// xfile is one entry of a test archive.
type xfile struct {
	name string
	body string
}

// docs is a small archive's content per file type, as node strings.
type docs struct {
	degree  gar.Degree
	version string
	nodes   map[gar.FileType][]string
}

func el(name string, children ...string) string {
	return "<men:" + name + ">" + strings.Join(children, "") + "</men:" + name + ">"
}

func leaf(name, v string) string { return "<men:" + name + ">" + v + "</men:" + name + ">" }

func pupil(id, uai string) string {
	return el("GAREleve", leaf("GARPersonIdentifiant", id),
		el("GARPersonProfils", leaf("GARStructureUAI", uai), leaf("GARPersonProfil", "National_elv")),
		leaf("GARPersonNom", "Nom"), leaf("GARPersonPrenom", "Prénom"), leaf("GARPersonAutresPrenoms", "Prénom"),
		leaf("GARPersonEtab", uai), leaf("GARPersonDateNaissance", "2012-05-06"))
}

func teacher(id, uai, profile string) string {
	return el("GAREnseignant", leaf("GARPersonIdentifiant", id),
		el("GARPersonProfils", leaf("GARStructureUAI", uai), leaf("GARPersonProfil", profile)),
		leaf("GARPersonNom", "Nom"), leaf("GARPersonPrenom", "Prénom"), leaf("GARPersonAutresPrenoms", "Prénom"),
		leaf("GARPersonEtab", uai))
}

func link(name string, fields ...string) string {
	names := map[string][]string{
		"GARPersonMEF":         {"GARStructureUAI", "GARPersonIdentifiant", "GARMEFCode"},
		"GAREleveEnseignement": {"GARStructureUAI", "GARPersonIdentifiant", "GARMatiereCode"},
		"GARPersonGroupe":      {"GARStructureUAI", "GARPersonIdentifiant", "GARGroupeCode"},
		"GAREnsGroupeMatiere":  {"GARStructureUAI", "GARPersonIdentifiant", "GARGroupeCode", "GARMatiereCode"},
		"GAREnsClasseMatiere":  {"GARStructureUAI", "GARPersonIdentifiant", "GARGroupeCode", "GARMatiereCode"},
		"GARPersonMEFSTAT4":    {"GARStructureUAI", "GARPersonIdentifiant", "GARMEFSTAT4Code"},
	}[name]
	var ch []string
	for i, f := range fields {
		ch = append(ch, leaf(names[i], f))
	}
	return el(name, ch...)
}

func group(code, uai, status string, divs ...string) string {
	ch := []string{leaf("GARGroupeCode", code), leaf("GARStructureUAI", uai), leaf("GARGroupeLibelle", "Libellé "+code), leaf("GARGroupeStatut", status)}
	for _, d := range divs {
		ch = append(ch, leaf("GARGroupeDivAppartenance", d))
	}
	return el("GARGroupe", ch...)
}

func respAff(id string, uais ...string) string {
	ch := []string{leaf("GARPersonIdentifiant", id), leaf("GARPersonNom", "Nom"), leaf("GARPersonPrenom", "Prénom"), leaf("GARPersonMail", "r@example.org")}
	for _, u := range uais {
		ch = append(ch, leaf("GARRespAffEtab", u))
	}
	return el("GARRespAff", ch...)
}

const uai = "0000001A"

// base2D is a small, coherent 2D archive using every kind of node.
func base2D() *docs {
	return &docs{degree: gar.D2, version: "1.7", nodes: map[gar.FileType][]string{
		gar.FileEtab: {
			el("GAREtab", leaf("GARStructureUAI", uai), leaf("GARStructureNomCourant", "Collège")),
			el("GARMEF", leaf("GARStructureUAI", uai), leaf("GARMEFCode", "MEF1"), leaf("GARMEFLibelle", "6e")),
			el("GARMatiere", leaf("GARStructureUAI", uai), leaf("GARMatiereCode", "MAT1"), leaf("GARMatiereLibelle", "Maths")),
		},
		gar.FileEleve: {
			pupil("E1", uai), pupil("E2", uai),
			link("GARPersonMEF", uai, "E1", "MEF1"),
			link("GAREleveEnseignement", uai, "E1", "MAT1"),
		},
		gar.FileEnseignant: {teacher("T1", uai, "National_ens"), link("GARPersonMEF", uai, "T1", "MEF1")},
		gar.FileGroupe: {
			group("DIV1", uai, "DIVISION"), group("GRP1", uai, "GROUPE", "DIV1"),
			link("GARPersonGroupe", uai, "E1", "DIV1"), link("GARPersonGroupe", uai, "T1", "GRP1"),
			link("GAREnsGroupeMatiere", uai, "T1", "GRP1", "MAT1"),
			link("GAREnsClasseMatiere", uai, "T1", "DIV1", "MAT1"),
		},
		gar.FileRespAff: {respAff("T1", uai)},
	}}
}

// base1D is a small, coherent 1D archive.
func base1D() *docs {
	return &docs{degree: gar.D1, version: "1.4", nodes: map[gar.FileType][]string{
		gar.FileEtab:       {el("GAREtab", leaf("GARStructureUAI", uai), leaf("GARStructureNomCourant", "École"))},
		gar.FileEleve:      {pupil("E1", uai), link("GARPersonMEFSTAT4", uai, "E1", "2111")},
		gar.FileEnseignant: {teacher("T1", uai, "National_ens"), link("GARPersonMEFSTAT4", uai, "T1", "2111")},
		gar.FileGroupe:     {group("CP-A", uai, "DIVISION"), link("GARPersonGroupe", uai, "E1", "CP-A")},
		gar.FileRespAff:    {respAff("T1", uai)},
	}}
}

// xmlName is the name of sub-file i of type t.
func (d *docs) xmlName(t gar.FileType, i int) string {
	return fmt.Sprintf("ZZ_GAR-ENT_Complet_%s_%s_%s_%04d.xml", stamp, d.degree, t, i)
}

func (d *docs) archiveName() string {
	return fmt.Sprintf("ZZ_GAR-ENT_Complet_%s_%s.tar.gz", stamp, d.degree)
}

// doc wraps nodes in the root of type t.
func (d *docs) doc(t gar.FileType, nodes ...string) string {
	return fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<men:%s xmlns:men=%q Version=%q>\n%s\n</men:%s>\n",
		t.Root(), d.degree.Namespace(), d.version, strings.Join(nodes, "\n"), t.Root())
}

// files returns one sub-file per type, in archive order.
func (d *docs) files() []xfile {
	var fs []xfile
	for _, t := range gar.FileTypes {
		fs = append(fs, xfile{d.xmlName(t, 0), d.doc(t, d.nodes[t]...)})
	}
	return fs
}

// writeArchive writes the entries as a tar.gz named name in dir, with its
// .MD5, and returns its path.
func writeArchive(t testing.TB, dir, name string, files []xfile) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(b.Bytes())
	if strings.HasSuffix(name, ".tar.gz") {
		if err := os.WriteFile(strings.TrimSuffix(p, ".tar.gz")+".MD5", []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func analyseFiles(t *testing.T, name string, files []xfile, opts Options) *Report {
	t.Helper()
	p := writeArchive(t, t.TempDir(), name, files)
	rep, err := Archive(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("Archive: %v", err)
	}
	return rep
}

func findingsOf(r *Report, control string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Control == control {
			out = append(out, f)
		}
	}
	return out
}

func dump(r *Report) string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}
