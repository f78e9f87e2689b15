package export

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// wantProblem finds a problem at file:line whose reason contains reason.
func wantProblem(t *testing.T, s *Summary, file string, line int, rejected bool, reason string) {
	t.Helper()
	for _, p := range s.Problems {
		if p.File == file && p.Line == line && p.Rejected == rejected && strings.Contains(p.Reason, reason) {
			return
		}
	}
	t.Errorf("no problem %s:%d (rejected=%v) %q in:\n%v", file, line, rejected, reason, s.Problems)
}

func TestBadRecords(t *testing.T) {
	f := baseFixture()
	f.etabs = append(f.etabs,
		source.Establishment{UAI: "0750003C", Name: "no degree", GAREnabled: true},
		source.Establishment{UAI: "0750001a", Degree: gar.D2, Name: "duplicate", GAREnabled: true},
	)
	f.mefs = append(f.mefs, source.MEF{UAI: "0751001C", Code: "x", Label: "x"})
	f.subjects = append(f.subjects, source.Subject{UAI: "0750001A", Code: "030201", Label: "again"})
	good := pupil(1, "0750001A")
	good.Schools[0].MEFs = []string{"10010012110", "UNKNOWNMEF"}
	good.Schools[0].Groups = []string{"6a", "NOGROUP"}
	long := pupil(2, "0750001A")
	long.LastName = strings.Repeat("é", 501)
	ctrl := pupil(3, "0750001A")
	ctrl.FirstName = "a\x01b"
	unknown := pupil(4, "0799999X")
	both := pupil(5, "0750001A")
	both.Schools = append(both.Schools, source.PupilSchool{UAI: "0751001C"})
	spaces := pupil(6, "0750001A")
	spaces.ID = " E6"
	badDate := pupil(7, "0750001A")
	badDate.BirthDate = "2014-02-30"
	dup := pupil(1, "0750001A")
	f.pupils = []source.Pupil{good, long, ctrl, unknown, both, spaces, badDate, dup}
	f.staff = []source.Staff{{
		Identity: source.Identity{ID: "P1", LastName: "Prof", FirstName: "Un"},
		Schools: []source.StaffSchool{
			{UAI: "0750001A", Profiles: []gar.Profile{"National_ens", "National_elv", "Chef"}},
			{UAI: "0751001C", Profiles: []gar.Profile{"National_doc"}},
		},
	}}
	f.respaff = []source.RespAff{{ID: "E0000001", LastName: "Élève", FirstName: "X", Mails: []string{"x@y"}, Establishments: []string{"0750001A"}}}
	sum := exportDir(t, f.write(t), nil)

	wantProblem(t, sum, source.FileEstablishments, 3, true, `field "degree": missing`)
	wantProblem(t, sum, source.FileEstablishments, 4, true, "duplicate establishment, first defined at line 1")
	wantProblem(t, sum, source.FileMEFs, 2, true, "MEF in first-degree school 0751001C: MEFs are second-degree only")
	wantProblem(t, sum, source.FileSubjects, 2, true, "duplicate subject 030201 in 0750001A, first defined at line 1")
	wantProblem(t, sum, source.FilePupils, 1, false, "MEF UNKNOWNMEF is not defined for 0750001A")
	wantProblem(t, sum, source.FilePupils, 1, false, "group NOGROUP is not defined")
	wantProblem(t, sum, source.FilePupils, 2, true, `field "last_name": longer than 500 characters (501)`)
	wantProblem(t, sum, source.FilePupils, 3, true, "control character U+0001")
	wantProblem(t, sum, source.FilePupils, 4, true, `unknown establishment "0799999X"`)
	wantProblem(t, sum, source.FilePupils, 5, true, "cannot attend a first-degree school and a second-degree establishment")
	wantProblem(t, sum, source.FilePupils, 6, true, "leading or trailing spaces")
	wantProblem(t, sum, source.FilePupils, 7, true, `"2014-02-30" is not a date`)
	wantProblem(t, sum, source.FilePupils, 8, true, "duplicate id, first defined at line 1")
	wantProblem(t, sum, source.FileStaff, 1, false, "National_elv is the pupil profile")
	wantProblem(t, sum, source.FileStaff, 1, false, `"Chef" is not a GAR profile`)
	wantProblem(t, sum, source.FileStaff, 1, false, `"National_doc" is not a GAR profile for a 1D establishment`)
	wantProblem(t, sum, source.FileRespAff, 1, true, "a pupil cannot be a RespAff (this id is a pupil at pupils.jsonl:1)")

	if c := sum.Records[source.FilePupils]; c.Read != 8 || c.Exported != 1 || c.Rejected != 7 {
		t.Errorf("pupil counts %+v", c)
	}
	if _, err := os.Stat(sum.RejectsFile); err != nil {
		t.Errorf("rejects file: %v", err)
	}
	a := archive(t, sum, gar.D2)
	if n := a.Elements[gar.FileEleve]["GAREleve"]; n != 1 {
		t.Errorf("%d GAREleve exported, want 1", n)
	}
	if n := a.Elements[gar.FileRespAff]["GARRespAff"]; n != 0 {
		t.Errorf("a pupil was exported as RespAff")
	}
	// Whatever was dropped, what was written is valid.
	dir, names := untar(t, a.Path)
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	mustValidate(t, gar.D2, paths...)
}

