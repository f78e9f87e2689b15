package synth

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

var allFiles = []string{fileEstablishments, fileMEFs, fileSubjects, fileGroups, filePupils, fileStaff, fileRespAff}

func generate(t testing.TB, o Options) (string, Stats) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	st, err := Generate(context.Background(), dir, o)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != len(allFiles) {
		t.Fatalf("dir holds %q, want the seven files only", names)
	}
	return dir, st
}

// readAll decodes every line of a file strictly into T and checks that
// encoding/json writes the value back byte for byte, which proves the
// hand-written encoder equivalent on real data.
func readAll[T any](t *testing.T, dir, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var v T
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s:%d: %v\n%s", name, n, err, line)
		}
		if dec.More() {
			t.Fatalf("%s:%d: more than one value on the line", name, n)
		}
		again, err := json.Marshal(&v)
		if err != nil {
			t.Fatalf("%s:%d: marshal: %v", name, n, err)
		}
		if !bytes.Equal(again, line) {
			t.Fatalf("%s:%d: encoding differs from encoding/json\n got %s\nwant %s", name, n, line, again)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		t.Errorf("%s: last line not terminated by \\n", name)
	}
	if bytes.Contains(raw, []byte("\r")) {
		t.Errorf("%s: holds a carriage return", name)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	o := Options{Pupils: 6000, Seed: 42}
	a, sa := generate(t, o)
	b, sb := generate(t, o)
	if sa != sb {
		t.Fatalf("stats differ: %+v vs %+v", sa, sb)
	}
	for _, name := range allFiles {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same options", name)
		}
	}
	o.Seed = 43
	c, _ := generate(t, o)
	for _, name := range []string{fileEstablishments, filePupils, fileStaff} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(c, name))
		if bytes.Equal(x, y) {
			t.Errorf("%s is the same with seeds 42 and 43", name)
		}
	}
}

// ref is what the reference files say about one establishment.
type ref struct {
	e                      source.Establishment
	mefs, subjects, groups map[string]bool
	divisions              map[string]bool
}

var uaiRE = regexp.MustCompile(`^[0-9]{7}[A-Z]$`)

func tooLong(t *testing.T, what, s string, max int) {
	t.Helper()
	if gar.TooLong(s, max) {
		t.Errorf("%s %q longer than %d characters", what, s, max)
	}
}

func checkNormalized(t *testing.T, what, code string) {
	t.Helper()
	if gar.NormalizeCode(code) != code || code == "" {
		t.Errorf("%s %q is not upper-case without accents", what, code)
	}
	tooLong(t, what, code, gar.MaxCode)
}

func checkIdentity(t *testing.T, id *source.Identity) {
	t.Helper()
	tooLong(t, "id", id.ID, gar.MaxPersonID)
	tooLong(t, "secondary id", id.SecondaryID, gar.MaxSecondaryID)
	for _, n := range append([]string{id.LastName, id.BirthName, id.FirstName}, id.OtherFirstNames...) {
		tooLong(t, "name", n, gar.MaxName)
	}
	if id.LastName == "" || id.FirstName == "" {
		t.Errorf("%s: empty name", id.ID)
	}
	if id.Civility != "M." && id.Civility != "Mme" {
		t.Errorf("%s: civility %q", id.ID, id.Civility)
	}
	if len(id.OtherFirstNames) > 0 && id.OtherFirstNames[0] != id.FirstName {
		t.Errorf("%s: other first names %q do not start with %q", id.ID, id.OtherFirstNames, id.FirstName)
	}
	if len(id.OtherFirstNames) > 3 {
		t.Errorf("%s: %d first names", id.ID, len(id.OtherFirstNames))
	}
}

// age returns the age on 31 December 2025 of someone born on date, the
// French cohort rule.
func age(t *testing.T, date string) int {
	t.Helper()
	if len(date) != 10 || date[4] != '-' || date[7] != '-' {
		t.Fatalf("birth date %q is not YYYY-MM-DD", date)
	}
	y, err := strconv.Atoi(date[:4])
	if err != nil {
		t.Fatalf("birth date %q: %v", date, err)
	}
	return 2025 - y
}

