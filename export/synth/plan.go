package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/entgar/entgar/gar"
)

// school is everything the generator keeps about one establishment. Schools
// are few (one per 150 to 500 pupils), so keeping their divisions and groups
// in memory costs little and lets pupils and staff be streamed.
type school struct {
	idx      int // position in plan.byDegree[degree]
	uai      string
	degree   gar.Degree
	name     string
	enabled  bool
	contract string
	phone    string
	email    string
	attach   string // functional attachment (head of the cité scolaire)
	dep      int    // index in departments
	domain   string // academy mail domain
	lycee    bool
	private  bool

	mefs     []int // indexes in mefTable, in table order
	subjects []int // indexes in subjectTable, in table order
	// subjWeight holds cumulative teacher weights of subjects so that a
	// teacher's subject is drawn in proportion to the hours it needs.
	subjWeight []int
	// coreSubj lists the positions in subjects of the subjects taught to
	// whole divisions; pupils draw most of their subjects from them.
	coreSubj []int
	divs     []division
	groups   []group
	// groupsBySubj lists, per position in subjects, the groups of that
	// subject, so that teachers find theirs without scanning every group.
	groupsBySubj [][]int

	pupils int
	staff  int
	// cited lists the positions of the collèges whose functional
	// attachment is this lycée: its principal heads them too.
	cited []int
}

// division is a class of a school.
type division struct {
	code, label string
	mef         int   // 2D: position in school.mefs
	levels      []int // 1D: indexes in levels1D (several in a multi-level class)
	size        int
	cands       []int // 2D: positions in school.groups of groups drawing from it
}

// group is a GROUPE group of a second-degree school.
type group struct {
	code, label string
	subj        int // position in school.subjects
	family      int
	level       int
	divs        []int // positions in school.divs
}

// plan is the fixed part of a generation: establishments and their
// reference data, and how many pupils and staff each one receives.
type plan struct {
	schools []*school
	// byDegree indexes schools per degree, 1D first.
	byDegree [3][]*school
	// byDep indexes them per degree and department, to find a school
	// near another.
	byDep [3][][]*school
	both  bool
}

// counts is what Options mean for one degree once defaults are applied.
type counts struct {
	degree                 gar.Degree
	pupils, staff, schools int
}

// split applies defaults and the 40/60 split of Options between degrees.
func split(o Options) ([]counts, error) {
	if o.Pupils < 0 || o.Teachers < 0 || o.Schools < 0 {
		return nil, fmt.Errorf("synth: negative count in options (pupils %d, teachers %d, schools %d)", o.Pupils, o.Teachers, o.Schools)
	}
	var want [3]bool
	for _, d := range o.Degrees {
		if !d.Valid() {
			return nil, fmt.Errorf("synth: invalid degree %d", int(d))
		}
		want[d] = true
	}
	if len(o.Degrees) == 0 {
		want[gar.D1], want[gar.D2] = true, true
	}
	teachers := o.Teachers
	if teachers == 0 {
		teachers = o.Pupils / 14
	}
	var out []counts
	if want[gar.D1] && want[gar.D2] {
		out = []counts{
			{gar.D1, o.Pupils * 2 / 5, teachers * 2 / 5, o.Schools * 2 / 5},
			{gar.D2, o.Pupils - o.Pupils*2/5, teachers - teachers*2/5, o.Schools - o.Schools*2/5},
		}
	} else {
		d := gar.D1
		if want[gar.D2] {
			d = gar.D2
		}
		out = []counts{{d, o.Pupils, teachers, o.Schools}}
	}
	for i := range out {
		c := &out[i]
		if o.Schools == 0 {
			per := 500
			if c.degree == gar.D1 {
				per = 150
			}
			c.schools = (c.pupils + per - 1) / per
		}
		c.schools = max(c.schools, 1)
	}
	return out, nil
}

// shares splits total into len(weights) integers proportional to weights,
// summing exactly to total. Integer arithmetic keeps the result identical
// on every architecture (floating-point contraction differs between them).
func shares(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	if sum == 0 {
		return out
	}
	cum, prev := 0, 0
	for i, w := range weights {
		cum += w
		end := int(int64(total) * int64(cum) / int64(sum))
		out[i] = end - prev
		prev = end
	}
	return out
}

// uaiAllocator hands out unique UAIs: per department and degree a counter
// moving forward by small random gaps, 1D numbers in 1000-9999 and 2D
// numbers in 0001-0999, so that the two degrees never collide.
type uaiAllocator struct {
	next [][3]int
}

func newUAIAllocator() *uaiAllocator {
	a := &uaiAllocator{next: make([][3]int, len(departments))}
	for i := range a.next {
		a.next[i][gar.D1] = 1000
		a.next[i][gar.D2] = 1
	}
	return a
}

