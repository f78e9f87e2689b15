package export

import (
	"context"
	"fmt"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// staff streams staff.jsonl into the Enseignant files of both degrees and
// the staff's memberships and teaching links in the Groupe files.
func (r *run) staff(ctx context.Context) error {
	c := r.counter(source.FileStaff)
	ids := r.idSet(ctx, source.FileStaff, func(ctx context.Context, yield func(string, int) bool) error {
		return r.src.Staff(ctx, func(rec source.Record[source.Staff]) error {
			if rec.Err == nil && !yield(rec.Value.ID, rec.Pos.Line) {
				return errScanDone
			}
			return nil
		})
	})
	err := r.src.Staff(ctx, func(rec source.Record[source.Staff]) error {
		c.Read++
		r.progress(ctx, source.FileStaff, c.Read)
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		st := &rec.Value
		p, err := checkIdentity(st.Identity)
		if err != nil {
			return r.reject(c, rec.Pos, st.ID, err)
		}
		if at, err := ids.add(p.id, rec.Pos.Line); err != nil {
			return err
		} else if at != 0 {
			return r.reject(c, rec.Pos, p.id, fmt.Errorf("duplicate id, first defined at line %d", at))
		}
		mails, err := texts("mails", st.Mails, gar.MaxMail, false)
		if err != nil {
			return r.reject(c, rec.Pos, p.id, err)
		}
		if len(st.Schools) == 0 {
			return r.reject(c, rec.Pos, p.id, &fieldError{"schools", "a member of staff needs at least one establishment"})
		}
		l := &linkChecker{r: r, c: c, pos: rec.Pos, id: p.id}
		var schools []*school
		var degrees []gar.Degree
		for _, ss := range st.Schools {
			s, err := l.resolve("schools.uai", ss.UAI, schools, &degrees)
			if err != nil {
				return r.reject(c, rec.Pos, p.id, err)
			}
			if s == nil {
				continue
			}
			for _, pr := range ss.Profiles {
				switch {
				case pr == gar.ProfilePupil:
					l.drop("profiles: %s is the pupil profile; pupils belong in %s", pr, source.FilePupils)
				case !gar.AllowedForStaff(pr, s.degree):
					l.drop("profiles: %q is not a GAR profile for a %s establishment (%s)", pr, s.degree, s.uai)
				case !contains(s.profiles, string(pr)):
					s.profiles = append(s.profiles, string(pr))
				}
			}
			if len(s.profiles) == 0 {
				l.drop("profiles: no valid profile in %s: the establishment is left out", s.uai)
				continue
			}
			if s.disciplines, err = texts("disciplines", ss.Disciplines, gar.MaxCode, false); err != nil {
				return r.reject(c, rec.Pos, p.id, err)
			}
			l.mefs(s, ss.MEFs, ss.MEFSTAT4)
			l.groups(s, ss.Groups)
			if s.degree == gar.D1 && len(ss.Teaching) > 0 {
				l.drop("teaching: subjects taught per group are second-degree only (%s is a first-degree school)", s.uai)
			} else {
				l.teaching(s, ss.Teaching)
			}
			schools = append(schools, s)
		}
		if l.err != nil {
			return l.err
		}
		if len(schools) == 0 {
			c.Filtered++
			return nil
		}
		c.Exported++
		for _, d := range r.opts.Degrees {
			var in []*school
			for _, s := range schools {
				if s.degree == d {
					in = append(in, s)
				}
			}
			if len(in) > 0 {
				if err := r.writeStaff(r.outs[d], p, mails, in); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range r.opts.Degrees {
		for _, t := range []gar.FileType{gar.FileEnseignant, gar.FileGroupe} {
			if err := r.outs[d].files[t].finish(); err != nil {
				return err
			}
		}
	}
	return nil
}

// teaching checks the groups and subjects a teacher teaches, merging
// repeated groups so that the (UAI, person, group) key stays unique.
func (l *linkChecker) teaching(s *school, ts []source.Teaching) {
	for _, t := range ts {
		g := gar.NormalizeCode(t.Group)
		gr, ok := l.r.groupSet[uaiCode{s.uai, g}]
		if !ok {
			l.drop("teaching: group %s is not defined for %s in %s", g, s.uai, source.FileGroups)
			continue
		}
		subjects := l.subjects(s, "teaching.subjects", t.Subjects)
		if len(subjects) == 0 {
			l.drop("teaching: no known subject for group %s in %s", g, s.uai)
			continue
		}
		merged := false
		for i := range s.teaching {
			if s.teaching[i].group == g {
				for _, m := range subjects {
					if !contains(s.teaching[i].subjects, m) {
						s.teaching[i].subjects = append(s.teaching[i].subjects, m)
					}
				}
				merged = true
			}
		}
		if !merged {
			s.teaching = append(s.teaching, teaching{group: g, division: gr.status == gar.StatusDivision, subjects: subjects})
		}
	}
}

func (r *run) writeStaff(out *degreeOut, p identity, mails []string, schools []*school) error {
	n := &r.node
	n.reset()
	n.open(1, "GAREnseignant")
	var profiles [][2]string
	uais := make([]string, len(schools))
	for i, s := range schools {
		for _, pr := range s.profiles {
			profiles = append(profiles, [2]string{s.uai, pr})
		}
		uais[i] = s.uai
	}
	n.writeIdentity(p, profiles, uais)
	n.fields(2, "GARPersonEtab", uais)
	n.optional(2, "GARPersonDateNaissance", p.birthDate)
	postes, poste := "GAREnsDisciplinesPostes", "GAREnsDisciplinePosteCode"
	if out.degree == gar.D1 {
		postes, poste = "GAREnsSpecialitesPostes", "GAREnsSpecialitePosteCode"
	}
	for _, s := range schools {
		if len(s.disciplines) == 0 {
			continue
		}
		n.open(2, postes)
		n.field(3, "GARStructureUAI", s.uai)
		n.fields(3, poste, s.disciplines)
		n.close(2, postes)
	}
	if out.degree == gar.D2 {
		n.fields(2, "GARPersonMail", mails) // the 1D grammar has no mail for staff
	}
	n.close(1, "GAREnseignant")
	if err := out.add(gar.FileEnseignant, "GAREnseignant", n.b); err != nil {
		return err
	}
	if err := r.writeMEFs(out, gar.FileEnseignant, p.id, schools); err != nil {
		return err
	}
	if err := r.writeMemberships(out, p.id, schools); err != nil {
		return err
	}
	for _, s := range schools {
		for _, t := range s.teaching {
			elem := "GAREnsGroupeMatiere"
			if t.division {
				elem = "GAREnsClasseMatiere"
			}
			n.reset()
			n.open(1, elem)
			n.field(2, "GARStructureUAI", s.uai)
			n.field(2, "GARPersonIdentifiant", p.id)
			n.field(2, "GARGroupeCode", t.group)
			n.fields(2, "GARMatiereCode", t.subjects)
			n.close(1, elem)
			if err := out.add(gar.FileGroupe, elem, n.b); err != nil {
				return err
			}
		}
	}
	return nil
}