func uaiKeyOK(uai string) bool {
	n, err := strconv.Atoi(uai[:7])
	return err == nil && uai[7] == uaiKeyLetters[n%23]
}

func TestRecordsConsistent(t *testing.T) {
	o := Options{Pupils: 24000, Seed: 7}
	dir, st := generate(t, o)

	ests := readAll[source.Establishment](t, dir, fileEstablishments)
	mefs := readAll[source.MEF](t, dir, fileMEFs)
	subjects := readAll[source.Subject](t, dir, fileSubjects)
	groups := readAll[source.Group](t, dir, fileGroups)
	pupils := readAll[source.Pupil](t, dir, filePupils)
	staff := readAll[source.Staff](t, dir, fileStaff)
	ras := readAll[source.RespAff](t, dir, fileRespAff)
	want := Stats{len(ests), len(mefs), len(subjects), len(groups), len(pupils), len(staff), len(ras)}
	if st != want {
		t.Errorf("stats %+v, files hold %+v", st, want)
	}
	if st.Pupils != o.Pupils || st.Staff != o.Pupils/14 {
		t.Errorf("asked %d pupils and default staff, got %+v", o.Pupils, st)
	}

	refs := map[string]*ref{}
	disabled := 0
	perDegree := map[gar.Degree]int{}
	for _, e := range ests {
		if !uaiRE.MatchString(e.UAI) || !uaiKeyOK(e.UAI) {
			t.Errorf("UAI %q is not 7 digits and a valid check letter", e.UAI)
		}
		if refs[e.UAI] != nil {
			t.Errorf("UAI %s twice", e.UAI)
		}
		if !e.Degree.Valid() {
			t.Errorf("%s: degree %v", e.UAI, e.Degree)
		}
		perDegree[e.Degree]++
		if !e.GAREnabled {
			disabled++
		}
		tooLong(t, "name", e.Name, gar.MaxName)
		tooLong(t, "contract", e.Contract, gar.MaxContract)
		tooLong(t, "phone", e.Phone, gar.MaxPhone)
		tooLong(t, "email", e.Email, gar.MaxMail)
		tooLong(t, "functional attachment", e.FunctionalAttachment, gar.MaxLabel)
		if e.Contract != "PUBLIC" && e.Contract != "PRIVE SOUS CONTRAT" {
			t.Errorf("%s: contract %q", e.UAI, e.Contract)
		}
		refs[e.UAI] = &ref{e: e, mefs: map[string]bool{}, subjects: map[string]bool{}, groups: map[string]bool{}, divisions: map[string]bool{}}
	}
	if disabled == 0 || disabled > len(ests)/10+1 {
		t.Errorf("%d of %d establishments disabled, want a few", disabled, len(ests))
	}
	// 24000 pupils: 9600 in 1D at one school per 150, 14400 in 2D at one
	// per 500.
	if perDegree[gar.D1] != 64 || perDegree[gar.D2] != 29 {
		t.Errorf("establishments per degree %v, want 64 1D and 29 2D", perDegree)
	}
	attached := 0
	for _, e := range ests {
		if e.FunctionalAttachment == "" {
			continue
		}
		attached++
		h := refs[e.FunctionalAttachment]
		if h == nil || h.e.Degree != gar.D2 || e.Degree != gar.D2 || h.e.UAI == e.UAI {
			t.Errorf("%s: functional attachment %s is not another 2D establishment", e.UAI, e.FunctionalAttachment)
		}
	}
	if attached == 0 {
		t.Errorf("no establishment has a functional attachment")
	}

	for _, m := range mefs {
		r := refs[m.UAI]
		if r == nil || r.e.Degree != gar.D2 {
			t.Fatalf("MEF %s of unknown or 1D establishment %s", m.Code, m.UAI)
		}
		checkNormalized(t, "MEF code", m.Code)
		if len(m.Code) != 11 {
			t.Errorf("MEF code %q is not 11 digits", m.Code)
		}
		tooLong(t, "MEF label", m.Label, gar.MaxLabel)
		tooLong(t, "MEFSTAT11", m.MEFSTAT11, gar.MaxMEFSTAT11)
		if r.mefs[m.Code] {
			t.Errorf("%s: MEF %s twice", m.UAI, m.Code)
		}
		r.mefs[m.Code] = true
	}
	for _, m := range mefs {
		if m.Attachment != "" && !refs[m.UAI].mefs[m.Attachment] {
			t.Errorf("%s: MEF %s attached to unknown MEF %s", m.UAI, m.Code, m.Attachment)
		}
	}
	for _, s := range subjects {
		r := refs[s.UAI]
		if r == nil || r.e.Degree != gar.D2 {
			t.Fatalf("subject %s of unknown or 1D establishment %s", s.Code, s.UAI)
		}
		checkNormalized(t, "subject code", s.Code)
		tooLong(t, "subject label", s.Label, gar.MaxLabel)
		if r.subjects[s.Code] {
			t.Errorf("%s: subject %s twice", s.UAI, s.Code)
		}
		r.subjects[s.Code] = true
	}
	for _, g := range groups {
		r := refs[g.UAI]
		if r == nil {
			t.Fatalf("group %s of unknown establishment %s", g.Code, g.UAI)
		}
		checkNormalized(t, "group code", g.Code)
		tooLong(t, "group label", g.Label, gar.MaxLabel)
		tooLong(t, "group status", g.Status, gar.MaxGroupStatus)
		if r.groups[g.Code] {
			t.Errorf("%s: group %s twice", g.UAI, g.Code)
		}
		r.groups[g.Code] = true
		switch g.Status {
		case gar.StatusDivision:
			r.divisions[g.Code] = true
			if len(g.Divisions) > 0 {
				t.Errorf("%s: division %s lists divisions", g.UAI, g.Code)
			}
		case gar.StatusGroup:
			if r.e.Degree != gar.D2 {
				t.Errorf("%s: GROUPE %s in a 1D school", g.UAI, g.Code)
			}
			if len(g.Divisions) == 0 {
				t.Errorf("%s: group %s draws from no division", g.UAI, g.Code)
			}
			for _, d := range g.Divisions {
				if !r.divisions[d] {
					t.Errorf("%s: group %s draws from unknown division %s", g.UAI, g.Code, d)
				}
			}
		default:
			t.Errorf("%s: group %s has status %q", g.UAI, g.Code, g.Status)
		}
	}
	for uai, r := range refs {
		if r.e.Degree == gar.D2 {
			if n := len(r.mefs); n < 8 || n > 15 {
				t.Errorf("%s: %d MEFs, want 8 to 15", uai, n)
			}
			if n := len(r.subjects); n < 8 || n > 15 {
				t.Errorf("%s: %d subjects, want 8 to 15", uai, n)
			}
		} else if len(r.mefs)+len(r.subjects) > 0 {
			t.Errorf("%s: 1D school with MEFs or subjects", uai)
		}
		if len(r.divisions) == 0 {
			t.Errorf("%s: no division", uai)
		}
	}

	checkPupils(t, refs, pupils)
	staffByID := checkStaff(t, refs, staff, true)
	checkRespAff(t, refs, staffByID, ras)
}

