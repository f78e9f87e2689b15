package export

import (
	"context"
	"fmt"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// identity is a checked source.Identity.
type identity struct {
	id, secondary, last, birth, first, civility, birthDate, attach string
	others                                                         []string
}

func checkIdentity(s source.Identity) (identity, error) {
	var p identity
	var err error
	if p.id, err = key("id", s.ID, gar.MaxPersonID); err != nil {
		return p, err
	}
	if p.secondary, err = text("secondary_id", s.SecondaryID, gar.MaxSecondaryID, false); err != nil {
		return p, err
	}
	if p.last, err = text("last_name", s.LastName, gar.MaxName, true); err != nil {
		return p, err
	}
	if p.birth, err = text("birth_name", s.BirthName, gar.MaxName, false); err != nil {
		return p, err
	}
	if p.first, err = text("first_name", s.FirstName, gar.MaxName, true); err != nil {
		return p, err
	}
	if p.others, err = texts("other_first_names", s.OtherFirstNames, gar.MaxName, false); err != nil {
		return p, err
	}
	if len(p.others) == 0 {
		// The grammar wants at least one: "à défaut le prénom usuel seul".
		p.others = []string{p.first}
	}
	if p.civility, err = text("civility", s.Civility, gar.MaxCivility, false); err != nil {
		return p, err
	}
	if p.birthDate, err = date("birth_date", s.BirthDate); err != nil {
		return p, err
	}
	if p.attach, err = code("attachment_uai", s.AttachmentUAI, gar.MaxUAI, false); err != nil {
		return p, err
	}
	return p, nil
}

// writeIdentity writes the GARIdentite part of a GAREleve or GAREnseignant:
// everything up to GARPersonStructRattach, for the given profiles.
func (n *node) writeIdentity(p identity, profiles [][2]string, schools []string) {
	n.field(2, "GARPersonIdentifiant", p.id)
	for _, pr := range profiles {
		n.open(2, "GARPersonProfils")
		n.field(3, "GARStructureUAI", pr[0])
		n.field(3, "GARPersonProfil", pr[1])
		n.close(2, "GARPersonProfils")
	}
	n.optional(2, "GARPersonIdSecondaire", p.secondary)
	n.optional(2, "GARPersonNomPatro", p.birth)
	n.field(2, "GARPersonNom", p.last)
	n.field(2, "GARPersonPrenom", p.first)
	n.fields(2, "GARPersonAutresPrenoms", p.others)
	n.optional(2, "GARPersonCivilite", p.civility)
	// The administrative attachment is only sent when it is one of the
	// person's establishments in this archive: GAR knows no other.
	if contains(schools, p.attach) {
		n.field(2, "GARPersonStructRattach", p.attach)
	}
}

// school is one establishment of a person, checked and resolved.
type school struct {
	uai     string
	degree  gar.Degree
	mefs    []string // GARMEFCode (2D) or GARMEFSTAT4Code (1D)
	subject []string
	groups  []string
	// staff only
	profiles    []string
	disciplines []string
	teaching    []teaching
}

type teaching struct {
	group    string
	division bool
	subjects []string
}

// personLinks checks what a person's school entry refers to. Unknown
// references are dropped one by one and reported; the caller rejects the
// record only when nothing is left of it.
type linkChecker struct {
	r    *run
	c    *RecordCount
	pos  source.Pos
	id   string
	err  error // a *BadRecordError stopping the run
	kept bool
}

func (l *linkChecker) drop(format string, args ...any) {
	if l.err == nil {
		l.err = l.r.drop(l.c, l.pos, l.id, fmt.Sprintf(format, args...))
	}
}

// mefs keeps the MEF codes (2D) or MEFSTAT4 codes (1D) that fit the school.
func (l *linkChecker) mefs(s *school, mefs, stat4 []string) {
	if s.degree == gar.D2 {
		for _, m := range mefs {
			m = gar.NormalizeCode(m)
			if _, ok := l.r.mefSet[uaiCode{s.uai, m}]; !ok {
				l.drop("mefs: MEF %s is not defined for %s in %s", m, s.uai, source.FileMEFs)
				continue
			}
			if !contains(s.mefs, m) {
				s.mefs = append(s.mefs, m)
			}
		}
		if len(stat4) > 0 {
			l.drop("mefstat4: MEFSTAT4 codes are first-degree only (%s is a second-degree establishment)", s.uai)
		}
		return
	}
	for _, m := range stat4 {
		v, err := text("mefstat4", m, gar.MaxMEFSTAT4, false)
		if err != nil {
			l.drop("%v", err)
			continue
		}
		if v != "" && !contains(s.mefs, v) {
			s.mefs = append(s.mefs, v)
		}
	}
	if len(mefs) > 0 {
		l.drop("mefs: MEF codes are second-degree only (%s is a first-degree school)", s.uai)
	}
}

func (l *linkChecker) subjects(s *school, field string, subjects []string) []string {
	var out []string
	for _, m := range subjects {
		m = gar.NormalizeCode(m)
		if _, ok := l.r.subjectSet[uaiCode{s.uai, m}]; !ok {
			l.drop("%s: subject %s is not defined for %s in %s", field, m, s.uai, source.FileSubjects)
			continue
		}
		if !contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func (l *linkChecker) groups(s *school, groups []string) {
	for _, g := range groups {
		g = gar.NormalizeCode(g)
		if _, ok := l.r.groupSet[uaiCode{s.uai, g}]; !ok {
			l.drop("groups: group %s is not defined for %s in %s", g, s.uai, source.FileGroups)
			continue
		}
		if !contains(s.groups, g) {
			s.groups = append(s.groups, g)
		}
	}
}

// resolve checks one school entry's UAI. It returns nil when the entry is
// not exported (filtered establishment, or a degree not being exported).
func (l *linkChecker) resolve(uaiField, v string, seen []*school, all *[]gar.Degree) (*school, error) {
	uai, e, err := l.r.lookup(uaiField, v)
	if err != nil {
		return nil, err
	}
	if et := l.r.etabs[uai]; !contains(*all, et.degree) {
		*all = append(*all, et.degree)
	}
	for _, s := range seen {
		if s.uai == uai {
			l.drop("%s: establishment %s listed twice", uaiField, uai)
			return nil, nil
		}
	}
	if e == nil || l.r.outs[e.degree] == nil {
		return nil, nil
	}
	return &school{uai: uai, degree: e.degree}, nil
}

// pupils streams pupils.jsonl into the Eleve files and the pupils'
// GARPersonGroupe.
func (r *run) pupils(ctx context.Context) error {
	c := r.counter(source.FilePupils)
	ids := r.idSet(ctx, source.FilePupils, func(ctx context.Context, yield func(string, int) bool) error {
		return r.src.Pupils(ctx, func(rec source.Record[source.Pupil]) error {
			if rec.Err == nil && !yield(rec.Value.ID, rec.Pos.Line) {
				return errScanDone
			}
			return nil
		})
	})
	err := r.src.Pupils(ctx, func(rec source.Record[source.Pupil]) error {
		c.Read++
		r.progress(ctx, source.FilePupils, c.Read)
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		pu := &rec.Value
		p, err := checkIdentity(pu.Identity)
		if err != nil {
			return r.reject(c, rec.Pos, pu.ID, err)
		}
		if at, err := ids.add(p.id, rec.Pos.Line); err != nil {
			return err
		} else if at != 0 {
			return r.reject(c, rec.Pos, p.id, fmt.Errorf("duplicate id, first defined at line %d", at))
		}
		r.respAffPupil(p.id, rec.Pos)
		if len(pu.Schools) == 0 {
			return r.reject(c, rec.Pos, p.id, &fieldError{"schools", "a pupil needs at least one establishment"})
		}
		l := &linkChecker{r: r, c: c, pos: rec.Pos, id: p.id}
		var schools []*school
		var degrees []gar.Degree
		for _, ps := range pu.Schools {
			s, err := l.resolve("schools.uai", ps.UAI, schools, &degrees)
			if err != nil {
				return r.reject(c, rec.Pos, p.id, err)
			}
			if s == nil {
				continue
			}
			l.mefs(s, ps.MEFs, ps.MEFSTAT4)
			if s.degree == gar.D2 {
				s.subject = l.subjects(s, "subjects", ps.Subjects)
			} else if len(ps.Subjects) > 0 {
				l.drop("subjects: subjects are second-degree only (%s is a first-degree school)", s.uai)
			}
			l.groups(s, ps.Groups)
			schools = append(schools, s)
		}
		if l.err != nil {
			return l.err
		}
		if len(degrees) > 1 {
			return r.reject(c, rec.Pos, p.id, fmt.Errorf("a pupil cannot attend a first-degree school and a second-degree establishment at once"))
		}
		if len(schools) == 0 {
			c.Filtered++
			return nil
		}
		c.Exported++
		return r.writePupil(p, schools)
	})
	if err != nil {
		return err
	}
	for _, d := range r.opts.Degrees {
		if err := r.outs[d].files[gar.FileEleve].finish(); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) writePupil(p identity, schools []*school) error {
	out := r.outs[schools[0].degree] // a pupil has one degree
	n := &r.node
	n.reset()
	n.open(1, "GAREleve")
	profiles := make([][2]string, len(schools))
	uais := make([]string, len(schools))
	for i, s := range schools {
		profiles[i] = [2]string{s.uai, string(gar.ProfilePupil)}
		uais[i] = s.uai
	}
	n.writeIdentity(p, profiles, uais)
	n.fields(2, "GARPersonEtab", uais)
	n.optional(2, "GARPersonDateNaissance", p.birthDate)
	n.close(1, "GAREleve")
	if err := out.add(gar.FileEleve, "GAREleve", n.b); err != nil {
		return err
	}
	if err := r.writeMEFs(out, gar.FileEleve, p.id, schools); err != nil {
		return err
	}
	for _, s := range schools {
		for _, m := range s.subject {
			n.reset()
			n.open(1, "GAREleveEnseignement")
			n.field(2, "GARStructureUAI", s.uai)
			n.field(2, "GARPersonIdentifiant", p.id)
			n.field(2, "GARMatiereCode", m)
			n.close(1, "GAREleveEnseignement")
			if err := out.add(gar.FileEleve, "GAREleveEnseignement", n.b); err != nil {
				return err
			}
		}
	}
	return r.writeMemberships(out, p.id, schools)
}

func (r *run) writeMEFs(out *degreeOut, t gar.FileType, id string, schools []*school) error {
	elem, field := "GARPersonMEF", "GARMEFCode"
	if out.degree == gar.D1 {
		elem, field = "GARPersonMEFSTAT4", "GARMEFSTAT4Code"
	}
	n := &r.node
	for _, s := range schools {
		for _, m := range s.mefs {
			n.reset()
			n.open(1, elem)
			n.field(2, "GARStructureUAI", s.uai)
			n.field(2, "GARPersonIdentifiant", id)
			n.field(2, field, m)
			n.close(1, elem)
			if err := out.add(t, elem, n.b); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) writeMemberships(out *degreeOut, id string, schools []*school) error {
	n := &r.node
	for _, s := range schools {
		for _, g := range s.groups {
			n.reset()
			n.open(1, "GARPersonGroupe")
			n.field(2, "GARStructureUAI", s.uai)
			n.field(2, "GARPersonIdentifiant", id)
			n.field(2, "GARGroupeCode", g)
			n.close(1, "GARPersonGroupe")
			if err := out.add(gar.FileGroupe, "GARPersonGroupe", n.b); err != nil {
				return err
			}
		}
	}
	return nil
}