func TestFailPolicyStopsAtFirstBadRecord(t *testing.T) {
	f := baseFixture()
	bad := pupil(2, "0750001A")
	bad.LastName = ""
	f.pupils = []source.Pupil{pupil(1, "0750001A"), bad}
	src, _ := source.OpenDir(f.write(t))
	o := testOptions(t.TempDir())
	o.FailOnBadRecord = true
	_, err := Run(context.Background(), src, o)
	var bre *BadRecordError
	if !errors.As(err, &bre) || !strings.Contains(err.Error(), `pupils.jsonl:2: record rejected "E0000002": field "last_name": missing`) {
		t.Fatalf("error %v", err)
	}
	if data, err := os.ReadFile(bre.RejectsFile); err != nil || !strings.Contains(string(data), `"line":2`) || !strings.Contains(bre.Error(), bre.RejectsFile) {
		t.Errorf("rejects file of the failed run: %v %q", err, data)
	}
	assertNothingLeft(t, o.Out)
}

func TestRejectedShareFailsRun(t *testing.T) {
	f := baseFixture()
	for i := range 10 {
		p := pupil(i, "0750001A")
		if i < 2 {
			p.FirstName = ""
		}
		f.pupils = append(f.pupils, p)
	}
	src, _ := source.OpenDir(f.write(t))
	o := testOptions(t.TempDir())
	o.MaxRejectedShare = 0.1
	_, err := Run(context.Background(), src, o)
	if err == nil || !strings.Contains(err.Error(), "20.0% of person records were rejected (2 of 10 pupils") {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "all problems found: "+filepath.Join(o.Out, "rejects_ZZ_20261123_020000.jsonl")) {
		t.Errorf("error does not name the rejects file: %v", err)
	}
	assertNothingLeft(t, o.Out)
	o.MaxRejectedShare = 0.2
	if _, err := Run(context.Background(), src, o); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}

// assertNothingLeft checks that a failed run left no archive, MD5 or
// temporary file in out.
func assertNothingLeft(t *testing.T, out string) {
	t.Helper()
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if e.Name() != lockName && !strings.HasPrefix(e.Name(), rejectsPrefix) {
			t.Errorf("failed run left %s", e.Name())
		}
	}
}

// TestUnsortedIDsAreStillDeduplicated: a duplicate that does not follow its
// twin is found once the file is known to be unsorted, including a twin
// seen before the first out-of-order id.
func TestUnsortedIDsAreStillDeduplicated(t *testing.T) {
	f := baseFixture()
	for _, i := range []int{1, 5, 9, 3, 5, 1, 7} {
		f.pupils = append(f.pupils, pupil(i, "0750001A"))
	}
	sum := exportDir(t, f.write(t), nil)
	wantProblem(t, sum, source.FilePupils, 5, true, "duplicate id, first defined at line 2")
	wantProblem(t, sum, source.FilePupils, 6, true, "duplicate id, first defined at line 1")
	if c := sum.Records[source.FilePupils]; c.Exported != 5 || c.Rejected != 2 {
		t.Errorf("counts %+v", c)
	}
}

func TestRespAffLimitIsDeterministic(t *testing.T) {
	f := baseFixture()
	for i := 60; i > 0; i-- { // reverse order: the choice must not follow the file
		f.respaff = append(f.respaff, source.RespAff{ID: fmt.Sprintf("R%02d", i), LastName: "N", FirstName: "P",
			Mails: []string{"r@x"}, Establishments: []string{"0750001A"}})
	}
	sum := exportDir(t, f.write(t), nil)
	a := archive(t, sum, gar.D2)
	if n := a.Elements[gar.FileRespAff]["GARRespAff"]; n != 50 {
		t.Fatalf("%d RespAff exported, want 50", n)
	}
	dir, _ := untar(t, a.Path)
	data, _ := os.ReadFile(filepath.Join(dir, gar.XMLName("ZZ", stamp, gar.D2, gar.FileRespAff, 0)))
	if !strings.Contains(string(data), ">R50<") || strings.Contains(string(data), ">R51<") {
		t.Error("the 50 kept are not the first 50 ids")
	}
	wantProblem(t, sum, source.FileRespAff, 1, false, "0750001A already has 50 RespAff") // R60 is line 1
}