func checkPupils(t *testing.T, refs map[string]*ref, pupils []source.Pupil) {
	t.Helper()
	prev := ""
	perDivision := map[[2]string]int{}
	twice := 0
	for _, p := range pupils {
		checkIdentity(t, &p.Identity)
		if p.ID <= prev {
			t.Fatalf("pupil id %q does not follow %q", p.ID, prev)
		}
		prev = p.ID
		if len(p.Schools) == 0 || len(p.Schools) > 2 {
			t.Fatalf("%s: %d schools", p.ID, len(p.Schools))
		}
		if p.AttachmentUAI != p.Schools[0].UAI {
			t.Errorf("%s: attached to %s, not to their school %s", p.ID, p.AttachmentUAI, p.Schools[0].UAI)
		}
		main := refs[p.Schools[0].UAI]
		if main == nil {
			t.Fatalf("%s: unknown school %s", p.ID, p.Schools[0].UAI)
		}
		a := age(t, p.BirthDate)
		if main.e.Degree == gar.D1 && (a < 6 || a > 11) || main.e.Degree == gar.D2 && (a < 11 || a > 18) {
			t.Errorf("%s: %d years old in %s", p.ID, a, main.e.Degree)
		}
		if len(p.Schools) == 2 {
			twice++
			if p.Schools[0].UAI == p.Schools[1].UAI {
				t.Errorf("%s: the same school twice", p.ID)
			}
		}
		for i, s := range p.Schools {
			r := refs[s.UAI]
			if r == nil {
				t.Fatalf("%s: unknown school %s", p.ID, s.UAI)
			}
			if r.e.Degree != main.e.Degree {
				t.Errorf("%s: in a 1D and a 2D school", p.ID)
			}
			for _, g := range s.Groups {
				if !r.groups[g] {
					t.Errorf("%s: unknown group %s in %s", p.ID, g, s.UAI)
				}
			}
			if r.e.Degree == gar.D1 {
				if len(s.MEFs)+len(s.Subjects) > 0 || len(s.MEFSTAT4) != 1 || len(s.Groups) != 1 {
					t.Errorf("%s: 1D school entry %+v", p.ID, s)
				}
				for _, m := range s.MEFSTAT4 {
					if len(m) != 4 || gar.TooLong(m, gar.MaxMEFSTAT4) {
						t.Errorf("%s: MEFSTAT4 %q", p.ID, m)
					}
				}
			} else {
				if len(s.MEFSTAT4) > 0 || len(s.MEFs) != 1 {
					t.Errorf("%s: 2D school entry %+v", p.ID, s)
				}
				for _, m := range s.MEFs {
					if !r.mefs[m] {
						t.Errorf("%s: unknown MEF %s in %s", p.ID, m, s.UAI)
					}
				}
				for _, c := range s.Subjects {
					if !r.subjects[c] {
						t.Errorf("%s: unknown subject %s in %s", p.ID, c, s.UAI)
					}
				}
				if i == 0 && (len(s.Subjects) < 6 || len(s.Subjects) > 10 || len(s.Groups) > 3) {
					t.Errorf("%s: %d subjects and %d groups", p.ID, len(s.Subjects), len(s.Groups))
				}
			}
			if i == 0 {
				if len(s.Groups) == 0 || !r.divisions[s.Groups[0]] {
					t.Fatalf("%s: first group %v is not a division of %s", p.ID, s.Groups, s.UAI)
				}
				perDivision[[2]string{s.UAI, s.Groups[0]}]++
			}
		}
	}
	if twice == 0 {
		t.Errorf("no pupil attends two establishments")
	}
	total := 0
	for d, n := range perDivision {
		total += n
		if n > 30 {
			t.Errorf("division %v holds %d pupils", d, n)
		}
	}
	if avg := total / len(perDivision); avg < 22 || avg > 30 {
		t.Errorf("divisions hold %d pupils on average, want about 25-30", avg)
	}
}

