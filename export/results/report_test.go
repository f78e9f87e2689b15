package results

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/gar"
)

func sampleReport() *Report {
	return &Report{
		Kind: KindErrors,
		Info: Info{
			DateNotification: "2026-11-23T02:10:00+01:00", ModuleExpediteur: "Collecte", FonctionDestinataire: "Exploitant ENT",
			CodeProjetENT: "ZZ", NomProjetENT: "ENT <démo> & co", Degre: "2D",
			NomNouvelleArchive: "ZZ_GAR-ENT_Complet_20261123_013000_2D.tar.gz", NomArchivePrecedente: NoPreviousArchive,
		},
		Elements: []Element{
			{Fichier: "ZZ_GAR-ENT_Complet_20261123_013000_2D_Eleve_0000.xml", Ligne: 12, Type: "Eleve", Operation: "Ajout",
				Balise: "GARPersonMEF", Controle: "Vérification que l'établissement GARStructureUAI existe", Erreur: "Impossible de créer le <GARPersonMEF>"},
			{Archive: "ZZ_GAR-ENT_Complet_20261122_013000_2D.tar.gz", Fichier: "f.xml", Ligne: 3, Type: "Groupe", Operation: "Suppression",
				Balise: "GARGroupe", Controle: "c", Erreur: "e"},
		},
	}
}

func TestReportRoundTrip(t *testing.T) {
	want := sampleReport()
	var buf bytes.Buffer
	if err := want.WriteXML(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	// And through the tar.gz GAR deposits.
	buf.Reset()
	name := ErrorReportName("ZZ", time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC), gar.D2)
	if err := WriteErrorArchive(&buf, name, want, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err = ReadErrorArchive(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("archive round trip:\n got %+v\nwant %+v", got, want)
	}
}

// TestReportGolden pins the written layout: docs/results.md shows it and
// other tools may read it.
func TestReportGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteXML(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.golden.xml")
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		os.WriteFile(golden, buf.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("written report differs from %s:\n%s", golden, buf.Bytes())
	}
}

// TestParseTolerant reads variants GAR might produce: a namespace, other
// case, a wrapper list element, unknown fields, ISO-8859-1, a missing line.
func TestParseTolerant(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<ns:rapport xmlns:ns="urn:gar:rapport">
  <ns:informationsGenerales>
    <ns:DateNotification>23/11/2026 02:10:00</ns:DateNotification>
    <ns:codeProjetENT>ZZ</ns:codeProjetENT>
    <ns:degre>1D</ns:degre>
    <ns:nouveauChamp>x</ns:nouveauChamp>
  </ns:informationsGenerales>
  <ns:listeElementsRejetes/>
  <ns:elementsRejetes>
    <ns:elementRejete><ns:fichier>a.xml</ns:fichier><ns:ligne>7</ns:ligne><ns:controle>C1</ns:controle><ns:erreur>` + "\xe9l\xe8ve" + `</ns:erreur></ns:elementRejete>
    <ns:elementRejete><ns:fichier>b.xml</ns:fichier><ns:ligne>n/a</ns:ligne><ns:controle>C1</ns:controle><ns:severite>haute</ns:severite></ns:elementRejete>
  </ns:elementsRejetes>
</ns:rapport>`
	rep, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Info.CodeProjetENT != "ZZ" || rep.Info.Degre != "1D" {
		t.Errorf("info %+v", rep.Info)
	}
	if ts, ok := rep.Info.Notified(); !ok || ts.Day() != 23 {
		t.Errorf("notified %v %v", ts, ok)
	}
	if len(rep.Elements) != 2 || rep.Elements[0].Ligne != 7 || rep.Elements[0].Erreur != "élève" || rep.Elements[1].Ligne != 0 {
		t.Errorf("elements %+v", rep.Elements)
	}
	if got := strings.Join(rep.Unknown, ","); got != "elementRejete/severite,informationsGenerales/nouveauChamp,listeElementsRejetes" {
		t.Errorf("unknown %q", got)
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":     "",
		"not xml":   "hello",
		"truncated": "<RapportErreurs><InformationsGenerales><degre>2D",
		"no object": "<RapportErreurs><autre/></RapportErreurs>",
	} {
		if _, err := Parse(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := ReadErrorArchive(strings.NewReader("not gzip")); err == nil {
		t.Error("ReadErrorArchive accepted non-gzip")
	}
}

func TestReportNames(t *testing.T) {
	ts := time.Date(2019, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		ok   bool
		kind ReportKind
		d    gar.Degree
	}{
		{ErrorReportName("A0", ts, gar.D2), true, KindErrors, gar.D2},
		{IgnoredReportName("A0", ts, gar.D1), true, KindIgnored, gar.D1},
		{"A0_GAR-ENT_Rapport_20190101_120000_2D.tar.gz", true, KindErrors, gar.D2}, // the reference's example
		{"A0_GAR-ENT_RapportErreurs_20190101_120000.tar.gz", true, KindErrors, gar.D2},
		{"A0_GAR-ENT_RapportErreurs_20190101_1200_2D.tar.gz", false, "", 0},
		{"A0_GAR-ENT_RapportErreurs_20190101_120000_3D.tar.gz", false, "", 0},
		{"A0_GAR-ENT_Complet_20190101_120000_2D.tar.gz", false, "", 0},
	} {
		rn, ok := ParseReportName(c.name)
		if ok != c.ok || ok && (rn.Kind != c.kind || rn.Degree != c.d || rn.Ident != "A0" || !rn.ArchiveTime.Equal(ts)) {
			t.Errorf("%s: %+v %v", c.name, rn, ok)
		}
	}
}

// FuzzParse: any input either parses or fails cleanly, and what parses
// survives a write and a second parse unchanged.
func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	sampleReport().WriteXML(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`<r><InformationsGenerales><degre>1D</degre></InformationsGenerales><elementsRejetes><ligne>-1</ligne></elementsRejetes></r>`))
	f.Add([]byte(`<r><elementsIgnores><e><fichier>x</fichier></e><e><x><y/></x></e></elementsIgnores></r>`))
	f.Add([]byte(`<?xml version="1.0" encoding="latin1"?><a><elementsRejetes/></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := rep.WriteXML(&out); err != nil {
			return // e.g. text with characters XML cannot hold
		}
		again, err := Parse(&out)
		if err != nil {
			t.Fatalf("rewritten report does not parse: %v\n%s", err, out.Bytes())
		}
		if len(again.Elements) != len(rep.Elements) || again.Info != rep.Info {
			t.Fatalf("second parse differs:\n%+v\n%+v", rep, again)
		}
	})
}

