package analyse

import (
	"fmt"
	"hash/maphash"
	"sort"
	"strings"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// refKind is what a reference points to.
type refKind uint8

const (
	refEtab     refKind = iota
	refMEF              // (UAI, GARMEFCode)
	refMatiere          // (UAI, GARMatiereCode)
	refGroup            // (UAI, GARGroupeCode), any status
	refDivision         // (UAI, GARGroupeCode) with status DIVISION
	refGroupe           // (UAI, GARGroupeCode) with status GROUPE
)

// target is a referenced reference-data entity.
type target struct {
	kind      refKind
	uai, code string
}

// refAgg aggregates the references to one target until the end of the
// archive, when every definition is known: their count and the first one,
// ready to report. Reference data is small (establishments, MEF, subjects,
// groups), so this holds one entry per entity, not per node.
type refAgg struct {
	count int
	first Finding
	file  int
	order int
}

// pendingPerson is a reference to a person not (yet) seen for the
// establishment: checked again at the end, when every person file is read.
type pendingPerson struct {
	fp    uint64
	pupil bool // the reference wants a pupil (GARRespAffEtab)
	ex    int32
}

// maxPending bounds the person references waiting for the end; past it
// they are counted as unchecked (ref.unchecked). The archives entgar writes
// define persons before any reference to them, so nothing waits.
const maxPending = 1 << 20

// coherence holds what the controls of annex §9 need from the whole
// archive.
type coherence struct {
	etabs     map[string]struct{}
	mefs      map[[2]string]struct{}
	matieres  map[[2]string]struct{}
	groups    map[[2]string]string // status
	respAff   map[string]int       // RespAff per establishment
	persons   fpset                // (UAI, id) of persons, flag: pupil
	refs      map[target]*refAgg
	pending   []pendingPerson
	examples  []Finding // of pending references
	unchecked int
	seq       int
}

func (c *coherence) init() {
	if c.etabs != nil {
		return
	}
	c.etabs = map[string]struct{}{}
	c.mefs = map[[2]string]struct{}{}
	c.matieres = map[[2]string]struct{}{}
	c.groups = map[[2]string]string{}
	c.respAff = map[string]int{}
	c.refs = map[target]*refAgg{}
}

// fileCtx analyses the nodes of one file.
type fileCtx struct {
	a     *analysis
	c     *coherence
	file  int
	name  string
	ftype gar.FileType
	h     maphash.Hash
	kb    []byte
	prev  bool // a file of the previous archive
}

func (c *coherence) fileContext(a *analysis, file int, t gar.FileType) *fileCtx {
	c.init()
	fc := &fileCtx{a: a, c: c, file: file, name: a.files[file].stat.Name, ftype: t}
	fc.h.SetSeed(a.seed)
	return fc
}

// grammarError reports a grammar violation of the built-in grammar; with
// --xsd the official engine's verdict is reported instead.
func (fc *fileCtx) grammarError(e xsd.Error, report bool) {
	if !report {
		return
	}
	fc.a.add(Finding{Control: CtlXSD + "." + e.Code, File: fc.name, Line: e.Line, Column: e.Column, Element: e.Element, Message: e.Message})
}

func (fc *fileCtx) fp(parts ...[]byte) uint64 {
	fc.h.Reset()
	for _, p := range parts {
		fc.h.Write(p)
		fc.h.WriteByte(0)
	}
	return fc.h.Sum64()
}

// keyString joins the key fields of a node for Finding.Key.
func keyString(n *xsd.Node, fields ...string) string {
	var parts []string
	for _, f := range fields {
		parts = append(parts, string(n.Get(f)))
	}
	return strings.Join(parts, "/")
}

// finding starts a finding located at the node.
func (fc *fileCtx) finding(control string, n *xsd.Node, element string, msg string) Finding {
	return Finding{Control: control, File: fc.name, Line: n.Line, Column: n.Column, Element: element, Message: msg}
}

// ref records a reference to reference data, resolved at the end.
func (fc *fileCtx) ref(t target, control string, n *xsd.Node, element, key, msg string) {
	agg := fc.c.refs[t]
	if agg == nil {
		fc.c.seq++
		f := fc.finding(control, n, element, msg)
		f.Key = key
		agg = &refAgg{first: f, file: fc.file, order: fc.c.seq}
		fc.c.refs[t] = agg
	}
	agg.count++
}

// person checks that the person exists for the establishment (with a
// pupil profile when pupil is set), now or at the end of the archive.
func (fc *fileCtx) person(uai, id []byte, pupil bool, n *xsd.Node, control, element, key, msg string) {
	fp := fc.fp(uai, id)
	member, isPupil := fc.c.persons.get(fp)
	switch {
	case !pupil && member:
		return
	case pupil && member && isPupil:
		f := fc.finding(control, n, element, msg)
		f.Key = key
		fc.a.add(f)
		return
	}
	// Unknown yet, or (for a RespAff) not a pupil yet: decide at the end.
	if len(fc.c.pending) >= maxPending {
		fc.c.unchecked++
		return
	}
	ex := int32(-1)
	if fc.a.opts.MaxExamples < 0 || len(fc.c.examples) < 4*max(fc.a.opts.MaxExamples, DefaultMaxExamples) {
		f := fc.finding(control, n, element, msg)
		f.Key = key
		fc.c.examples = append(fc.c.examples, f)
		ex = int32(len(fc.c.examples) - 1)
	}
	fc.c.pending = append(fc.c.pending, pendingPerson{fp: fp, pupil: pupil, ex: ex})
}

// code warns when a case-insensitive code is not upper-case without
// accents, the form the reference asks for.
func (fc *fileCtx) code(n *xsd.Node, name string, v []byte) {
	for _, b := range v {
		if b >= 'a' && b <= 'z' || b >= 0x80 {
			s := string(v)
			if up := gar.NormalizeCode(s); up != s && fc.a.room(CtlCase) {
				fc.a.add(fc.finding(CtlCase, n, name, fmt.Sprintf("<%s> %q: GAR attend les codes en majuscules sans accents (%q); les clés sont sensibles à la casse", name, s, up)))
			} else if up != s {
				fc.a.tally(CtlCase)
			}
			return
		}
	}
}

const msgNoEtab = "car il n'existe aucun établissement avec cet UAI dans le GAR"

// node runs the controls of one top-level node.
func (fc *fileCtx) node(n *xsd.Node) {
	a := fc.a
	a.rep.Elements[n.Name]++
	k, ok := nodeKind(fc.ftype, n.Name)
	if !ok {
		return
	}
	fc.keys(n, k)
	if n.Invalid {
		return // the grammar already rejects the archive
	}
	c := fc.c
	uai := n.Get("GARStructureUAI")
	id := n.Get("GARPersonIdentifiant")
	switch k {
	case kEtab:
		fc.code(n, "GARStructureUAI", uai)
		c.etabs[string(uai)] = struct{}{}
	case kMEF, kMatiere:
		field := "GARMEFCode"
		if k == kMatiere {
			field = "GARMatiereCode"
		}
		code := n.Get(field)
		fc.code(n, field, code)
		key := keyString(n, "GARStructureUAI", field)
		fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
			fmt.Sprintf("Impossible de créer des <%s> pour l'établissement avec le <GARStructureUAI> %s %s", n.Name, uai, msgNoEtab))
		if k == kMEF {
			c.mefs[[2]string{string(uai), string(code)}] = struct{}{}
		} else {
			c.matieres[[2]string{string(uai), string(code)}] = struct{}{}
		}
	case kEleve, kEnseignant:
		fc.person1(n, k, id)
	case kPersonMEFEleve, kPersonMEFEnseignant:
		mef := n.Get("GARMEFCode")
		fc.code(n, "GARMEFCode", mef)
		key := keyString(n, "GARStructureUAI", "GARPersonIdentifiant", "GARMEFCode")
		fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GARPersonMEF> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARMEFCode> %s et l'établissement <GARStructureUAI> %s %s", id, mef, uai, msgNoEtab))
		fc.person(uai, id, false, n, CtlRefPerson, n.Name, key,
			fmt.Sprintf("Impossible de créer le(s) <GARPersonMEF> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai))
		fc.ref(target{refMEF, string(uai), string(mef)}, CtlRefMEF, n, n.Name, key,
			fmt.Sprintf("Impossible d'ajouter le <GARMEF> de <GARMEFCode> %s au <GARPersonMEF> de <GARPersonIdentifiant> %s pour l'établissement <GARStructureUAI> %s car ce <GARMEFCode> n'existe pas", mef, id, uai))
	case kPersonMEFSTAT4Eleve, kPersonMEFSTAT4Enseignant:
		code := n.Get("GARMEFSTAT4Code")
		key := keyString(n, "GARStructureUAI", "GARPersonIdentifiant", "GARMEFSTAT4Code")
		fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GARPersonMEFSTAT4> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARMEFSTAT4Code> %s et l'établissement <GARStructureUAI> %s %s", id, code, uai, msgNoEtab))
		fc.person(uai, id, false, n, CtlRefPerson, n.Name, key,
			fmt.Sprintf("Impossible de créer le(s) <GARPersonMEFSTAT4> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai))
	case kEleveEnseignement:
		mat := n.Get("GARMatiereCode")
		fc.code(n, "GARMatiereCode", mat)
		key := keyString(n, "GARStructureUAI", "GARPersonIdentifiant", "GARMatiereCode")
		fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GAREleveEnseignement> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARMatiereCode> %s et le <GARStructureUAI> %s %s", id, mat, uai, msgNoEtab))
		fc.person(uai, id, false, n, CtlRefPerson, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GAREleveEnseignement> pour l'utilisateur avec le <GARMatiereCode> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", mat, uai))
		fc.ref(target{refMatiere, string(uai), string(mat)}, CtlRefMatiere, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le(s) <GAREleveEnseignement> pour l'utilisateur avec le <GARPersonIdentifiant> %s car 1 matière(s) ne sont pas associés à l'établissement <GARStructureUAI> %s. Ci-dessous la liste des premières matières manquantes : %s", id, uai, mat))
	case kGroupe:
		fc.groupe(n, uai)
	case kPersonGroupe:
		grp := n.Get("GARGroupeCode")
		fc.code(n, "GARGroupeCode", grp)
		key := keyString(n, "GARStructureUAI", "GARPersonIdentifiant", "GARGroupeCode")
		fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s %s", id, grp, uai, msgNoEtab))
		fc.person(uai, id, false, n, CtlRefPerson, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai))
		fc.ref(target{refGroup, string(uai), string(grp)}, CtlRefGroupe, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s car il n'existe aucun groupe avec ce code", id, grp, uai))
	case kEnsGroupeMatiere, kEnsClasseMatiere:
		fc.ensMatiere(n, k, uai, id)
	case kRespAff:
		fc.respAff(n, id)
	}
}

// person1 handles a GAREleve or GAREnseignant: its profiles define the
// person in each establishment.
func (fc *fileCtx) person1(n *xsd.Node, k kind, id []byte) {
	c := fc.c
	pupil := k == kEleve
	var uai []byte
	for _, f := range n.Fields {
		v := n.Value(f)
		switch {
		case f.Parent == "GARPersonProfils" && f.Name == "GARStructureUAI":
			uai = v
			c.persons.add(fc.fp(v, id), pupil)
			fc.ref(target{refEtab, string(v), ""}, CtlRefEtab, n, "GARPersonProfils", string(id),
				fmt.Sprintf("Impossible de créer le <GARPersonProfils> pour l'utilisateur avec le <GARPersonIdentifiant> %s et l'établissement <GARStructureUAI> %s %s", id, v, msgNoEtab))
		case f.Parent == "GARPersonProfils" && f.Name == "GARPersonProfil":
			p := gar.Profile(v)
			allowed := p == gar.ProfilePupil
			if !pupil {
				allowed = gar.AllowedForStaff(p, fc.a.rep.Degree)
			}
			if !allowed {
				fc.a.add(Finding{Control: CtlProfile, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARPersonProfils", Key: string(id) + "/" + string(uai),
					Message: fmt.Sprintf("Impossible de créer le <GARPersonProfils> %s pour l'utilisateur avec le <GARPersonIdentifiant> %s car ce profil n'est pas autorisé dans le GAR%s", v, id, profileHint(p, pupil, fc.a.rep.Degree))})
			}
		case f.Parent == "" && f.Name == "GARPersonEtab":
			c.persons.add(fc.fp(v, id), pupil)
		case f.Parent == "GAREnsDisciplinesPostes" && f.Name == "GARStructureUAI", f.Parent == "GAREnsSpecialitesPostes" && f.Name == "GARStructureUAI":
			fc.ref(target{refEtab, string(v), ""}, CtlRefEtab, n, f.Parent, string(id),
				fmt.Sprintf("Impossible de créer le <%s> pour l'utilisateur avec le <GARPersonIdentifiant> %s et l'établissement <GARStructureUAI> %s %s", f.Parent, id, v, msgNoEtab))
		}
	}
	for _, f := range n.Fields {
		if f.Name == "GARStructureUAI" && (f.Parent == "GAREnsDisciplinesPostes" || f.Parent == "GAREnsSpecialitesPostes") {
			v := n.Value(f)
			fc.person(v, id, false, n, CtlRefPerson, f.Parent, string(id),
				fmt.Sprintf("Impossible de créer le <%s> pour l'utilisateur avec le <GARPersonIdentifiant> %s car il n'existe aucun utilisateur avec cet identifiant dans l'établissement <GARStructureUAI> %s", f.Parent, id, v))
		}
	}
}

func profileHint(p gar.Profile, pupil bool, d gar.Degree) string {
	switch {
	case pupil:
		return " (le fichier Eleve n'admet que National_elv)"
	case p == gar.ProfilePupil:
		return " (National_elv est réservé au fichier Eleve)"
	case p == gar.ProfileLibrarian && d == gar.D1:
		return " (National_doc n'existe qu'au second degré)"
	}
	return ""
}

func (fc *fileCtx) groupe(n *xsd.Node, uai []byte) {
	c := fc.c
	code := n.Get("GARGroupeCode")
	status := n.Get("GARGroupeStatut")
	label := n.Get("GARGroupeLibelle")
	fc.code(n, "GARGroupeCode", code)
	key := keyString(n, "GARGroupeCode", "GARStructureUAI")
	fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
		fmt.Sprintf("Impossible de créer le <GARGroupe> pour le groupe avec le <GARGroupeCode> %s, le <GARGroupeLibelle> %s et l'établissement <GARStructureUAI> %s %s", code, label, uai, msgNoEtab))
	st := string(status)
	if st != "DIVISION" && st != "GROUPE" {
		fc.a.add(Finding{Control: CtlGroupStatus, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARGroupeStatut", Key: key,
			Message: fmt.Sprintf("<GARGroupeStatut> %q du groupe <GARGroupeCode> %s: GAR attend DIVISION pour une division ou GROUPE pour un autre groupe", status, code)})
	}
	c.groups[[2]string{string(uai), string(code)}] = st
	for _, f := range n.Fields {
		if f.Name != "GARGroupeDivAppartenance" {
			continue
		}
		div := n.Value(f)
		fc.code(n, "GARGroupeDivAppartenance", div)
		if st == "DIVISION" {
			fc.a.add(Finding{Control: CtlGroupDivision, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARGroupeDivAppartenance", Key: key,
				Message: fmt.Sprintf("Impossible de créer le <GARGroupeDivAppartenance> pour le groupe (statut DIVISION) avec le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s: la division d'appartenance n'est donnée que pour les groupes autres que divisions (statut GROUPE)", code, uai)})
			continue
		}
		fc.ref(target{refDivision, string(uai), string(div)}, CtlGroupDivision, n, "GARGroupeDivAppartenance", key+"/"+string(div),
			fmt.Sprintf("Impossible de créer le <GARGroupeDivAppartenance> pour le groupe avec le <GARGroupeCode> %s, la division d'appartenance <GARGroupeDivAppartenanceCode> %s et l'établissement <GARStructureUAI> %s car il n'existe aucune division d'appartenance avec ce code et un statut DIVISION pour cet établissement dans le GAR", code, div, uai))
	}
}

func (fc *fileCtx) ensMatiere(n *xsd.Node, k kind, uai, id []byte) {
	grp := n.Get("GARGroupeCode")
	fc.code(n, "GARGroupeCode", grp)
	key := keyString(n, "GARStructureUAI", "GARPersonIdentifiant", "GARGroupeCode")
	fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, n.Name, key,
		fmt.Sprintf("Impossible de créer le <%s> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s %s", n.Name, id, grp, uai, msgNoEtab))
	fc.person(uai, id, false, n, CtlRefPerson, n.Name, key,
		fmt.Sprintf("Impossible de créer le <%s> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", n.Name, id, uai))
	want, rk := "GROUPE", refGroupe
	if k == kEnsClasseMatiere {
		want, rk = "DIVISION", refDivision
	}
	fc.ref(target{rk, string(uai), string(grp)}, CtlGroupStatus, n, n.Name, key,
		fmt.Sprintf("Impossible de créer le <%s> pour l'utilisateur avec le <GARPersonIdentifiant> %s et le <GARGroupeCode> %s car ce groupe n'existe pas pour l'établissement <GARStructureUAI> %s et/ou n'a pas le statut %s", n.Name, id, grp, uai, want))
	for _, f := range n.Fields {
		if f.Name != "GARMatiereCode" {
			continue
		}
		mat := n.Value(f)
		fc.code(n, "GARMatiereCode", mat)
		fc.ref(target{refMatiere, string(uai), string(mat)}, CtlRefMatiere, n, n.Name, key,
			fmt.Sprintf("Impossible de créer le <%s> pour l'utilisateur avec le <GARPersonIdentifiant> %s et le <GARGroupeCode> %s car 1 matière(s) n'existe(nt) pas pour l'établissement <GARStructureUAI> %s. Ci-dessous la liste des premières matières : %s", n.Name, id, grp, uai, mat))
	}
}

func (fc *fileCtx) respAff(n *xsd.Node, id []byte) {
	c := fc.c
	for _, f := range n.Fields {
		if f.Name != "GARRespAffEtab" {
			continue
		}
		uai := n.Value(f)
		fc.code(n, "GARRespAffEtab", uai)
		key := string(id) + "/" + string(uai)
		fc.ref(target{refEtab, string(uai), ""}, CtlRefEtab, n, "GARRespAffEtab", key,
			fmt.Sprintf("Impossible de créer le <GARRespAffEtab> pour l'utilisateur avec le <GARPersonIdentifiant> %s et l'établissement <GARRespAffEtab> %s %s", id, uai, msgNoEtab))
		fc.person(uai, id, true, n, CtlRespAffPupil, "GARRespAffEtab", key,
			fmt.Sprintf("Impossible de créer le <GARRespAffEtab> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet accédant a déjà un profil élève pour l'établissement %s", id, uai))
		c.respAff[string(uai)]++
		if c.respAff[string(uai)] > gar.MaxRespAffPerEtab {
			fc.a.add(Finding{Control: CtlRespAffLimit, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARRespAff", Key: key,
				Message: fmt.Sprintf("Impossible de créer le <GARRespAff> pour l'utilisateur avec le <GARPersonIdentifiant> %s car le nombre maximum %d de responsables d'affectation est atteint pour l'établissement <GARRespAffEtab> %s. Veuillez supprimer des responsables d'affectation afin de pouvoir en ajouter de nouveaux.", id, gar.MaxRespAffPerEtab, uai)})
		}
	}
}

// finish resolves what waited for the whole archive.
func (c *coherence) finish(a *analysis) {
	if c.etabs == nil {
		return
	}
	// References to reference data.
	type miss struct {
		agg     *refAgg
		control string
	}
	var misses []miss
	for t, agg := range c.refs {
		ok := true
		switch t.kind {
		case refEtab:
			_, ok = c.etabs[t.uai]
		case refMEF:
			_, ok = c.mefs[[2]string{t.uai, t.code}]
		case refMatiere:
			_, ok = c.matieres[[2]string{t.uai, t.code}]
		case refGroup:
			_, ok = c.groups[[2]string{t.uai, t.code}]
		case refDivision:
			ok = c.groups[[2]string{t.uai, t.code}] == "DIVISION"
		case refGroupe:
			ok = c.groups[[2]string{t.uai, t.code}] == "GROUPE"
		}
		if !ok {
			misses = append(misses, miss{agg, agg.first.Control})
		}
	}
	sort.Slice(misses, func(i, j int) bool { return misses[i].agg.order < misses[j].agg.order })
	for _, m := range misses {
		a.add(m.agg.first)
		for i := 1; i < m.agg.count; i++ {
			a.tally(m.control)
		}
	}
	// Person references that waited.
	for _, p := range c.pending {
		member, pupil := c.persons.get(p.fp)
		bad := !member
		if p.pupil {
			bad = member && pupil
		}
		if !bad {
			continue
		}
		if p.ex >= 0 {
			a.add(c.examples[p.ex])
		} else if p.pupil {
			a.tally(CtlRespAffPupil)
		} else {
			a.tally(CtlRefPerson)
		}
	}
	if c.unchecked > 0 {
		a.add(Finding{Control: CtlRefUnchecked, Message: fmt.Sprintf("%d person references were not checked: more than %d waited for persons defined later in the archive", c.unchecked, maxPending)})
	}
}
