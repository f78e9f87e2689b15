package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// Birth years are chosen so that ages on 31 December 2025 (the French school
// cohort rule: a cohort is a calendar year of birth) fit the 2025-2026
// school year: CP pupils were born in 2019, sixième pupils in 2014.
const (
	cohortCP      = 2019
	cohortSixieme = 2014
	refYear       = 2025 // ages are counted on 31 December of this year
)

// ctxEvery is how many records are written between two looks at the
// context: often enough to stop within milliseconds, rarely enough to cost
// nothing.
const ctxEvery = 4096

// Staff roles in an establishment.
const (
	roleHead = iota
	roleTeacher
	roleLibrarian
	roleEducation
	roleStaff
)

// people generates pupils and staff from a plan.
type people struct {
	p *plan
	// mail-ready spellings of the name tables, computed once per run.
	boyMail, girlMail, lastMail []string
	idWidth                     int
}

func newPeople(p *plan, pupils, staff int) *people {
	g := &people{p: p}
	g.boyMail = mailForms(boyNames)
	g.girlMail = mailForms(girlNames)
	g.lastMail = mailForms(lastNames)
	// One width for every id of a file keeps byte order equal to
	// generation order.
	g.idWidth = max(8, len(itoa(max(pupils, staff))))
	return g
}

// mailForms spells names the way academic addresses do: lower case, no
// accents, spaces as hyphens, apostrophes dropped ("N'Diaye" -> "ndiaye").
func mailForms(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		up := gar.NormalizeCode(n)
		var b strings.Builder
		for _, c := range up {
			switch {
			case c >= 'A' && c <= 'Z':
				b.WriteRune(c + 'a' - 'A')
			case c >= '0' && c <= '9', c == '-':
				b.WriteRune(c)
			case c == ' ':
				b.WriteByte('-')
			}
		}
		out[i] = b.String()
	}
	return out
}