func checkStaff(t *testing.T, refs map[string]*ref, staff []source.Staff, both bool) map[string]*source.Staff {
	t.Helper()
	byID := map[string]*source.Staff{}
	prev := ""
	twoSchools, bothDegrees, enabledAndNot, heads := 0, 0, 0, 0
	for i := range staff {
		p := &staff[i]
		checkIdentity(t, &p.Identity)
		if p.ID <= prev {
			t.Fatalf("staff id %q does not follow %q", p.ID, prev)
		}
		prev = p.ID
		byID[p.ID] = p
		if len(p.Schools) == 0 || len(p.Schools) > 2 {
			t.Fatalf("%s: %d schools", p.ID, len(p.Schools))
		}
		if p.AttachmentUAI != p.Schools[0].UAI {
			t.Errorf("%s: attached to %s, not to their main school", p.ID, p.AttachmentUAI)
		}
		if a := age(t, p.BirthDate); a < 22 || a > 67 {
			t.Errorf("%s: %d years old", p.ID, a)
		}
		in2D, enabled, disabled := false, false, false
		degrees := map[gar.Degree]bool{}
		teaches := map[gar.Degree]bool{}
		for _, s := range p.Schools {
			r := refs[s.UAI]
			if r == nil {
				t.Fatalf("%s: unknown school %s", p.ID, s.UAI)
			}
			d := r.e.Degree
			degrees[d] = true
			in2D = in2D || d == gar.D2
			enabled = enabled || r.e.GAREnabled
			disabled = disabled || !r.e.GAREnabled
			if len(s.Profiles) == 0 {
				t.Errorf("%s: no profile in %s", p.ID, s.UAI)
			}
			for _, pr := range s.Profiles {
				tooLong(t, "profile", string(pr), gar.MaxProfile)
				if !gar.AllowedForStaff(pr, d) {
					t.Errorf("%s: profile %s in a %s school", p.ID, pr, d)
				}
				teaches[d] = teaches[d] || pr == gar.ProfileTeacher
				if pr == gar.ProfileHead {
					heads++
				}
			}
			for _, c := range s.Disciplines {
				tooLong(t, "discipline", c, gar.MaxCode)
			}
			for _, g := range s.Groups {
				if !r.groups[g] {
					t.Errorf("%s: unknown group %s in %s", p.ID, g, s.UAI)
				}
			}
			for _, m := range s.MEFs {
				if !r.mefs[m] {
					t.Errorf("%s: unknown MEF %s in %s", p.ID, m, s.UAI)
				}
			}
			for _, m := range s.MEFSTAT4 {
				if gar.TooLong(m, gar.MaxMEFSTAT4) {
					t.Errorf("%s: MEFSTAT4 %q", p.ID, m)
				}
			}
			if d == gar.D1 && (len(s.MEFs) > 0 || len(s.Teaching) > 0) {
				t.Errorf("%s: MEFs or teaching in 1D school %s", p.ID, s.UAI)
			}
			if d == gar.D2 && len(s.MEFSTAT4) > 0 {
				t.Errorf("%s: MEFSTAT4 in 2D school %s", p.ID, s.UAI)
			}
			for _, te := range s.Teaching {
				if !r.groups[te.Group] {
					t.Errorf("%s: teaches unknown group %s in %s", p.ID, te.Group, s.UAI)
				}
				if len(te.Subjects) == 0 {
					t.Errorf("%s: teaches %s no subject", p.ID, te.Group)
				}
				for _, c := range te.Subjects {
					if !r.subjects[c] {
						t.Errorf("%s: teaches unknown subject %s in %s", p.ID, c, s.UAI)
					}
				}
			}
		}
		if len(p.Mails) > 0 && !in2D {
			t.Errorf("%s: mails without a 2D school", p.ID)
		}
		if in2D && len(p.Mails) == 0 {
			t.Errorf("%s: 2D staff without mail", p.ID)
		}
		for _, m := range p.Mails {
			tooLong(t, "mail", m, gar.MaxMail)
		}
		if len(p.Schools) == 2 {
			twoSchools++
		}
		if teaches[gar.D1] && teaches[gar.D2] {
			bothDegrees++
		}
		if enabled && disabled {
			enabledAndNot++
		}
	}
	if both && bothDegrees == 0 && len(staff) >= 200 {
		t.Errorf("no teacher works in both degrees")
	}
	if !both && bothDegrees > 0 {
		t.Errorf("%d teachers in both degrees with one degree generated", bothDegrees)
	}
	if enabledAndNot == 0 {
		t.Errorf("nobody works in both an enabled and a disabled establishment")
	}
	if pc := 100 * twoSchools / len(staff); pc < 5 || pc > 20 {
		t.Errorf("%d%% of staff work in two establishments, want about 10%%", pc)
	}
	if heads == 0 {
		t.Errorf("no head")
	}
	return byID
}

