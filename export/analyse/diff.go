package analyse

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// subKind reports whether k is a sub-element of the calcul des écarts
// (profiles, disciplines, RespAff establishments, parent divisions), which
// has no functional key of its own in the grammar.
func subKind(k kind) bool {
	switch k {
	case kRespAffEtab, kPersonProfilsEleve, kPersonProfilsEnseignant, kEnsDisciplinesPostes, kEnsSpecialitesPostes, kGroupeDivAppartenance:
		return true
	}
	return false
}

// keys spills the node's records: its functional key (for duplicates
// across sub-files) and, when diffing, its content and sub-elements.
func (fc *fileCtx) keys(n *xsd.Node, k kind) {
	keyDef := fc.a.grammar.KeyOf(fc.ftype, n.Name)
	if keyDef == nil || fc.file > 0xFFFF {
		return
	}
	fc.kb = fc.kb[:0]
	fc.h.Reset()
	for _, name := range keyDef.Fields {
		v := n.Get(name)
		if v == nil {
			return
		}
		fc.h.Write(v)
		fc.h.WriteByte(0)
	}
	r := rec{kind: uint8(k), key: fc.h.Sum64(), file: uint16(fc.file), line: uint32(n.Line), arch: fc.arch()}
	diff := fc.a.opts.Previous != ""
	if diff {
		fc.h.Reset()
		for _, f := range n.Fields {
			if f.Parent != "" || f.Name == "GARRespAffEtab" || f.Name == "GARGroupeDivAppartenance" {
				continue
			}
			fc.h.WriteString(f.Name)
			fc.h.WriteByte(0)
			fc.h.Write(n.Value(f))
			fc.h.WriteByte(0)
		}
		r.val = fc.h.Sum64()
	}
	fc.a.spill.add(r)
	if !diff {
		return
	}
	id := n.Get("GARPersonIdentifiant")
	sub := func(sk kind, parts ...[]byte) {
		fc.a.spill.add(rec{kind: uint8(sk), key: fc.fp(parts...), file: uint16(fc.file), line: uint32(n.Line), arch: fc.arch()})
	}
	var uai []byte
	for _, f := range n.Fields {
		v := n.Value(f)
		switch {
		case f.Name == "GARStructureUAI" && f.Parent != "":
			uai = v
		case f.Parent == "GARPersonProfils" && f.Name == "GARPersonProfil":
			if k == kEleve {
				sub(kPersonProfilsEleve, id, uai, v)
			} else {
				sub(kPersonProfilsEnseignant, id, uai, v)
			}
		case f.Parent == "GAREnsDisciplinesPostes" && f.Name == "GAREnsDisciplinePosteCode":
			sub(kEnsDisciplinesPostes, id, uai, v)
		case f.Parent == "GAREnsSpecialitesPostes" && f.Name == "GAREnsSpecialitePosteCode":
			sub(kEnsSpecialitesPostes, id, uai, v)
		case f.Name == "GARRespAffEtab":
			sub(kRespAffEtab, id, v)
		case f.Name == "GARGroupeDivAppartenance":
			sub(kGroupeDivAppartenance, n.Get("GARGroupeCode"), n.Get("GARStructureUAI"), v)
		}
	}
}

func (fc *fileCtx) arch() uint8 {
	if fc.prev {
		return 1
	}
	return 0
}

// prevState reads the previous archive: only its records.
type prevState struct {
	files   []string
	grammar *xsd.Grammar
}

func (a *analysis) readPrevious(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open previous archive: %w", err)
	}
	defer f.Close()
	d := a.rep.Degree
	if n, err := gar.ParseName(filepath.Base(path)); err == nil && n.Kind == gar.KindArchive {
		if d.Valid() && n.Degree != d {
			return fmt.Errorf("previous archive %s is %s, the archive is %s", path, n.Degree, d)
		}
		// GAR computes the écarts per ENT: another idENT's archive would
		// make every person a deletion or an addition.
		if a.name.Ident != "" && n.Ident != a.name.Ident {
			return fmt.Errorf("previous archive %s is of idENT %s, the archive of %s", path, n.Ident, a.name.Ident)
		}
		if !d.Valid() {
			d = n.Degree
		}
	}
	if !d.Valid() {
		d = gar.D2
	}
	a.prev = &prevState{grammar: xsd.For(d)}
	if err := a.read(ctx, f, true); err != nil {
		return fmt.Errorf("previous archive %s: %w", path, err)
	}
	return nil
}

