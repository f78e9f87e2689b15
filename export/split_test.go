package export

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// fixture is a source built in a test.
type fixture struct {
	etabs    []source.Establishment
	mefs     []source.MEF
	subjects []source.Subject
	groups   []source.Group
	pupils   []source.Pupil
	staff    []source.Staff
	respaff  []source.RespAff
}

func baseFixture() *fixture {
	return &fixture{
		etabs: []source.Establishment{
			{UAI: "0750001A", Degree: gar.D2, Name: "Collège Test", GAREnabled: true},
			{UAI: "0751001C", Degree: gar.D1, Name: "École Test", GAREnabled: true},
		},
		mefs:     []source.MEF{{UAI: "0750001A", Code: "10010012110", Label: "6EME"}},
		subjects: []source.Subject{{UAI: "0750001A", Code: "030201", Label: "ANGLAIS"}},
		groups: []source.Group{
			{UAI: "0750001A", Code: "6A", Label: "6A", Status: "DIVISION"},
			{UAI: "0751001C", Code: "CP", Label: "CP", Status: "DIVISION"},
		},
	}
}

func (f *fixture) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	put := func(name string, n int, get func(i int) any) {
		var b strings.Builder
		for i := range n {
			line, err := json.Marshal(get(i))
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put(source.FileEstablishments, len(f.etabs), func(i int) any { return f.etabs[i] })
	put(source.FileMEFs, len(f.mefs), func(i int) any { return f.mefs[i] })
	put(source.FileSubjects, len(f.subjects), func(i int) any { return f.subjects[i] })
	put(source.FileGroups, len(f.groups), func(i int) any { return f.groups[i] })
	put(source.FilePupils, len(f.pupils), func(i int) any { return f.pupils[i] })
	put(source.FileStaff, len(f.staff), func(i int) any { return f.staff[i] })
	put(source.FileRespAff, len(f.respaff), func(i int) any { return f.respaff[i] })
	return dir
}

func pupil(i int, uai string) source.Pupil {
	return source.Pupil{
		Identity: source.Identity{ID: fmt.Sprintf("E%07d", i), LastName: "Nom", FirstName: "Prénom"},
		Schools:  []source.PupilSchool{{UAI: uai}},
	}
}

func files(a ArchiveSummary, t gar.FileType) []FileStat {
	var out []FileStat
	for _, f := range a.Files {
		n, _ := gar.ParseName(f.Name)
		if n.Type == t {
			out = append(out, f)
		}
	}
	return out
}

func archive(t *testing.T, s *Summary, d gar.Degree) ArchiveSummary {
	t.Helper()
	for _, a := range s.Archives {
		if a.Degree == d {
			return a
		}
	}
	t.Fatalf("no %s archive", d)
	return ArchiveSummary{}
}

// TestSplitBoundary checks the roll-over rule at 9,999, 10,000 and 10,001
// nodes with GAR's default limit, and that every sub-file is valid.
func TestSplitBoundary(t *testing.T) {
	for _, n := range []int{9999, 10000, 10001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := baseFixture()
			for i := range n {
				f.pupils = append(f.pupils, pupil(i, "0750001A"))
			}
			sum := exportDir(t, f.write(t), func(o *Options) { o.Degrees = []gar.Degree{gar.D2} })
			a := archive(t, sum, gar.D2)
			got := files(a, gar.FileEleve)
			want := []int{n}
			if n > 10000 {
				want = []int{10000, n - 10000}
			}
			if len(got) != len(want) {
				t.Fatalf("%d pupils: %d Eleve sub-files, want %d", n, len(got), len(want))
			}
			for i, fs := range got {
				if fs.Nodes != want[i] {
					t.Errorf("sub-file %d has %d nodes, want %d", i, fs.Nodes, want[i])
				}
				if wantName := gar.XMLName("ZZ", stamp, gar.D2, gar.FileEleve, i); fs.Name != wantName {
					t.Errorf("sub-file %d is %s, want %s", i, fs.Name, wantName)
				}
			}
			dir, _ := untar(t, a.Path)
			mustValidate(t, gar.D2, filepath.Join(dir, got[len(got)-1].Name))
		})
	}
}

