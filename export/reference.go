package export

import (
	"context"
	"fmt"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// etab is what the run remembers of an establishment: few enough to keep.
type etab struct {
	degree   gar.Degree
	exported bool
	line     int
}

type uaiCode struct{ uai, code string }

type group struct {
	status string
	line   int // line of the accepted record in groups.jsonl
}

// establishments reads establishments.jsonl, remembers every valid one and
// writes GAREtab for those exported.
func (r *run) establishments(ctx context.Context) error {
	c := r.counter(source.FileEstablishments)
	err := r.src.Establishments(ctx, func(rec source.Record[source.Establishment]) error {
		c.Read++
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		e := rec.Value
		uai, err := code("uai", e.UAI, gar.MaxUAI, true)
		if err != nil {
			return r.reject(c, rec.Pos, e.UAI, err)
		}
		if !e.Degree.Valid() {
			return r.reject(c, rec.Pos, uai, &fieldError{"degree", "missing: must be \"1D\" or \"2D\""})
		}
		if prev, dup := r.etabs[uai]; dup {
			return r.reject(c, rec.Pos, uai, fmt.Errorf("duplicate establishment, first defined at line %d", prev.line))
		}
		name, err := text("name", e.Name, gar.MaxName, true)
		if err != nil {
			return r.reject(c, rec.Pos, uai, err)
		}
		contract, err := text("contract", e.Contract, gar.MaxContract, false)
		if err != nil {
			return r.reject(c, rec.Pos, uai, err)
		}
		phone, err := text("phone", e.Phone, gar.MaxPhone, false)
		if err != nil {
			return r.reject(c, rec.Pos, uai, err)
		}
		email, err := text("email", e.Email, gar.MaxMail, false)
		if err != nil {
			return r.reject(c, rec.Pos, uai, err)
		}
		attach, err := code("functional_attachment", e.FunctionalAttachment, gar.MaxLabel, false)
		if err != nil {
			return r.reject(c, rec.Pos, uai, err)
		}
		et := &etab{degree: e.Degree, line: rec.Pos.Line, exported: r.selected(uai, e.GAREnabled)}
		r.etabs[uai] = et
		out := r.outs[e.Degree]
		if !et.exported || out == nil {
			et.exported = false
			c.Filtered++
			return nil
		}
		c.Exported++
		n := &r.node
		n.reset()
		n.open(1, "GAREtab")
		n.field(2, "GARStructureUAI", uai)
		n.field(2, "GARStructureNomCourant", name)
		if e.Degree == gar.D2 {
			n.optional(2, "GAREtablissementStructRattachFctl", attach)
		}
		n.optional(2, "GARStructureContrat", contract)
		n.optional(2, "GARStructureTelephone", phone)
		n.optional(2, "GARStructureEmail", email)
		n.close(1, "GAREtab")
		return out.add(gar.FileEtab, "GAREtab", n.b)
	})
	if err != nil {
		return err
	}
	for _, uai := range r.opts.Include {
		if _, ok := r.etabs[gar.NormalizeCode(uai)]; !ok {
			r.log.Warn("establishment listed in export.establishments.include is not in the source", "uai", uai)
		}
	}
	return r.closeSection(gar.FileEtab, "GAREtab")
}

// selected applies the configured establishment filter.
func (r *run) selected(uai string, enabled bool) bool {
	if r.opts.OnlyGAREnabled && !enabled {
		return false
	}
	if len(r.include) > 0 && !r.include[uai] {
		return false
	}
	return !r.exclude[uai]
}

// lookup resolves a UAI used by another record. It returns the
// establishment when it is exported, nil when it is known but filtered out,
// and an error when the source does not define it.
func (r *run) lookup(field, v string) (string, *etab, error) {
	uai, err := code(field, v, gar.MaxUAI, true)
	if err != nil {
		return "", nil, err
	}
	e, ok := r.etabs[uai]
	if !ok {
		return uai, nil, &fieldError{field, fmt.Sprintf("unknown establishment %q (not in %s)", uai, source.FileEstablishments)}
	}
	if !e.exported {
		return uai, nil, nil
	}
	return uai, e, nil
}

// entry2D is what MEF and subject records share: a code and its label,
// defined for one second-degree establishment.
type entry2D struct{ uai, code, label string }

// checkEntry2D checks the parts MEF and subject records share and
// registers the (UAI, code) key in set. more checks the record's other
// fields. ok is false when the record is not exported: filtered out, or
// rejected and already reported.
func (r *run) checkEntry2D(c *RecordCount, pos source.Pos, uaiIn, codeIn, labelIn, kind string, set map[uaiCode]int, more func() error) (en entry2D, ok bool, err error) {
	uai, e, err := r.lookup("uai", uaiIn)
	if err != nil {
		return en, false, r.reject(c, pos, codeIn, err)
	}
	cd, err := code("code", codeIn, gar.MaxCode, true)
	if err != nil {
		return en, false, r.reject(c, pos, codeIn, err)
	}
	label, err := text("label", labelIn, gar.MaxLabel, true)
	if err == nil && more != nil {
		err = more()
	}
	if err != nil {
		return en, false, r.reject(c, pos, cd, err)
	}
	if e == nil {
		c.Filtered++
		return en, false, nil
	}
	if e.degree != gar.D2 {
		return en, false, r.reject(c, pos, cd, fmt.Errorf("%s in first-degree school %s: %ss are second-degree only", kind, uai, kind))
	}
	k := uaiCode{uai, cd}
	if line, dup := set[k]; dup {
		return en, false, r.reject(c, pos, cd, fmt.Errorf("duplicate %s %s in %s, first defined at line %d", kind, cd, uai, line))
	}
	set[k] = pos.Line
	c.Exported++
	return entry2D{uai, cd, label}, true, nil
}

// mefs reads mefs.jsonl into the set of MEF codes per establishment and
// writes GARMEF. The first degree has no MEF: it uses MEFSTAT4 codes on
// persons.
func (r *run) mefs(ctx context.Context) error {
	c := r.counter(source.FileMEFs)
	err := r.src.MEFs(ctx, func(rec source.Record[source.MEF]) error {
		c.Read++
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		m := rec.Value
		var attach, stat11 string
		en, ok, err := r.checkEntry2D(c, rec.Pos, m.UAI, m.Code, m.Label, "MEF", r.mefSet, func() (err error) {
			if attach, err = code("attachment", m.Attachment, gar.MaxCode, false); err != nil {
				return err
			}
			stat11, err = text("mefstat11", m.MEFSTAT11, gar.MaxMEFSTAT11, false)
			return err
		})
		if !ok {
			return err
		}
		n := &r.node
		n.reset()
		n.open(1, "GARMEF")
		n.field(2, "GARStructureUAI", en.uai)
		n.field(2, "GARMEFCode", en.code)
		n.field(2, "GARMEFLibelle", en.label)
		n.optional(2, "GARMEFRattach", attach)
		n.optional(2, "GARMEFSTAT11", stat11)
		n.close(1, "GARMEF")
		return r.outs[gar.D2].add(gar.FileEtab, "GARMEF", n.b)
	})
	if err != nil {
		return err
	}
	return r.closeSection2D(gar.FileEtab, "GARMEF")
}

// subjects reads subjects.jsonl and writes GARMatiere, then completes the
// Etab files.
func (r *run) subjects(ctx context.Context) error {
	c := r.counter(source.FileSubjects)
	err := r.src.Subjects(ctx, func(rec source.Record[source.Subject]) error {
		c.Read++
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		s := rec.Value
		en, ok, err := r.checkEntry2D(c, rec.Pos, s.UAI, s.Code, s.Label, "subject", r.subjectSet, nil)
		if !ok {
			return err
		}
		n := &r.node
		n.reset()
		n.open(1, "GARMatiere")
		n.field(2, "GARStructureUAI", en.uai)
		n.field(2, "GARMatiereCode", en.code)
		n.field(2, "GARMatiereLibelle", en.label)
		n.close(1, "GARMatiere")
		return r.outs[gar.D2].add(gar.FileEtab, "GARMatiere", n.b)
	})
	if err != nil {
		return err
	}
	if err := r.closeSection2D(gar.FileEtab, "GARMatiere"); err != nil {
		return err
	}
	for _, d := range r.opts.Degrees {
		if err := r.outs[d].files[gar.FileEtab].finish(); err != nil {
			return err
		}
	}
	return nil
}

// groups reads groups.jsonl twice: once to know every group and its status,
// then to write GARGroupe, whose GARGroupeDivAppartenance must name a
// division of the same establishment that may come later in the file.
func (r *run) groups(ctx context.Context) error {
	c := r.counter(source.FileGroups)
	err := r.src.Groups(ctx, func(rec source.Record[source.Group]) error {
		c.Read++
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		g := rec.Value
		uai, e, err := r.lookup("uai", g.UAI)
		if err != nil {
			return r.reject(c, rec.Pos, g.Code, err)
		}
		gc, err := code("code", g.Code, gar.MaxCode, true)
		if err != nil {
			return r.reject(c, rec.Pos, g.Code, err)
		}
		if _, err := text("label", g.Label, gar.MaxLabel, true); err != nil {
			return r.reject(c, rec.Pos, gc, err)
		}
		status := gar.NormalizeCode(g.Status)
		if status != gar.StatusDivision && status != gar.StatusGroup {
			return r.reject(c, rec.Pos, gc, &fieldError{"status", fmt.Sprintf("%q is neither DIVISION nor GROUPE", g.Status)})
		}
		if _, err := texts("divisions", g.Divisions, gar.MaxCode, true); err != nil {
			return r.reject(c, rec.Pos, gc, err)
		}
		if e == nil {
			c.Filtered++
			return nil
		}
		k := uaiCode{uai, gc}
		if prev, dup := r.groupSet[k]; dup {
			return r.reject(c, rec.Pos, gc, fmt.Errorf("duplicate group %s in %s, first defined at line %d", gc, uai, prev.line))
		}
		r.groupSet[k] = group{status: status, line: rec.Pos.Line}
		return nil
	})
	if err != nil {
		return err
	}
	err = r.src.Groups(ctx, func(rec source.Record[source.Group]) error {
		if rec.Err != nil {
			return nil
		}
		g := rec.Value
		uai := gar.NormalizeCode(g.UAI)
		gc := gar.NormalizeCode(g.Code)
		k := uaiCode{uai, gc}
		if gr, ok := r.groupSet[k]; !ok || gr.line != rec.Pos.Line {
			return nil // rejected, filtered or a duplicate: said in the first pass
		}
		c.Exported++
		label, _ := text("label", g.Label, gar.MaxLabel, true)
		divs, _ := texts("divisions", g.Divisions, gar.MaxCode, true)
		n := &r.node
		n.reset()
		n.open(1, "GARGroupe")
		n.field(2, "GARGroupeCode", gc)
		n.field(2, "GARStructureUAI", uai)
		n.field(2, "GARGroupeLibelle", label)
		status := r.groupSet[k].status
		n.field(2, "GARGroupeStatut", status)
		for _, d := range divs {
			why := ""
			switch dg, ok := r.groupSet[uaiCode{uai, d}]; {
			case status == gar.StatusDivision:
				why = "a division cannot belong to another division"
			case !ok:
				why = fmt.Sprintf("division %s is not a group of %s", d, uai)
			case dg.status != gar.StatusDivision:
				why = fmt.Sprintf("%s is a GROUPE, not a DIVISION", d)
			}
			if why != "" {
				if err := r.drop(c, rec.Pos, gc, "divisions: "+why); err != nil {
					return err
				}
				continue
			}
			n.field(2, "GARGroupeDivAppartenance", d)
		}
		n.close(1, "GARGroupe")
		return r.outs[r.etabs[uai].degree].add(gar.FileGroupe, "GARGroupe", n.b)
	})
	if err != nil {
		return err
	}
	return r.closeSection(gar.FileGroupe, "GARGroupe")
}