// FuzzReadErrorArchive: a hostile or corrupt tar.gz never panics.
func FuzzReadErrorArchive(f *testing.F) {
	var buf bytes.Buffer
	WriteErrorArchive(&buf, "ZZ_GAR-ENT_RapportErreurs_20261123_013000_2D.tar.gz", sampleReport(), time.Unix(0, 0))
	f.Add(buf.Bytes())
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadErrorArchive(bytes.NewReader(data))
	})
}

func FuzzParseReportName(f *testing.F) {
	f.Add("ZZ_GAR-ENT_RapportErreurs_20261123_013000_2D.tar.gz")
	f.Add("ZZ_GAR-ENT_RapportDonneesIgnorees_20261123_013000_1D.xml")
	f.Fuzz(func(t *testing.T, name string) {
		rn, ok := ParseReportName(name)
		if !ok {
			return
		}
		var again string
		if rn.Kind == KindErrors {
			again = ErrorReportName(rn.Ident, rn.ArchiveTime, rn.Degree)
		} else {
			again = IgnoredReportName(rn.Ident, rn.ArchiveTime, rn.Degree)
		}
		if rn2, ok := ParseReportName(again); !ok || rn2 != rn {
			t.Fatalf("%q -> %+v -> %q -> %+v", name, rn, again, rn2)
		}
	})
}

// TestParseBoundsMemory feeds objects whose subtrees would cost gigabytes
// if built whole: a list object over the element budget is refused, and an
// unknown object of any size is skipped without being built.
func TestParseBoundsMemory(t *testing.T) {
	flood := strings.Repeat("<a/>", maxObjectNodes+1)
	_, err := Parse(strings.NewReader("<RapportErreurs><elementsRejetes>" + flood + "</elementsRejetes></RapportErreurs>"))
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized list object: err %v, want the element limit", err)
	}
	_, err = Parse(strings.NewReader("<RapportErreurs><InformationsGenerales>" + strings.Repeat("<a>", maxDepth+2) + "</InformationsGenerales></RapportErreurs>"))
	if err == nil || !strings.Contains(err.Error(), "deep") {
		t.Errorf("deep object: err %v, want the depth limit", err)
	}
	rep, err := Parse(strings.NewReader("<RapportErreurs><InformationsGenerales><degre>2D</degre></InformationsGenerales><annexe>" + flood + "</annexe></RapportErreurs>"))
	if err != nil {
		t.Fatalf("large unknown object: %v", err)
	}
	if rep.Info.Degre != "2D" || !slices.Contains(rep.Unknown, "annexe") {
		t.Errorf("report %+v", rep)
	}
}