func checkRespAff(t *testing.T, refs map[string]*ref, staff map[string]*source.Staff, ras []source.RespAff) {
	t.Helper()
	perEtab := map[string]int{}
	prev := ""
	for _, ra := range ras {
		if ra.ID <= prev {
			t.Errorf("RespAff %s after %s: one record per person, in id order", ra.ID, prev)
		}
		prev = ra.ID
		p := staff[ra.ID]
		if p == nil {
			t.Fatalf("RespAff %s is not a member of staff", ra.ID)
		}
		if ra.LastName != p.LastName || ra.FirstName != p.FirstName || ra.Civility != p.Civility {
			t.Errorf("RespAff %s: names differ from the staff record", ra.ID)
		}
		if len(ra.Mails) == 0 {
			t.Errorf("RespAff %s without mail", ra.ID)
		}
		for _, m := range ra.Mails {
			tooLong(t, "mail", m, gar.MaxMail)
		}
		if len(ra.Establishments) == 0 {
			t.Errorf("RespAff %s of no establishment", ra.ID)
		}
		for _, uai := range ra.Establishments {
			tooLong(t, "RespAff establishment", uai, gar.MaxUAI)
			works := false
			for _, s := range p.Schools {
				works = works || s.UAI == uai
			}
			if !works {
				t.Errorf("RespAff %s of %s, where they do not work", ra.ID, uai)
			}
			perEtab[uai]++
		}
	}
	for uai := range refs {
		if n := perEtab[uai]; n < 1 || n > gar.MaxRespAffPerEtab {
			t.Errorf("%s: %d RespAff", uai, n)
		}
	}
}