func itoa(n int) string {
	return string(appendPadded(nil, n, 1))
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	for k := len(tmp) - i; k < width; k++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

func (g *people) id(prefix byte, n int) string {
	var buf [24]byte
	return string(appendPadded(append(buf[:0], prefix), n, g.idWidth))
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func birthDate(r *rand.Rand, year int) string {
	m := 1 + r.IntN(12)
	d := 1 + r.IntN(daysIn(year, m))
	var buf [10]byte
	b := appendPadded(buf[:0], year, 4)
	b = append(b, '-')
	b = appendPadded(b, m, 2)
	b = append(b, '-')
	b = appendPadded(b, d, 2)
	return string(b)
}

// person fills the names of an identity; it returns the indexes of the
// first and last names for mail addresses.
func (g *people) person(r *rand.Rand, id *source.Identity, others []string) (male bool, first, last int) {
	male = r.IntN(2) == 0
	list := girlNames
	id.Civility = "Mme"
	if male {
		list = boyNames
		id.Civility = "M."
	}
	first = r.IntN(len(list))
	last = r.IntN(len(lastNames))
	id.FirstName = list[first]
	id.LastName = lastNames[last]
	id.OtherFirstNames = nil
	if r.IntN(100) < 30 {
		// Other first names hold every first name, the usual one first.
		others = append(others[:0], id.FirstName)
		for n := 1 + r.IntN(2); n > 0; n-- {
			if o := list[r.IntN(len(list))]; o != id.FirstName && o != others[len(others)-1] {
				others = append(others, o)
			}
		}
		if len(others) > 1 {
			id.OtherFirstNames = others
		}
	}
	return male, first, last
}

// pupilWriter generates pupils school by school, division by division, so
// that classes fill up in order and ids follow the schools.
type pupilWriter struct {
	g     *people
	r     *rand.Rand
	p     source.Pupil
	other [3]string
	// per-pupil scratch, reused to keep the loop allocation-free.
	entries  [2]source.PupilSchool
	mefs     [1]string
	mefs2    [1]string
	stat4    [1]string
	subjects []string
	groups   []string
	subj2    [1]string
	groups2  [1]string
	mark     []bool
	order    []int
	families []int
}

func (g *people) writePupils(ctx context.Context, r *rand.Rand, out *outFile) (int, error) {
	w := &pupilWriter{g: g, r: r,
		subjects: make([]string, 0, 16), groups: make([]string, 0, 4),
		mark: make([]bool, len(subjectTable)), order: make([]int, 0, len(subjectTable))}
	var line []byte
	n := 0
	for _, d := range gar.Degrees {
		sc := g.p.byDegree[d]
		for si, s := range sc {
			for di := range s.divs {
				div := &s.divs[di]
				for k := 0; k < div.size; k++ {
					n++
					if n%ctxEvery == 0 {
						if err := ctx.Err(); err != nil {
							return n, fmt.Errorf("synth: write %s: %w", out.name, err)
						}
					}
					w.pupil(n, sc, si, div)
					line = appendPupil(line[:0], &w.p)
					if err := out.write(line); err != nil {
						return n, err
					}
				}
			}
		}
	}
	return n, nil
}

func (w *pupilWriter) pupil(n int, sc []*school, si int, div *division) {
	r, s, p := w.r, sc[si], &w.p
	p.Identity = source.Identity{ID: w.g.id('E', n), AttachmentUAI: s.uai}
	w.g.person(r, &p.Identity, w.other[:0])
	e := &w.entries[0]
	*e = source.PupilSchool{UAI: s.uai}
	p.Schools = w.entries[:1]
	var level, year int
	if s.degree == gar.D1 {
		level = div.levels[r.IntN(len(div.levels))]
		year = cohortCP - level
		w.stat4[0] = levels1D[level].mefstat4
		e.MEFSTAT4 = w.stat4[:]
		w.groups = append(w.groups[:0], div.code)
		e.Groups = w.groups
	} else {
		m := &mefTable[s.mefs[div.mef]]
		level = m.level
		year = cohortSixieme - level
		w.mefs[0] = m.code
		e.MEFs = w.mefs[:]
		w.secondDegree(s, div, e)
		if r.IntN(100) < 1 {
			if s2 := w.g.p.near(r, s, gar.D2); s2 != nil {
				w.elsewhere(s2, level)
			}
		}
	}
	// A few pupils repeated a year, fewer skipped one; skipping is left
	// out at the first level so that ages stay within the degree's range.
	switch x := r.IntN(100); {
	case x < 8:
		year--
	case x < 10 && level > 0:
		year++
	}
	p.BirthDate = birthDate(r, year)
}

// secondDegree picks the groups and subjects of a collège or lycée pupil:
// their division, up to two groups of different families drawing from it,
// and 6 to 10 subjects including those of their groups.
func (w *pupilWriter) secondDegree(s *school, div *division, e *source.PupilSchool) {
	r := w.r
	w.groups = append(w.groups[:0], div.code)
	clear(w.mark)
	marked := 0
	want := 0
	if len(div.cands) > 0 {
		switch x := r.IntN(100); {
		case x < 45:
			want = 1
		case x < 70:
			want = 2
		}
	}
	w.families = w.families[:0]
	for try := 0; try < 3*want && len(w.groups) <= want; try++ {
		g := &s.groups[div.cands[r.IntN(len(div.cands))]]
		dup := false
		for _, f := range w.families {
			dup = dup || f == g.family
		}
		if dup {
			continue
		}
		w.families = append(w.families, g.family)
		w.groups = append(w.groups, g.code)
		if !w.mark[g.subj] {
			w.mark[g.subj] = true
			marked++
		}
	}
	e.Groups = w.groups

	// Fill up with subjects taught to whole divisions, in random order.
	want = 6 + r.IntN(5)
	w.order = append(w.order[:0], s.coreSubj...)
	for i := 0; i < len(w.order) && marked < want; i++ {
		j := i + r.IntN(len(w.order)-i)
		w.order[i], w.order[j] = w.order[j], w.order[i]
		if k := w.order[i]; !w.mark[k] {
			w.mark[k] = true
			marked++
		}
	}
	w.subjects = w.subjects[:0]
	for k, i := range s.subjects {
		if w.mark[k] {
			w.subjects = append(w.subjects, subjectTable[i].code)
		}
	}
	e.Subjects = w.subjects
}

// elsewhere adds a second establishment, where the pupil follows one
// option (say Latin or a spécialité not taught in their own school).
func (w *pupilWriter) elsewhere(s2 *school, level int) {
	r := w.r
	e := &w.entries[1]
	*e = source.PupilSchool{UAI: s2.uai}
	w.mefs2[0] = mefTable[s2.mefs[0]].code
	for _, m := range s2.mefs {
		if mefTable[m].level == level {
			w.mefs2[0] = mefTable[m].code
			break
		}
	}
	e.MEFs = w.mefs2[:]
	if len(s2.groups) > 0 {
		// An option of their level if the school has one: a language, an
		// ancient language or a spécialité their own school lacks.
		g := &s2.groups[r.IntN(len(s2.groups))]
		seen := 0
		for i := range s2.groups {
			if f := s2.groups[i].family; s2.groups[i].level == level && f != famAP && f != famEuro {
				if seen++; r.IntN(seen) == 0 {
					g = &s2.groups[i]
				}
			}
		}
		w.groups2[0] = g.code
		e.Groups = w.groups2[:]
		w.subj2[0] = subjectTable[s2.subjects[g.subj]].code
	} else {
		w.subj2[0] = subjectTable[s2.subjects[s2.coreSubj[r.IntN(len(s2.coreSubj))]]].code
	}
	e.Subjects = w.subj2[:]
	w.p.Schools = w.entries[:2]
}

// staffWriter generates staff school by school and remembers the RespAff
// met on the way (a few per establishment).
type staffWriter struct {
	g        *people
	r        *rand.Rand
	respAff  []source.RespAff
	teachers int // teachers met so far
	// crossDue is set every hundredth teacher, from the first one on, and
	// cleared by the next teacher who gets a school in the other degree.
	crossDue bool
}

// schoolRoles says how many heads, librarians, education and other staff
// an establishment with n staff has; the rest are teachers.
func schoolRoles(s *school) (heads, libs, edu, other int) {
	n := s.staff
	heads = 1
	if n >= 25 {
		heads = 2
	}
	if s.degree == gar.D2 {
		switch {
		case n >= 60:
			libs = 2
		case n >= 12:
			libs = 1
		}
		edu, other = n/16, n/18
	} else {
		edu, other = n/15, n/20
	}
	heads = min(heads, n)
	libs = min(libs, n-heads)
	edu = min(edu, n-heads-libs)
	other = min(other, n-heads-libs-edu)
	return
}

func (g *people) writeStaff(ctx context.Context, r *rand.Rand, out *outFile) (int, []source.RespAff, error) {
	w := &staffWriter{g: g, r: r}
	var line []byte
	n := 0
	for _, d := range gar.Degrees {
		sc := g.p.byDegree[d]
		for si, s := range sc {
			heads, libs, edu, other := schoolRoles(s)
			teachers := s.staff - heads - libs - edu - other
			// RespAff: the head, sometimes a second head or anyone else.
			ra := []int{0}
			if s.staff > 1 && r.IntN(100) < 35 {
				ra = append(ra, 1+r.IntN(s.staff-1))
			}
			if s.staff > 1 && r.IntN(100) < 10 {
				ra = append(ra, 1+r.IntN(s.staff-1))
			}
			for local := 0; local < s.staff; local++ {
				n++
				if n%ctxEvery == 0 {
					if err := ctx.Err(); err != nil {
						return n, nil, fmt.Errorf("synth: write %s: %w", out.name, err)
					}
				}
				role := roleHead
				switch t := local - heads; {
				case t < 0:
				case t < teachers:
					role = roleTeacher
				case t < teachers+libs:
					role = roleLibrarian
				case t < teachers+libs+edu:
					role = roleEducation
				default:
					role = roleStaff
				}
				isRA := false
				for _, k := range ra {
					isRA = isRA || k == local
				}
				st := w.member(n, sc, si, local, heads, role, isRA)
				line = appendStaff(line[:0], st)
				if err := out.write(line); err != nil {
					return n, nil, err
				}
			}
		}
	}
	return n, w.respAff, nil
}

// member generates one member of staff whose main establishment is
// sc[si], with a second establishment for about one in ten.
func (w *staffWriter) member(n int, sc []*school, si, local, heads, role int, isRA bool) *source.Staff {
	r, g, s := w.r, w.g, sc[si]
	st := &source.Staff{}
	st.ID = g.id('P', n)
	st.AttachmentUAI = s.uai
	male, first, last := g.person(r, &st.Identity, nil)
	st.BirthDate = birthDate(r, refYear-24-r.IntN(41))
	if !male && r.IntN(100) < 25 {
		if b := lastNames[r.IntN(len(lastNames))]; b != st.LastName {
			st.BirthName = b
		}
	}

	var disc *disciplineDef
	primary := w.entry(s, role, &disc)
	st.Schools = []source.StaffSchool{primary}

	// Where else does this person work, and as what?
	var s2 *school
	role2 := role
	if role == roleTeacher {
		if w.teachers%100 == 0 {
			w.crossDue = g.p.both
		}
		w.teachers++
	}
	switch {
	case role == roleHead:
		if local == 0 && len(s.cited) > 0 {
			// The principal of a cité scolaire heads its collège too.
			s2 = sc[s.cited[0]]
		} else if s.degree == gar.D1 && r.IntN(100) < 4 {
			// Some heads of écoles run a second, small one.
			s2 = g.p.near(r, s, gar.D1)
		}
	case !s.enabled && local == heads:
		// Make sure that some people work in an enabled and a disabled
		// establishment, whatever the size of the run.
		best := -1
		for j, o := range sc {
			if o.enabled && (best < 0 || abs(j-si) < abs(best-si)) {
				best = j
			}
		}
		if best >= 0 {
			s2 = sc[best]
		}
	case role == roleTeacher && w.crossDue:
		// About one teacher in a hundred, the very first included so that
		// small runs have one, also teaches in the other degree.
		other := gar.D1
		if s.degree == gar.D1 {
			other = gar.D2
		}
		s2 = g.p.near(r, s, other)
		w.crossDue = false
	case r.IntN(100) < 9:
		s2 = g.p.near(r, s, s.degree)
	}
	if s2 != nil {
		if role2 == roleLibrarian && s2.degree == gar.D1 {
			role2 = roleTeacher
		}
		st.Schools = append(st.Schools, w.entry(s2, role2, &disc))
	}

	// Mails: GAR only takes them in the second degree.
	var domain string
	switch {
	case s.degree == gar.D2:
		domain = s.domain
	case s2 != nil && s2.degree == gar.D2:
		domain = s2.domain
	}
	mailOf := func(domain string) []string {
		firstMail := g.girlMail[first]
		if male {
			firstMail = g.boyMail[first]
		}
		box := firstMail + "." + g.lastMail[last]
		if r.IntN(100) < 25 {
			box += itoa(1 + r.IntN(9)) // homonyms
		}
		mails := []string{box + "@" + domain}
		if r.IntN(100) < 15 {
			if alias := firstMail[:1] + "." + g.lastMail[last] + "@" + domain; alias != mails[0] {
				mails = append(mails, alias)
			}
		}
		return mails
	}
	if domain != "" {
		st.Mails = mailOf(domain)
	}

	if isRA {
		ra := source.RespAff{ID: st.ID, LastName: st.LastName, FirstName: st.FirstName,
			Civility: st.Civility, Mails: st.Mails, Establishments: []string{s.uai}}
		if ra.Mails == nil {
			ra.Mails = mailOf(s.domain)
		}
		if s2 != nil && role2 == roleHead {
			ra.Establishments = append(ra.Establishments, s2.uai)
		}
		w.respAff = append(w.respAff, ra)
	}
	return st
}

// entry builds what a member of staff does in s.
func (w *staffWriter) entry(s *school, role int, disc **disciplineDef) source.StaffSchool {
	r := w.r
	e := source.StaffSchool{UAI: s.uai}
	switch role {
	case roleHead:
		e.Profiles = []gar.Profile{gar.ProfileHead}
		if s.degree == gar.D1 && r.IntN(100) < 40 {
			// Most heads of small écoles also teach a class.
			e.Profiles = []gar.Profile{gar.ProfileTeacher, gar.ProfileHead}
			w.teach1D(s, &e)
		}
	case roleLibrarian:
		e.Profiles = []gar.Profile{gar.ProfileLibrarian}
		e.Disciplines = []string{disciplineLibrarian}
	case roleEducation:
		e.Profiles = []gar.Profile{gar.ProfileEducation}
	case roleStaff:
		e.Profiles = []gar.Profile{gar.ProfileStaff}
	default:
		e.Profiles = []gar.Profile{gar.ProfileTeacher}
		if s.degree == gar.D1 {
			w.teach1D(s, &e)
		} else {
			w.teach2D(s, &e, disc)
		}
	}
	return e
}

func (w *staffWriter) teach1D(s *school, e *source.StaffSchool) {
	r := w.r
	d := &s.divs[r.IntN(len(s.divs))]
	e.Disciplines = []string{specialites1D[r.IntN(len(specialites1D))]}
	for _, l := range d.levels {
		e.MEFSTAT4 = append(e.MEFSTAT4, levels1D[l].mefstat4)
	}
	e.Groups = []string{d.code}
}

// taught returns the positions in s.subjects of the subjects d covers.
func taught(s *school, d *disciplineDef) []int {
	var out []int
	for k, i := range s.subjects {
		for _, c := range d.subjects {
			if subjectTable[i].code == c {
				out = append(out, k)
			}
		}
	}
	return out
}

// teach2D gives a second-degree teacher a run of divisions (a teacher
// usually has several classes of the same level) and a few groups, for the
// subjects of their discipline. *disc carries the discipline from their
// main establishment to the second one.
func (w *staffWriter) teach2D(s *school, e *source.StaffSchool, disc **disciplineDef) {
	r := w.r
	var subj []int
	if *disc != nil {
		subj = taught(s, *disc)
	}
	if len(subj) == 0 {
		x := r.IntN(s.subjWeight[len(s.subjWeight)-1])
		k := 0
		for s.subjWeight[k] <= x {
			k++
		}
		*disc = disciplineFor(subjectTable[s.subjects[k]].code)
		subj = taught(s, *disc)
	}
	e.Disciplines = []string{(*disc).code}

	var whole []string
	for _, k := range subj {
		if !subjectTable[s.subjects[k]].groupOnly {
			whole = append(whole, subjectTable[s.subjects[k]].code)
		}
	}
	total := 0
	for _, k := range subj {
		total += len(s.groupsBySubj[k])
	}
	nGroups := r.IntN(3)
	nd := min(2+r.IntN(5), len(s.divs))
	if len(whole) == 0 {
		// Second languages and options are taught to groups; only when
		// the school has no such group does the teacher take whole
		// classes for them.
		if total > 0 {
			nd, nGroups = 0, 2+r.IntN(3)
		} else {
			whole = []string{subjectTable[s.subjects[subj[0]]].code}
		}
	}

	// MEFs taught: those of the divisions taught, directly or through
	// a group.
	var mefPos []int
	addMEF := func(d *division) {
		if !containsInt(mefPos, d.mef) {
			mefPos = append(mefPos, d.mef)
		}
	}
	start := r.IntN(len(s.divs))
	for j := 0; j < nd; j++ {
		d := &s.divs[(start+j)%len(s.divs)]
		e.Teaching = append(e.Teaching, source.Teaching{Group: d.code, Subjects: whole})
		e.Groups = append(e.Groups, d.code)
		addMEF(d)
	}

	for ; nGroups > 0 && total > 0; nGroups-- {
		x := r.IntN(total)
		var gi int
		for _, k := range subj {
			if l := s.groupsBySubj[k]; x < len(l) {
				gi = l[x]
				break
			} else {
				x -= len(l)
			}
		}
		g := &s.groups[gi]
		if containsStr(e.Groups, g.code) {
			continue
		}
		e.Teaching = append(e.Teaching, source.Teaching{Group: g.code,
			Subjects: []string{subjectTable[s.subjects[g.subj]].code}})
		e.Groups = append(e.Groups, g.code)
		for _, j := range g.divs {
			addMEF(&s.divs[j])
		}
	}
	sortInts(mefPos)
	for _, k := range mefPos {
		e.MEFs = append(e.MEFs, mefTable[s.mefs[k]].code)
	}
}

// disciplineFor returns the discipline whose main subject is code, or else
// the first one that teaches it.
func disciplineFor(code string) *disciplineDef {
	var found *disciplineDef
	for i := range disciplineTable {
		d := &disciplineTable[i]
		if d.subjects[0] == code {
			return d
		}
		if found == nil && containsStr(d.subjects, code) {
			found = d
		}
	}
	return found
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}
