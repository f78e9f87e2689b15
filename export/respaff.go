package export

import (
	"context"
	"fmt"
	"sort"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// respAff is a checked designation. There are at most a few per
// establishment, so they are kept in memory until the pupils have been read.
type respAff struct {
	pos                  source.Pos
	id, last, first, civ string
	mails                []string
	etabs                []string // exported establishments
	pupilAt              source.Pos
}

// loadRespAff reads respaff.jsonl before the pupils, so that a pupil
// designated as RespAff can be caught while the pupils stream by.
func (r *run) loadRespAff(ctx context.Context) error {
	c := r.counter(source.FileRespAff)
	seen := map[string]int{}
	return r.src.RespAff(ctx, func(rec source.Record[source.RespAff]) error {
		c.Read++
		if rec.Err != nil {
			return r.reject(c, rec.Pos, "", rec.Err)
		}
		v := rec.Value
		ra := &respAff{pos: rec.Pos}
		var err error
		if ra.id, err = key("id", v.ID, gar.MaxPersonID); err != nil {
			return r.reject(c, rec.Pos, v.ID, err)
		}
		if line, dup := seen[ra.id]; dup {
			return r.reject(c, rec.Pos, ra.id, fmt.Errorf("duplicate id, first defined at line %d (list every establishment in one record)", line))
		}
		seen[ra.id] = rec.Pos.Line
		if ra.last, err = text("last_name", v.LastName, gar.MaxName, true); err != nil {
			return r.reject(c, rec.Pos, ra.id, err)
		}
		if ra.first, err = text("first_name", v.FirstName, gar.MaxName, true); err != nil {
			return r.reject(c, rec.Pos, ra.id, err)
		}
		if ra.civ, err = text("civility", v.Civility, gar.MaxCivility, false); err != nil {
			return r.reject(c, rec.Pos, ra.id, err)
		}
		if ra.mails, err = texts("mails", v.Mails, gar.MaxMail, false); err != nil {
			return r.reject(c, rec.Pos, ra.id, err)
		}
		if len(ra.mails) == 0 {
			return r.reject(c, rec.Pos, ra.id, &fieldError{"mails", "a RespAff needs at least one mail address"})
		}
		if len(v.Establishments) == 0 {
			return r.reject(c, rec.Pos, ra.id, &fieldError{"establishments", "a RespAff needs at least one establishment"})
		}
		for _, u := range v.Establishments {
			uai, e, err := r.lookup("establishments", u)
			if err != nil {
				if err := r.drop(c, rec.Pos, ra.id, err.Error()); err != nil {
					return err
				}
				continue
			}
			if e != nil && r.outs[e.degree] != nil && !contains(ra.etabs, uai) {
				ra.etabs = append(ra.etabs, uai)
			}
		}
		if len(ra.etabs) == 0 {
			c.Filtered++
			return nil
		}
		r.respAffs[ra.id] = ra
		return nil
	})
}

// respAffPupil notes that a pupil has the id of a RespAff designation.
func (r *run) respAffPupil(id string, pos source.Pos) {
	if ra, ok := r.respAffs[id]; ok && ra.pupilAt.Line == 0 {
		ra.pupilAt = pos
	}
}

// writeRespAff writes the RespAff files. A pupil is never a RespAff, and
// an establishment has at most 50: beyond that the designations are kept in
// the order of their ids, so that the same source always gives the same
// choice, and the others are reported.
func (r *run) writeRespAff() error {
	c := r.counter(source.FileRespAff)
	list := make([]*respAff, 0, len(r.respAffs))
	for _, ra := range r.respAffs {
		list = append(list, ra)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	perEtab := map[string]int{}
	for _, ra := range list {
		if ra.pupilAt.Line != 0 {
			if err := r.reject(c, ra.pos, ra.id, fmt.Errorf("a pupil cannot be a RespAff (this id is a pupil at %s)", ra.pupilAt)); err != nil {
				return err
			}
			continue
		}
		var kept []string
		for _, uai := range ra.etabs {
			if perEtab[uai] >= gar.MaxRespAffPerEtab {
				if err := r.drop(c, ra.pos, ra.id, fmt.Sprintf("establishments: %s already has %d RespAff (GAR's limit); designations are kept in id order", uai, gar.MaxRespAffPerEtab)); err != nil {
					return err
				}
				continue
			}
			perEtab[uai]++
			kept = append(kept, uai)
		}
		if len(kept) == 0 {
			continue
		}
		c.Exported++
		for _, d := range r.opts.Degrees {
			var in []string
			for _, uai := range kept {
				if r.etabs[uai].degree == d {
					in = append(in, uai)
				}
			}
			if len(in) == 0 {
				continue
			}
			n := &r.node
			n.reset()
			n.open(1, "GARRespAff")
			n.field(2, "GARPersonIdentifiant", ra.id)
			n.field(2, "GARPersonNom", ra.last)
			n.field(2, "GARPersonPrenom", ra.first)
			n.optional(2, "GARPersonCivilite", ra.civ)
			n.fields(2, "GARPersonMail", ra.mails)
			n.fields(2, "GARRespAffEtab", in)
			n.close(1, "GARRespAff")
			if err := r.outs[d].add(gar.FileRespAff, "GARRespAff", n.b); err != nil {
				return err
			}
		}
	}
	return nil
}