func TestOneDegree(t *testing.T) {
	for _, d := range gar.Degrees {
		t.Run(d.String(), func(t *testing.T) {
			dir, st := generate(t, Options{Pupils: 3000, Teachers: 300, Degrees: []gar.Degree{d}, Seed: 3})
			ests := readAll[source.Establishment](t, dir, fileEstablishments)
			refs := map[string]*ref{}
			for _, e := range ests {
				if e.Degree != d {
					t.Fatalf("%s establishment %s generated for %s only", e.Degree, e.UAI, d)
				}
				refs[e.UAI] = &ref{e: e, mefs: map[string]bool{}, subjects: map[string]bool{}, groups: map[string]bool{}}
			}
			for _, m := range readAll[source.MEF](t, dir, fileMEFs) {
				refs[m.UAI].mefs[m.Code] = true
			}
			for _, s := range readAll[source.Subject](t, dir, fileSubjects) {
				refs[s.UAI].subjects[s.Code] = true
			}
			for _, g := range readAll[source.Group](t, dir, fileGroups) {
				refs[g.UAI].groups[g.Code] = true
			}
			if d == gar.D1 && st.MEFs+st.Subjects > 0 {
				t.Errorf("1D only, yet %d MEFs and %d subjects", st.MEFs, st.Subjects)
			}
			if st.Pupils != 3000 || st.Staff != 300 {
				t.Errorf("stats %+v", st)
			}
			staff := checkStaff(t, refs, readAll[source.Staff](t, dir, fileStaff), false)
			checkRespAff(t, refs, staff, readAll[source.RespAff](t, dir, fileRespAff))
		})
	}
}