// TestSplitAcrossSections uses a small limit so that sub-files cut through
// a pupil's nodes and through section boundaries: every sub-file must stay a
// valid document with its sections in grammar order, and no node may be
// lost or repeated.
func TestSplitAcrossSections(t *testing.T) {
	f := baseFixture()
	f.subjects = append(f.subjects, source.Subject{UAI: "0750001A", Code: "061300", Label: "MATHS"})
	for i := range 7 {
		p := pupil(i, "0750001A")
		p.Schools[0].MEFs = []string{"10010012110"}
		p.Schools[0].Subjects = []string{"030201", "061300"}
		p.Schools[0].Groups = []string{"6A"}
		f.pupils = append(f.pupils, p)
	}
	sum := exportDir(t, f.write(t), func(o *Options) { o.MaxNodes = 4; o.Degrees = []gar.Degree{gar.D2} })
	a := archive(t, sum, gar.D2)
	eleve := files(a, gar.FileEleve)
	total := 0
	for i, fs := range eleve {
		total += fs.Nodes
		if fs.Nodes > 4 || (i < len(eleve)-1 && fs.Nodes != 4) {
			t.Errorf("%s: %d nodes", fs.Name, fs.Nodes)
		}
	}
	if want := 7 * 4; total != want || a.Elements[gar.FileEleve]["GAREleve"] != 7 || a.Elements[gar.FileEleve]["GARPersonMEF"] != 7 || a.Elements[gar.FileEleve]["GAREleveEnseignement"] != 14 {
		t.Errorf("nodes: total %d (want %d), elements %v", total, want, a.Elements)
	}
	dir, names := untar(t, a.Path)
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	mustValidate(t, gar.D2, paths...)
	// Sub-file 1 holds the last GAREleve nodes and the first GARPersonMEF:
	// the order inside it must follow the grammar.
	data, err := os.ReadFile(filepath.Join(dir, eleve[1].Name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if i, j := strings.LastIndex(s, "<men:GAREleve>"), strings.Index(s, "<men:GARPersonMEF>"); i < 0 || j < 0 || i > j {
		t.Errorf("sub-file 1 does not hold GAREleve then GARPersonMEF:\n%s", s)
	}
}

// TestEmptySourceHasAllFiveTypes: an ENT with no user still sends five
// valid files per archive (an empty RespAff file is meaningful to GAR).
func TestEmptySourceHasAllFiveTypes(t *testing.T) {
	f := &fixture{}
	sum := exportDir(t, f.write(t), nil)
	for _, a := range sum.Archives {
		dir, names := untar(t, a.Path)
		if len(names) != 5 {
			t.Fatalf("%s: %v", a.Degree, names)
		}
		for _, ft := range gar.FileTypes {
			if want := gar.XMLName("ZZ", stamp, a.Degree, ft, 0); !contains(names, want) {
				t.Errorf("%s missing from %v", want, names)
			}
		}
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(dir, n))
		}
		mustValidate(t, a.Degree, paths...)
	}
}

// TestArchiveAgreesWithTools checks the MD5 file against md5sum and the
// archive listing against tar, the tools an operator would use.
func TestArchiveAgreesWithTools(t *testing.T) {
	sum := exportDir(t, "../testdata/source/example", nil)
	for _, a := range sum.Archives {
		out, err := exec.Command("md5sum", a.Path).Output()
		if err != nil {
			t.Fatal(err)
		}
		md5file, err := os.ReadFile(a.MD5Path)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Fields(string(out))[0]; got != string(md5file) || got != a.MD5 {
			t.Errorf("md5sum says %s, .MD5 file says %q, summary %s", got, md5file, a.MD5)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).Match(md5file) {
			t.Errorf(".MD5 content %q is not 32 hex digits", md5file)
		}
		list, err := exec.Command("tar", "tzf", a.Path).Output()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range a.Files {
			want = append(want, f.Name)
		}
		if got := strings.Fields(string(list)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("tar tzf lists %v, summary %v", got, want)
		}
	}
}