// alloc returns a new UAI of degree d, in department prefer when it is not
// negative and still has room, and the department's index.
func (a *uaiAllocator) alloc(r *rand.Rand, d gar.Degree, prefer int) (string, int, error) {
	limit := 999
	if d == gar.D1 {
		limit = 9999
	}
	start := prefer
	if start < 0 {
		start = r.IntN(len(departments))
	}
	for k := range departments {
		i := (start + k) % len(departments)
		n := a.next[i][d] + r.IntN(4)
		if n > limit {
			continue
		}
		a.next[i][d] = n + 1
		num, _ := strconv.Atoi(departments[i].code)
		full := num*10000 + n
		return fmt.Sprintf("%07d%c", full, uaiKeyLetters[full%len(uaiKeyLetters)]), i, nil
	}
	return "", 0, fmt.Errorf("synth: too many %s establishments for the UAI ranges", d)
}

// newPlan builds the establishments and their reference data.
func newPlan(r *rand.Rand, cs []counts) (*plan, error) {
	p := &plan{both: len(cs) == 2}
	ua := newUAIAllocator()
	for _, c := range cs {
		p.byDep[c.degree] = make([][]*school, len(departments))
		last := -1
		for i := 0; i < c.schools; i++ {
			s := &school{idx: len(p.byDegree[c.degree]), degree: c.degree, enabled: true}
			s.private = r.IntN(100) < 18
			s.lycee = c.degree == gar.D2 && r.IntN(100) < 30
			// Consecutive schools mostly share a department, so that
			// people working in two establishments find one nearby.
			prefer := -1
			if last >= 0 && r.IntN(100) < 80 {
				prefer = last
			}
			// A few public collèges form a cité scolaire with the last
			// public lycée created that has none yet, in its department.
			var head *school
			if c.degree == gar.D2 && !s.lycee && !s.private && r.IntN(100) < 12 {
				sc := p.byDegree[gar.D2]
				for j := len(sc) - 1; j >= 0 && head == nil; j-- {
					if sc[j].lycee && !sc[j].private && len(sc[j].cited) == 0 {
						head = sc[j]
						prefer = head.dep
					}
				}
			}
			uai, dep, err := ua.alloc(r, c.degree, prefer)
			if err != nil {
				return nil, err
			}
			s.uai, s.dep, last = uai, dep, dep
			if head != nil && dep == head.dep {
				s.attach = head.uai
				head.cited = append(head.cited, len(p.byDegree[gar.D2]))
			}
			s.domain = "ac-" + departments[dep].academy + ".fr"
			s.contract = "PUBLIC"
			if s.private {
				s.contract = "PRIVE SOUS CONTRAT"
			}
			if r.IntN(100) < 92 {
				s.phone = fmt.Sprintf("+33 %d %02d %02d %02d %02d", departments[dep].phoneZone,
					10+r.IntN(90), r.IntN(100), r.IntN(100), r.IntN(100))
			}
			if r.IntN(100) < 95 {
				s.email = "ce." + lowerASCII(uai) + "@" + s.domain
			}
			p.schools = append(p.schools, s)
			p.byDegree[c.degree] = append(p.byDegree[c.degree], s)
			p.byDep[c.degree][dep] = append(p.byDep[c.degree][dep], s)
		}
		sc := p.byDegree[c.degree]
		w := make([]int, len(sc))
		for i, s := range sc {
			switch {
			case c.degree == gar.D1:
				w[i] = 60 + r.IntN(81)
			case s.lycee:
				w[i] = 130 + r.IntN(71)
			default:
				w[i] = 80 + r.IntN(41)
			}
		}
		for i, n := range shares(c.pupils, w) {
			sc[i].pupils = n
		}
		p.allocStaff(sc, c.staff)
	}
	p.disable()
	for _, s := range p.schools {
		if s.degree == gar.D1 {
			build1D(r, s)
		} else {
			build2D(r, s)
		}
	}
	p.name(r)
	return p, nil
}

// allocStaff gives every school one member of staff (its head) when there
// are enough, then shares the rest in proportion to pupils.
func (p *plan) allocStaff(sc []*school, total int) {
	if total < len(sc) {
		for i := 0; i < total; i++ {
			sc[i].staff = 1
		}
		return
	}
	w := make([]int, len(sc))
	for i, s := range sc {
		w[i] = s.pupils + 1 // +1: schools without pupils still share
	}
	for i, n := range shares(total-len(sc), w) {
		sc[i].staff = 1 + n
	}
}

// disable marks about one establishment in twenty as not enabled for GAR,
// spread evenly over the list, at least one as soon as there are three.
func (p *plan) disable() {
	total := len(p.schools)
	n := total / 20
	if n == 0 && total >= 3 {
		n = 1
	}
	for j := 0; j < n; j++ {
		p.schools[(2*j+1)*total/(2*n)].enabled = false
	}
}