// TestTeacherInBothDegrees checks that even small runs have a teacher in
// both degrees as soon as both are generated with 200 staff or more.
func TestTeacherInBothDegrees(t *testing.T) {
	for _, o := range []Options{
		{Teachers: 200},
		{Pupils: 1500, Teachers: 200, Seed: 1},
		{Pupils: 3000, Teachers: 200, Seed: 2},
		{Pupils: 20000, Teachers: 200, Schools: 90, Seed: 3},
		{Pupils: 20000, Teachers: 250, Degrees: []gar.Degree{gar.D2, gar.D1}, Seed: 4},
	} {
		dir, _ := generate(t, o)
		degree := map[string]gar.Degree{}
		for _, e := range readAll[source.Establishment](t, dir, fileEstablishments) {
			degree[e.UAI] = e.Degree
		}
		found := false
		for _, p := range readAll[source.Staff](t, dir, fileStaff) {
			teaches := map[gar.Degree]bool{}
			for _, s := range p.Schools {
				for _, pr := range s.Profiles {
					teaches[degree[s.UAI]] = teaches[degree[s.UAI]] || pr == gar.ProfileTeacher
				}
			}
			found = found || teaches[gar.D1] && teaches[gar.D2]
		}
		if !found {
			t.Errorf("%+v: no teacher in both degrees", o)
		}
	}
}

func TestCounts(t *testing.T) {
	cases := []struct {
		o    Options
		want Stats // Establishments, Pupils and Staff only
	}{
		{Options{}, Stats{Establishments: 2}},
		{Options{Pupils: 10}, Stats{Establishments: 2, Pupils: 10}},
		{Options{Pupils: 1000, Teachers: 90, Schools: 1}, Stats{Establishments: 2, Pupils: 1000, Staff: 90}},
		{Options{Pupils: 1000, Schools: 10, Degrees: []gar.Degree{gar.D2}}, Stats{Establishments: 10, Pupils: 1000, Staff: 71}},
		{Options{Pupils: 500, Teachers: 3, Schools: 5, Degrees: []gar.Degree{gar.D1, gar.D1}}, Stats{Establishments: 5, Pupils: 500, Staff: 3}},
	}
	for _, c := range cases {
		_, st := generate(t, c.o)
		got := Stats{Establishments: st.Establishments, Pupils: st.Pupils, Staff: st.Staff}
		if got != c.want {
			t.Errorf("%+v: got %+v, want %+v", c.o, got, c.want)
		}
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{Pupils: -1}, {Teachers: -1}, {Schools: -1}, {Degrees: []gar.Degree{3}}} {
		if _, err := Generate(context.Background(), t.TempDir(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func TestCancelLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, dir, Options{Pupils: 100000}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Generate(ctx, dir, Options{Pupils: 2000000})
		done <- err
	}()
	// Cancel while pupils are being written: the reference files are
	// complete by then but must not appear under their final names.
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		default:
		}
		if ents, _ := os.ReadDir(dir); len(ents) >= 5 {
			cancel()
			err = <-done
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("%s left behind", e.Name())
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", "Éloïse N'Diaye", "Nguyễn", "Müller <\"&'>", "tab\there\nnew\rline\b\f\x00\x1f\x7f",
		"back\\slash", "\u2028\u2029", "bad \xff utf8 \xe2\x82", "😀", "Sacré-Cœur",
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestCatalogCoherent(t *testing.T) {
	for _, s := range subjectTable {
		if disciplineFor(s.code) == nil {
			t.Errorf("no discipline teaches subject %s", s.code)
		}
	}
	for _, g := range groupTable {
		found := false
		for _, s := range subjectTable {
			found = found || s.code == g.subject
		}
		if !found {
			t.Errorf("group kind %s has unknown subject %s", g.code, g.subject)
		}
	}
	for _, m := range mefTable {
		if !m.core && m.series == "" {
			t.Errorf("optional MEF %s belongs to no series", m.code)
		}
		if m.attach == "" {
			continue
		}
		ok := false
		for _, c := range mefTable {
			ok = ok || c.code == m.attach && c.core && c.lycee == m.lycee
		}
		if !ok {
			t.Errorf("MEF %s attached to %s, which is not a core MEF of the same kind", m.code, m.attach)
		}
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		dir := b.TempDir()
		if _, err := Generate(context.Background(), dir, Options{Pupils: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