// TestFilteredEstablishments: a school not enabled for GAR, or excluded,
// is absent with everything that belongs only to it; a teacher working in
// an enabled and a disabled one keeps the enabled one.
func TestFilteredEstablishments(t *testing.T) {
	f := baseFixture()
	f.etabs = append(f.etabs, source.Establishment{UAI: "0750009Z", Degree: gar.D2, Name: "Off", GAREnabled: false})
	f.groups = append(f.groups, source.Group{UAI: "0750009Z", Code: "6A", Label: "6A", Status: "DIVISION"})
	f.pupils = []source.Pupil{pupil(1, "0750001A"), pupil(2, "0750009Z")}
	f.staff = []source.Staff{{Identity: source.Identity{ID: "P1", LastName: "A", FirstName: "B"},
		Schools: []source.StaffSchool{{UAI: "0750009Z", Profiles: []gar.Profile{"National_ens"}}, {UAI: "0750001A", Profiles: []gar.Profile{"National_ens"}}}}}
	sum := exportDir(t, f.write(t), nil)
	if len(sum.Problems) != 0 {
		t.Errorf("filtering is not a problem: %v", sum.Problems)
	}
	if c := sum.Records[source.FilePupils]; c.Exported != 1 || c.Filtered != 1 {
		t.Errorf("pupils %+v", c)
	}
	a := archive(t, sum, gar.D2)
	dir, _ := untar(t, a.Path)
	for _, ft := range gar.FileTypes {
		data, _ := os.ReadFile(filepath.Join(dir, gar.XMLName("ZZ", stamp, gar.D2, ft, 0)))
		if strings.Contains(string(data), "0750009Z") {
			t.Errorf("%s mentions the disabled establishment", ft)
		}
	}
	sum = exportDir(t, f.write(t), func(o *Options) { o.Exclude = []string{"0750001a"} })
	if c := sum.Records[source.FilePupils]; c.Exported != 0 {
		t.Errorf("excluded establishment exported: %+v", c)
	}
}

// failingSource fails while the pupils are being read.
type failingSource struct {
	source.Source
	after int
}

func (s failingSource) Pupils(ctx context.Context, yield func(source.Record[source.Pupil]) error) error {
	n := 0
	return s.Source.Pupils(ctx, func(r source.Record[source.Pupil]) error {
		if n++; n > s.after {
			return errors.New("disk read error")
		}
		return yield(r)
	})
}

// TestFailedRunLeavesPreviousArchivesIntact: a run that dies in the middle
// leaves no partial file and does not touch the archives already there.
func TestFailedRunLeavesPreviousArchivesIntact(t *testing.T) {
	f := baseFixture()
	for i := range 50 {
		f.pupils = append(f.pupils, pupil(i, "0750001A"))
	}
	dir := f.write(t)
	src, _ := source.OpenDir(dir)
	o := testOptions(t.TempDir())
	o.MaxNodes = 10
	first, err := Run(context.Background(), src, o)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, o.Out)
	o.Time = o.Time.Add(time.Hour)
	_, err = Run(context.Background(), failingSource{src, 20}, o)
	if err == nil || !strings.Contains(err.Error(), "pupils.jsonl: disk read error") {
		t.Fatalf("error %v", err)
	}
	if after := snapshot(t, o.Out); after != before {
		t.Errorf("out changed:\nbefore %s\nafter  %s", before, after)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, src, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if after := snapshot(t, o.Out); after != before {
		t.Errorf("cancelled run changed out")
	}
	_ = first
}

// snapshot lists the files of dir with their sizes and checksums.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var b strings.Builder
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fmt.Fprintf(&b, "%s:%d:%x ", e.Name(), len(data), md5.Sum(data))
	}
	return b.String()
}

func TestRetentionKeepsNewest(t *testing.T) {
	f := baseFixture()
	dir := f.write(t)
	src, _ := source.OpenDir(dir)
	o := testOptions(t.TempDir())
	o.Keep = 2
	os.WriteFile(filepath.Join(o.Out, "XX_GAR-ENT_Complet_20200101_000000_2D.tar.gz"), []byte("not ours"), 0o644)
	for i := range 4 {
		o.Time = stamp.Add(time.Duration(i) * time.Minute)
		if _, err := Run(context.Background(), src, o); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	ents, _ := os.ReadDir(o.Out)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"020200_1D.tar.gz", "020300_2D.MD5", "XX_GAR-ENT"} {
		if !strings.Contains(got, want) {
			t.Errorf("%s missing from %s", want, got)
		}
	}
	for _, gone := range []string{"020000", "020100"} {
		if strings.Contains(got, gone) {
			t.Errorf("%s should have been removed: %s", gone, got)
		}
	}
}

func TestLockRefusesConcurrentRun(t *testing.T) {
	out := t.TempDir()
	l, err := lockDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release()
	src, _ := source.OpenDir(baseFixture().write(t))
	_, err = Run(context.Background(), src, testOptions(out))
	if err == nil || !strings.Contains(err.Error(), "in use by another export") {
		t.Fatalf("error %v", err)
	}
}