// name names every establishment, once its kind and MEFs are known.
func (p *plan) name(r *rand.Rand) {
	for _, s := range p.schools {
		s.name = schoolName(r, s)
	}
}

// near returns a school of degree d other than s, in the same department
// when there is one, else next to s in the list (same degree) or anywhere
// (other degree); nil when there is no other school of degree d.
func (p *plan) near(r *rand.Rand, s *school, d gar.Degree) *school {
	local := p.byDep[d][s.dep]
	if n := len(local); n > 1 || n == 1 && local[0] != s {
		for {
			if o := local[r.IntN(n)]; o != s {
				return o
			}
		}
	}
	all := p.byDegree[d]
	switch {
	case d != s.degree && len(all) > 0:
		return all[r.IntN(len(all))]
	case d == s.degree && len(all) > 1:
		off := 1 + r.IntN(min(4, len(all)-1))
		if r.IntN(2) == 0 {
			off = len(all) - off
		}
		return all[(s.idx+off)%len(all)]
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func schoolName(r *rand.Rand, s *school) string {
	if s.private {
		who := privateNamesakes[r.IntN(len(privateNamesakes))]
		switch {
		case s.degree == gar.D1:
			return "École privée " + who
		case s.lycee:
			return "Lycée privé " + who
		}
		return "Collège privé " + who
	}
	who := publicNamesakes[r.IntN(len(publicNamesakes))]
	if s.degree == gar.D1 {
		if r.IntN(100) < 60 {
			return "École élémentaire " + who
		}
		return "École primaire " + who
	}
	if !s.lycee {
		return "Collège " + who
	}
	techno, pro := false, false
	for _, m := range s.mefs {
		switch c := mefTable[m].code; c[0] {
		case '2':
			if c[1] == '4' {
				pro = true
			} else if c[1] == '1' {
				techno = true
			}
		}
	}
	// Every lycée here teaches the general track, so none is purely
	// professionnel.
	switch {
	case pro:
		return "Lycée polyvalent " + who
	case techno:
		return "Lycée général et technologique " + who
	}
	return "Lycée général " + who
}

// divisionCount returns how many classes of about 24 to 29 pupils, never
// more than 30, hold n pupils; every school has at least one, even without
// pupils, so that staff always have a class to teach.
func divisionCount(r *rand.Rand, n int) int {
	target := 24 + r.IntN(6)
	nd := max(1, (n+target/2)/target)
	if n > 30*nd {
		nd++
	}
	return nd
}

// fill sets division sizes so that they add up to the school's pupils.
func fill(divs []division, pupils int) {
	for i := range divs {
		divs[i].size = pupils / len(divs)
		if i < pupils%len(divs) {
			divs[i].size++
		}
	}
}

// build1D makes the classes of an école élémentaire: the five levels are
// spread over the classes in order, so that a school with fewer classes
// than levels gets multi-level ones such as CE2/CM1.
func build1D(r *rand.Rand, s *school) {
	nd := divisionCount(r, s.pupils)
	s.divs = make([]division, nd)
	nl := len(levels1D)
	seen := map[string]int{}
	for j := range s.divs {
		lo := nl * j / nd
		hi := (nl*(j+1)+nd-1)/nd - 1
		d := &s.divs[j]
		for l := lo; l <= hi; l++ {
			d.levels = append(d.levels, l)
		}
		var base, label string
		switch {
		case lo == 0 && hi == nl-1:
			base, label = "CLASSE UNIQUE", "Classe unique"
		case lo == hi:
			base, label = levels1D[lo].code, levels1D[lo].label
		default:
			for l := lo; l <= hi; l++ {
				if l > lo {
					base += "/"
				}
				base += levels1D[l].code
			}
			label = "Classe de " + base
		}
		k := seen[base]
		seen[base]++
		// Single-level classes are lettered (CP-A, CP-B); a multi-level
		// one only when the school has two of them.
		if lo == hi || k > 0 {
			d.code, d.label = base+"-"+letters(k), label+" "+letters(k)
		} else {
			d.code, d.label = base, label
		}
	}
	fill(s.divs, s.pupils)
}

// letters numbers classes A, B, ..., Z, AA, AB... as schools do.
func letters(k int) string {
	var b []byte
	for k++; k > 0; k = (k - 1) / 26 {
		b = append([]byte{byte('A' + (k-1)%26)}, b...)
	}
	return string(b)
}

// pickSome returns the indexes of table rows accepted by ok, the core ones
// first and then, in random order, others up to n in all, sorted back into
// table order so that files read naturally.
func pickSome(r *rand.Rand, rows int, n int, ok func(i int) bool, core func(i int) bool) []int {
	var out, extra []int
	for i := 0; i < rows; i++ {
		if !ok(i) {
			continue
		}
		if core(i) {
			out = append(out, i)
		} else {
			extra = append(extra, i)
		}
	}
	r.Shuffle(len(extra), func(i, j int) { extra[i], extra[j] = extra[j], extra[i] })
	if k := n - len(out); k > 0 {
		out = append(out, extra[:min(k, len(extra))]...)
	}
	sortInts(out)
	return out
}

// pickMEFs returns the MEFs of a collège or lycée, in table order: the
// core ones, then whole series in random order while there are fewer than
// n and the series fits within 15.
func pickMEFs(r *rand.Rand, lycee bool, n int) []int {
	var out []int
	var series []string
	for i, m := range mefTable {
		switch {
		case m.lycee != lycee:
		case m.core:
			out = append(out, i)
		case !containsStr(series, m.series):
			series = append(series, m.series)
		}
	}
	r.Shuffle(len(series), func(i, j int) { series[i], series[j] = series[j], series[i] })
	for _, name := range series {
		if len(out) >= n {
			break
		}
		var add []int
		for i, m := range mefTable {
			if m.lycee == lycee && m.series == name && !m.core {
				add = append(add, i)
			}
		}
		if len(out)+len(add) <= 15 {
			out = append(out, add...)
		}
	}
	sortInts(out)
	return out
}

// sortInts is an insertion sort: the slices are a handful of elements.
func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// build2D makes the MEFs, subjects, divisions and groups of a collège or a
// lycée.
func build2D(r *rand.Rand, s *school) {
	s.mefs = pickMEFs(r, s.lycee, 8+r.IntN(8))
	s.subjects = pickSome(r, len(subjectTable), 8+r.IntN(8),
		func(i int) bool {
			return s.lycee && subjectTable[i].lycee || !s.lycee && subjectTable[i].college
		},
		func(i int) bool { return subjectTable[i].core })
	cum := 0
	s.subjWeight = make([]int, len(s.subjects))
	for k, i := range s.subjects {
		cum += subjectTable[i].weight
		s.subjWeight[k] = cum
		if !subjectTable[i].groupOnly {
			s.coreSubj = append(s.coreSubj, k)
		}
	}

	// Divisions per MEF in proportion to the MEF's weight, lettered (or
	// numbered in lycées) within the MEF. Some schools write "6A", others
	// "6EME A".
	nd := divisionCount(r, s.pupils)
	w := make([]int, len(s.mefs))
	for k, m := range s.mefs {
		w[k] = mefTable[m].weight
	}
	long := r.IntN(100) < 30
	used := map[string]bool{}
	s.divs = make([]division, 0, nd)
	for k, n := range shares(nd, w) {
		m := &mefTable[s.mefs[k]]
		for j := 0; j < n; j++ {
			suffix := letters(j)
			if m.numbered {
				suffix = strconv.Itoa(j + 1)
			}
			prefix := m.short
			if long {
				prefix = m.long
			}
			code := prefix + suffix
			for used[code] {
				code += "X"
			}
			used[code] = true
			s.divs = append(s.divs, division{code: code, label: m.divLabel + " " + suffix, mef: k})
		}
	}
	fill(s.divs, s.pupils)

	// Groups: per kind of group the school teaches, per level, the level's
	// divisions split into groups of about three divisions each.
	s.groupsBySubj = make([][]int, len(s.subjects))
	for _, gd := range groupTable {
		subj := -1
		for k, i := range s.subjects {
			if subjectTable[i].code == gd.subject {
				subj = k
			}
		}
		if subj < 0 || r.IntN(100) >= 80 {
			continue
		}
		for _, lvl := range gd.levels {
			var from []int
			for j, d := range s.divs {
				m := &mefTable[s.mefs[d.mef]]
				if m.grouped && m.level == lvl {
					from = append(from, j)
				}
			}
			if len(from) == 0 {
				continue
			}
			ng := (len(from) + 2) / 3
			for g := 0; g < ng; g++ {
				code := gd.code + " " + levelTags2D[lvl]
				label := gd.label + " " + levelLabels2D[lvl]
				if ng > 1 {
					code += " G" + strconv.Itoa(g+1)
					label += " groupe " + strconv.Itoa(g+1)
				}
				for used[code] {
					code += "X"
				}
				used[code] = true
				gi := len(s.groups)
				grp := group{code: code, label: label, subj: subj, family: gd.family, level: lvl,
					divs: from[g*len(from)/ng : (g+1)*len(from)/ng]}
				for _, j := range grp.divs {
					s.divs[j].cands = append(s.divs[j].cands, gi)
				}
				s.groups = append(s.groups, grp)
				s.groupsBySubj[subj] = append(s.groupsBySubj[subj], gi)
			}
		}
	}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
