package export

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/xmllint"
	"github.com/entgar/entgar/xsd"
)

// TestEscapingRoundTrips: what an XML parser reads back from the archive is
// exactly the source value, for markup characters, accents, non-BMP
// characters and whitespace controls.
func TestEscapingRoundTrips(t *testing.T) {
	names := []string{`<&"'>`, "]]>", "Éloïse-Anaïs Œdipe", "Zoé 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "tab\tin", "a&amp;b", "line\nfeed", "cr\rhere"}
	f := baseFixture()
	for i, n := range names {
		p := pupil(i, "0750001A")
		p.LastName = n
		f.pupils = append(f.pupils, p)
	}
	sum := exportDir(t, f.write(t), func(o *Options) { o.Degrees = []gar.Degree{gar.D2} })
	a := archive(t, sum, gar.D2)
	dir, _ := untar(t, a.Path)
	file := filepath.Join(dir, gar.XMLName("ZZ", stamp, gar.D2, gar.FileEleve, 0))
	mustValidate(t, gar.D2, file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Eleves []struct {
			Nom string `xml:"GARPersonNom"`
		} `xml:"GAREleve"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Eleves) != len(names) {
		t.Fatalf("%d GAREleve read back, want %d", len(doc.Eleves), len(names))
	}
	for i, e := range doc.Eleves {
		if e.Nom != names[i] {
			t.Errorf("read back %q, want %q", e.Nom, names[i])
		}
	}
}

// TestPersonInBothDegrees: a member of staff working in a school and a
// collège is in both archives under the same GARPersonIdentifiant, each
// with only the establishments of its degree.
func TestPersonInBothDegrees(t *testing.T) {
	f := baseFixture()
	f.staff = []source.Staff{{
		Identity: source.Identity{ID: "Prof-Both", LastName: "Deux", FirstName: "Degrés"},
		Mails:    []string{"p@ac.fr"},
		Schools: []source.StaffSchool{
			{UAI: "0750001A", Profiles: []gar.Profile{"National_ens"}, Groups: []string{"6A"}},
			{UAI: "0751001C", Profiles: []gar.Profile{"National_ens"}, Groups: []string{"CP"}},
		},
	}}
	sum := exportDir(t, f.write(t), nil)
	for _, d := range gar.Degrees {
		a := archive(t, sum, d)
		dir, _ := untar(t, a.Path)
		ens, _ := os.ReadFile(filepath.Join(dir, gar.XMLName("ZZ", stamp, d, gar.FileEnseignant, 0)))
		grp, _ := os.ReadFile(filepath.Join(dir, gar.XMLName("ZZ", stamp, d, gar.FileGroupe, 0)))
		own, other := "0750001A", "0751001C"
		if d == gar.D1 {
			own, other = other, own
		}
		s := string(ens) + string(grp)
		if !strings.Contains(s, ">Prof-Both<") || !strings.Contains(s, ">"+own+"<") || strings.Contains(s, ">"+other+"<") {
			t.Errorf("%s archive:\n%s", d, s)
		}
		if d == gar.D1 && strings.Contains(string(ens), "GARPersonMail") {
			t.Error("the 1D grammar has no GARPersonMail for staff")
		}
	}
}

// TestValidatorIsNotVacuous: the xmllint check used throughout these tests
// rejects a produced file once it holds a duplicated key or lacks its
// Version attribute, so a passing validation means something.
func TestValidatorIsNotVacuous(t *testing.T) {
	sum := exportDir(t, "../testdata/source/example", func(o *Options) { o.Degrees = []gar.Degree{gar.D2} })
	a := archive(t, sum, gar.D2)
	dir, _ := untar(t, a.Path)
	schema := xmllint.Schema(t, gar.D2)
	file := filepath.Join(dir, gar.XMLName("ZZ", stamp, gar.D2, gar.FileEleve, 0))
	mustValidate(t, gar.D2, file)
	data, _ := os.ReadFile(file)
	s := string(data)
	i, j := strings.Index(s, "  <men:GAREleve>"), strings.Index(s, "</men:GAREleve>\n")+len("</men:GAREleve>\n")
	mutants := map[string]string{
		"duplicate key":   s[:j] + s[i:j] + s[j:],
		"missing Version": strings.Replace(s, ` Version="1.7"`, "", 1),
		"wrong namespace": strings.Replace(s, "ns/gar\"", "ns/gar/1d\"", 1),
	}
	for name, m := range mutants {
		p := filepath.Join(dir, "mutant.xml")
		os.WriteFile(p, []byte(m), 0o644)
		if out, ok := xmllint.Validate(t, schema, p); ok {
			t.Errorf("%s: xmllint accepted it (%s)", name, out)
		}
		if res, err := xsd.For(gar.D2).Validate(context.Background(), strings.NewReader(m), xsd.Options{Type: gar.FileEleve}); err != nil || res.Valid() {
			t.Errorf("%s: the xsd package accepted it (%v)", name, err)
		}
	}
}