// file reads one XML file of the previous archive. Its grammar errors are
// not this archive's problem: GAR integrated it.
func (ps *prevState) file(ctx context.Context, a *analysis, p *pipeline, e entry) error {
	n, err := gar.ParseName(e.Name)
	if err != nil || n.Kind != gar.KindXML {
		_, err := io.Copy(io.Discard, e.Body)
		return err
	}
	idx := len(ps.files)
	ps.files = append(ps.files, e.Name)
	apply := func(j *job) {
		fc := &fileCtx{a: a, file: j.idx, name: j.name, ftype: j.ftype, prev: true}
		fc.h.SetSeed(a.seed)
		g := a.grammar
		a.grammar = ps.grammar
		j.log.Replay(func(node *xsd.Node) {
			if k, ok := nodeKind(j.ftype, node.Name); ok {
				fc.keys(node, k)
			}
		})
		a.grammar = g
	}
	if e.Size <= a.opts.streamAbove {
		j := p.get()
		j.idx, j.name, j.ftype, j.grammar, j.apply = idx, e.Name, n.Type, ps.grammar, apply
		return p.submit(j, e.Body, e.Size)
	}
	// A large entry is read and validated at once; its nodes go to the same
	// replay through a log of one node at a time.
	if err := p.drain(); err != nil {
		return err
	}
	j := &job{idx: idx, name: e.Name, ftype: n.Type}
	_, err = ps.grammar.Validate(ctx, e.Body, xsd.Options{Type: n.Type, OnNode: func(node *xsd.Node) {
		j.log.Reset()
		j.log.Add(node)
		apply(j)
	}})
	if err != nil {
		return &readErr{err}
	}
	return nil
}

// mergeKeys merges the spilled records: duplicates across sub-files, and
// the calcul des écarts when a previous archive was read.
func (a *analysis) mergeKeys(ctx context.Context) error {
	var diff [numKinds]ElementDiff
	persons, deleted := 0, 0
	err := a.spill.groups(ctx, func(g []rec) {
		k := kind(g[0].kind)
		cur, prev := 0, 0
		var first rec
		for i, r := range g {
			if r.arch == 1 {
				if prev == 0 {
					// compare contents with the first current one
					if cur > 0 && r.val != first.val {
						diff[k].Modification++
					}
				}
				prev++
				continue
			}
			if cur == 0 {
				first = r
			} else if !subKind(k) && r.file != g[i-1].file && a.filesDiffer(g[:i], r) {
				f := a.files[first.file].stat.Name
				if a.room(CtlKeyDuplicate) {
					a.add(Finding{Control: CtlKeyDuplicate, File: a.files[r.file].stat.Name, Line: int(r.line), Element: kindElement(k),
						Message: fmt.Sprintf("<%s> en double: la même clé fonctionnelle est déjà dans %s ligne %d; GAR ignore ce doublon", kindElement(k), f, first.line)})
				} else {
					a.tally(CtlKeyDuplicate)
				}
			}
			cur++
		}
		if a.prev == nil {
			return
		}
		switch {
		case prev == 0:
			diff[k].Ajout++
		case cur == 0:
			diff[k].Suppression++
		}
		if k == kEleve || k == kEnseignant {
			if prev > 0 {
				persons++
				if cur == 0 {
					deleted++
				}
			}
		}
	})
	if err != nil {
		return err
	}
	if a.prev == nil {
		return nil
	}
	d := &Diff{Previous: a.opts.Previous, Persons: persons, PersonsDeleted: deleted, MaxDeletionShare: a.opts.MaxDeletionShare}
	for _, k := range degreeKinds(a.rep.Degree) {
		diff[k].Element = kindNames[k]
		d.Elements = append(d.Elements, diff[k])
	}
	if persons > 0 {
		d.DeletionShare = float64(deleted) / float64(persons)
	}
	if d.DeletionShare > d.MaxDeletionShare {
		d.MassDeletion = true
		f := Finding{Control: CtlMassDeletion, Operation: OpSuppression, Element: "GAREleve/GAREnseignant",
			Message: fmt.Sprintf("rejet pour contrôle de suppression massive d'individus: %d suppressions d'individus demandées sur %d individus existants (%.1f%%), seuil maximal %.1f%% (analyse.max_deletion_share)",
				deleted, persons, 100*d.DeletionShare, 100*d.MaxDeletionShare)}
		if a.opts.AllowMassDeletion {
			d.Allowed = true
			f.Severity = Warning
			f.Message += "; allowed by --allow-mass-deletion"
		}
		a.add(f)
	}
	a.rep.Diff = d
	return nil
}

// filesDiffer reports whether r's file differs from every earlier current
// record's: a repeat within one file is the grammar's (xsd.key) finding.
func (a *analysis) filesDiffer(earlier []rec, r rec) bool {
	for _, e := range earlier {
		if e.arch == 0 && e.file == r.file {
			return false
		}
	}
	return true
}

func kindElement(k kind) string {
	switch k {
	case kPersonMEFEleve, kPersonMEFEnseignant:
		return "GARPersonMEF"
	case kPersonMEFSTAT4Eleve, kPersonMEFSTAT4Enseignant:
		return "GARPersonMEFSTAT4"
	}
	return kindNames[k]
}
