package analyse

import (
	"context"
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

// msg is a message kept for later: a constant format, the element it is
// about (written where the format says <@>) and its arguments, formatted
// only if the finding is reported.
type msg struct {
	format, elem string
	args         [4]string
}

func newMsg(format, elem string, a, b, c, d []byte) msg {
	return msg{format, elem, [4]string{string(a), string(b), string(c), string(d)}}
}

func (m msg) String() string {
	f := strings.ReplaceAll(m.format, "<@>", "<"+m.elem+">")
	n := strings.Count(f, "%s")
	args := make([]any, n)
	for i := range n {
		args[i] = m.args[i]
	}
	return fmt.Sprintf(f, args...)
}

// refAgg aggregates the references to one entity not defined when they
// were met: their count and the first one. Reference data is small
// (establishments, MEF, subjects, groups) and references are checked
// against it on the spot when it is already known, so this holds at most
// one entry per entity, not per node.
type refAgg struct {
	count   int32
	order   int32
	file    int32
	line    int32
	col     int32
	control string
	element string
	key     string
	ref     string // the reference key: refKind, UAI "\x00" code
	msg     msg
}

// A pending person reference is one to a person not (yet) seen for the
// establishment, checked again at the end, when every person file is read:
// its fingerprint, whose low bit says that the reference wants a
// non-pupil (GARRespAffEtab). 8 bytes each: the export interleaves Groupe
// and Eleve sub-files, so a million pupils leave some 700,000 waiting.
func pendingFP(fp uint64, pupil bool) uint64 {
	fp &^= fpFlag
	if pupil {
		fp |= fpFlag
	}
	return fp
}

// maxPending bounds the person references waiting for the end; past it
// they are counted as unchecked (ref.unchecked). The archives entgar writes
// define persons before any reference to them, so nothing waits.
const maxPending = 8 << 20

// coherence holds what the controls of annex §9 need from the whole
// archive.
type coherence struct {
	// Reference data; codes are keyed by UAI "\x00" code.
	etabs     map[string]struct{}
	mefs      map[string]struct{}
	matieres  map[string]struct{}
	groups    map[string]string  // status
	respAff   map[string]int     // RespAff per establishment
	persons   fpset              // (UAI, id) of persons, flag: pupil
	refs      map[string]*refAgg // by refKind, UAI "\x00" code
	pending   []uint64
	examples  []pendingExample
	unchecked int
	seq       int
}

func (c *coherence) init() {
	if c.etabs != nil {
		return
	}
	c.etabs = map[string]struct{}{}
	c.mefs = map[string]struct{}{}
	c.matieres = map[string]struct{}{}
	c.groups = map[string]string{}
	c.respAff = map[string]int{}
	c.refs = map[string]*refAgg{}
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
	rb    []byte
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

// pendingExample is one of the first pending person references, kept to
// be reported.
type pendingExample struct {
	fp                    uint64
	control, element, key string
	file, line, col       int
	msg                   msg
}

// refKey builds the lookup key of a reference in fc.rb.
func (fc *fileCtx) refKey(k refKind, uai, code []byte) []byte {
	b := append(fc.rb[:0], byte(k))
	b = append(b, uai...)
	b = append(b, 0)
	b = append(b, code...)
	fc.rb = b
	return b
}

// defined reports whether the entity a reference key names is defined.
func (c *coherence) defined(key string) bool {
	k, name := refKind(key[0]), key[1:]
	switch k {
	case refEtab:
		_, ok := c.etabs[strings.TrimSuffix(name, "\x00")]
		return ok
	case refMEF:
		_, ok := c.mefs[name]
		return ok
	case refMatiere:
		_, ok := c.matieres[name]
		return ok
	case refGroup:
		_, ok := c.groups[name]
		return ok
	case refDivision:
		return c.groups[name] == "DIVISION"
	case refGroupe:
		return c.groups[name] == "GROUPE"
	}
	return false
}

// ref checks a reference to reference data: now when the entity is known,
// else at the end of the archive.
func (fc *fileCtx) ref(k refKind, uai, code []byte, control string, n *xsd.Node, element, format string, a, b, c, d []byte) {
	key := fc.refKey(k, uai, code)
	if agg := fc.c.refs[string(key)]; agg != nil {
		agg.count++
		return
	}
	if fc.c.defined(string(key)) {
		return
	}
	fc.c.seq++
	fc.c.refs[string(key)] = &refAgg{count: 1, order: int32(fc.c.seq), file: int32(fc.file), line: int32(n.Line), col: int32(n.Column),
		control: control, element: element, key: fc.nodeKey(n), ref: string(key), msg: newMsg(format, element, a, b, c, d)}
}

// nodeKey returns the functional key of a node, fields joined by '/'.
func (fc *fileCtx) nodeKey(n *xsd.Node) string {
	k := fc.a.grammar.KeyOf(fc.ftype, n.Name)
	if k == nil {
		return ""
	}
	return keyString(n, k.Fields...)
}

// person checks that the person exists for the establishment, or for a
// RespAff (pupil set) that the person is not a pupil there: now when the
// answer is sure, else at the end of the archive.
func (fc *fileCtx) person(uai, id []byte, pupil bool, n *xsd.Node, control, element, format string, a, b, c, d []byte) {
	fp := fc.fp(uai, id)
	member, isPupil := fc.c.persons.get(fp)
	switch {
	case !pupil && member:
		return
	case pupil && member && isPupil:
		fc.a.add(Finding{Control: control, File: fc.name, Line: n.Line, Column: n.Column, Element: element, Key: fc.nodeKey(n),
			Message: newMsg(format, element, a, b, c, d).String()})
		return
	}
	// Unknown yet, or (for a RespAff) not a pupil yet: decide at the end.
	if len(fc.c.pending) >= maxPending {
		fc.c.unchecked++
		return
	}
	pfp := pendingFP(fp, pupil)
	if fc.a.opts.MaxExamples < 0 || len(fc.c.examples) < 4*max(fc.a.opts.MaxExamples, DefaultMaxExamples) {
		fc.c.examples = append(fc.c.examples, pendingExample{fp: pfp, control: control, element: element, key: fc.nodeKey(n),
			file: fc.file, line: n.Line, col: n.Column, msg: newMsg(format, element, a, b, c, d)})
	}
	fc.c.pending = append(fc.c.pending, pfp)
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

const msgNoEtab = " car il n'existe aucun établissement avec cet UAI dans le GAR"

// node runs the controls of one top-level node.
func (fc *fileCtx) node(n *xsd.Node) {
	a := fc.a
	a.rep.Elements[n.Name]++
	k, ok := nodeKind(fc.ftype, n.Name)
	if !ok {
		return
	}
	if n.Truncated {
		if a.room(CtlRefUnchecked) {
			a.add(fc.finding(CtlRefUnchecked, n, n.Name, fmt.Sprintf("<%s> holds more values than the analyser keeps for a node (%d): the grammar is checked in full, references and the calcul des écarts on its first values only", n.Name, len(n.Fields))))
		} else {
			a.tally(CtlRefUnchecked)
		}
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
		field, set, rk := "GARMEFCode", c.mefs, refMEF
		if k == kMatiere {
			field, set, rk = "GARMatiereCode", c.matieres, refMatiere
		}
		code := n.Get(field)
		fc.code(n, field, code)
		fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
			"Impossible de créer des <@> pour l'établissement avec le <GARStructureUAI> %s"+msgNoEtab, uai, nil, nil, nil)
		set[string(fc.refKey(rk, uai, code)[1:])] = struct{}{}
	case kEleve, kEnseignant:
		fc.person1(n, k, id)
	case kPersonMEFEleve, kPersonMEFEnseignant:
		mef := n.Get("GARMEFCode")
		fc.code(n, "GARMEFCode", mef)
		fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
			"Impossible de créer le <GARPersonMEF> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARMEFCode> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, id, mef, uai, nil)
		fc.person(uai, id, false, n, CtlRefPerson, n.Name,
			"Impossible de créer le(s) <GARPersonMEF> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai, nil, nil)
		fc.ref(refMEF, uai, mef, CtlRefMEF, n, n.Name,
			"Impossible d'ajouter le <GARMEF> de <GARMEFCode> %s au <GARPersonMEF> de <GARPersonIdentifiant> %s pour l'établissement <GARStructureUAI> %s car ce <GARMEFCode> n'existe pas", mef, id, uai, nil)
	case kPersonMEFSTAT4Eleve, kPersonMEFSTAT4Enseignant:
		code := n.Get("GARMEFSTAT4Code")
		fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
			"Impossible de créer le <GARPersonMEFSTAT4> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARMEFSTAT4Code> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, id, code, uai, nil)
		fc.person(uai, id, false, n, CtlRefPerson, n.Name,
			"Impossible de créer le(s) <GARPersonMEFSTAT4> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai, nil, nil)
	case kEleveEnseignement:
		mat := n.Get("GARMatiereCode")
		fc.code(n, "GARMatiereCode", mat)
		fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
			"Impossible de créer le <GAREleveEnseignement> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARMatiereCode> %s et le <GARStructureUAI> %s"+msgNoEtab, id, mat, uai, nil)
		fc.person(uai, id, false, n, CtlRefPerson, n.Name,
			"Impossible de créer le <GAREleveEnseignement> pour l'utilisateur avec le <GARPersonIdentifiant> %s et le <GARMatiereCode> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, mat, uai, nil)
		fc.ref(refMatiere, uai, mat, CtlRefMatiere, n, n.Name,
			"Impossible de créer le(s) <GAREleveEnseignement> pour l'utilisateur avec le <GARPersonIdentifiant> %s car 1 matière(s) ne sont pas associés à l'établissement <GARStructureUAI> %s. Ci-dessous la liste des premières matières manquantes : %s", id, uai, mat, nil)
	case kGroupe:
		fc.groupe(n, uai)
	case kPersonGroupe:
		grp := n.Get("GARGroupeCode")
		fc.code(n, "GARGroupeCode", grp)
		fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
			"Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, id, grp, uai, nil)
		fc.person(uai, id, false, n, CtlRefPerson, n.Name,
			"Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai, nil, nil)
		fc.ref(refGroup, uai, grp, CtlRefGroupe, n, n.Name,
			"Impossible de créer le <GARPersonGroupe> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s car il n'existe aucun groupe avec ce code", id, grp, uai, nil)
	case kEnsGroupeMatiere, kEnsClasseMatiere:
		fc.ensMatiere(n, k, uai, id)
	case kRespAff:
		fc.respAff(n, id)
	}
}

// person1 handles a GAREleve or GAREnseignant: its profiles and
// establishments define the person there.
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
			fc.ref(refEtab, v, nil, CtlRefEtab, n, "GARPersonProfils",
				"Impossible de créer le <GARPersonProfils> pour l'utilisateur avec le <GARPersonIdentifiant> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, id, v, nil, nil)
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
		case f.Name == "GARStructureUAI" && (f.Parent == "GAREnsDisciplinesPostes" || f.Parent == "GAREnsSpecialitesPostes"):
			fc.ref(refEtab, v, nil, CtlRefEtab, n, f.Parent,
				"Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, id, v, nil, nil)
		}
	}
	for _, f := range n.Fields {
		if f.Name == "GARStructureUAI" && (f.Parent == "GAREnsDisciplinesPostes" || f.Parent == "GAREnsSpecialitesPostes") {
			v := n.Value(f)
			fc.person(v, id, false, n, CtlRefPerson, f.Parent,
				"Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s car il n'existe aucun utilisateur avec cet identifiant dans l'établissement <GARStructureUAI> %s", id, v, nil, nil)
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
	fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
		"Impossible de créer le <GARGroupe> pour le groupe avec le <GARGroupeCode> %s, le <GARGroupeLibelle> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, code, label, uai, nil)
	st := string(status)
	if st != "DIVISION" && st != "GROUPE" {
		fc.a.add(Finding{Control: CtlGroupStatus, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARGroupeStatut", Key: fc.nodeKey(n),
			Message: fmt.Sprintf("<GARGroupeStatut> %q du groupe <GARGroupeCode> %s: GAR attend DIVISION pour une division ou GROUPE pour un autre groupe", status, code)})
	}
	gk := string(fc.refKey(refGroup, uai, code)[1:])
	if old, ok := c.groups[gk]; !ok || old != st {
		c.groups[gk] = st
	}
	for _, f := range n.Fields {
		if f.Name != "GARGroupeDivAppartenance" {
			continue
		}
		div := n.Value(f)
		fc.code(n, "GARGroupeDivAppartenance", div)
		if st == "DIVISION" {
			fc.a.add(Finding{Control: CtlGroupDivision, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARGroupeDivAppartenance", Key: fc.nodeKey(n),
				Message: fmt.Sprintf("Impossible de créer le <GARGroupeDivAppartenance> pour le groupe (statut DIVISION) avec le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s: la division d'appartenance n'est donnée que pour les groupes autres que divisions (statut GROUPE)", code, uai)})
			continue
		}
		fc.ref(refDivision, uai, div, CtlGroupDivision, n, "GARGroupeDivAppartenance",
			"Impossible de créer le <GARGroupeDivAppartenance> pour le groupe avec le <GARGroupeCode> %s, la division d'appartenance <GARGroupeDivAppartenanceCode> %s et l'établissement <GARStructureUAI> %s car il n'existe aucune division d'appartenance avec ce code et un statut DIVISION pour cet établissement dans le GAR", code, div, uai, nil)
	}
}

func (fc *fileCtx) ensMatiere(n *xsd.Node, k kind, uai, id []byte) {
	grp := n.Get("GARGroupeCode")
	fc.code(n, "GARGroupeCode", grp)
	fc.ref(refEtab, uai, nil, CtlRefEtab, n, n.Name,
		"Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s, le <GARGroupeCode> %s et l'établissement <GARStructureUAI> %s"+msgNoEtab, id, grp, uai, nil)
	fc.person(uai, id, false, n, CtlRefPerson, n.Name,
		"Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet utilisateur n'existe pas pour l'établissement <GARStructureUAI> %s", id, uai, nil, nil)
	format := "Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s et le <GARGroupeCode> %s car ce groupe n'existe pas pour l'établissement <GARStructureUAI> %s et/ou n'a pas le statut GROUPE"
	rk := refGroupe
	if k == kEnsClasseMatiere {
		rk = refDivision
		format = "Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s et le <GARGroupeCode> %s car ce groupe n'existe pas pour l'établissement <GARStructureUAI> %s et/ou n'a pas le statut DIVISION"
	}
	fc.ref(rk, uai, grp, CtlGroupStatus, n, n.Name, format, id, grp, uai, nil)
	for _, f := range n.Fields {
		if f.Name != "GARMatiereCode" {
			continue
		}
		mat := n.Value(f)
		fc.code(n, "GARMatiereCode", mat)
		fc.ref(refMatiere, uai, mat, CtlRefMatiere, n, n.Name,
			"Impossible de créer le <@> pour l'utilisateur avec le <GARPersonIdentifiant> %s et le <GARGroupeCode> %s car 1 matière(s) n'existe(nt) pas pour l'établissement <GARStructureUAI> %s. Ci-dessous la liste des premières matières : %s", id, grp, uai, mat)
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
		fc.ref(refEtab, uai, nil, CtlRefEtab, n, "GARRespAffEtab",
			"Impossible de créer le <GARRespAffEtab> pour l'utilisateur avec le <GARPersonIdentifiant> %s et l'établissement <GARRespAffEtab> %s"+msgNoEtab, id, uai, nil, nil)
		fc.person(uai, id, true, n, CtlRespAffPupil, "GARRespAffEtab",
			"Impossible de créer le <GARRespAffEtab> pour l'utilisateur avec le <GARPersonIdentifiant> %s car cet accédant a déjà un profil élève pour l'établissement %s", id, uai, nil, nil)
		c.respAff[string(uai)]++
		if c.respAff[string(uai)] > gar.MaxRespAffPerEtab {
			fc.a.add(Finding{Control: CtlRespAffLimit, File: fc.name, Line: n.Line, Column: n.Column, Element: "GARRespAff", Key: string(id) + "/" + string(uai),
				Message: fmt.Sprintf("Impossible de créer le <GARRespAff> pour l'utilisateur avec le <GARPersonIdentifiant> %s car le nombre maximum %d de responsables d'affectation est atteint pour l'établissement <GARRespAffEtab> %s. Veuillez supprimer des responsables d'affectation afin de pouvoir en ajouter de nouveaux.", id, gar.MaxRespAffPerEtab, uai)})
		}
	}
}

// foldKey folds the UAI and code of a reference key as GAR's reference
// asks ENTs to write them (upper-case, no accents), keeping the kind.
func foldKey(ref string) string {
	k, name := ref[0], ref[1:]
	if k == byte(refDivision) || k == byte(refGroupe) {
		k = byte(refGroup)
	}
	uai, code, _ := strings.Cut(name, "\x00")
	return string(k) + gar.NormalizeCode(uai) + "\x00" + gar.NormalizeCode(code)
}

// foldedKeys maps the folded key of every defined entity to its spelling,
// to tell a reference that differs only by case (computed only when some
// reference is missing).
func (c *coherence) foldedKeys() map[string]string {
	m := map[string]string{}
	for uai := range c.etabs {
		m[foldKey(string(byte(refEtab))+uai+"\x00")] = uai + "\x00"
	}
	for k := range c.mefs {
		m[foldKey(string(byte(refMEF))+k)] = k
	}
	for k := range c.matieres {
		m[foldKey(string(byte(refMatiere))+k)] = k
	}
	for k := range c.groups {
		m[foldKey(string(byte(refGroup))+k)] = k
	}
	return m
}

// finish resolves what waited for the whole archive.
func (c *coherence) finish(ctx context.Context, a *analysis, path string) error {
	if c.etabs == nil {
		return nil
	}
	var misses []*refAgg
	for key, agg := range c.refs {
		if !c.defined(key) {
			misses = append(misses, agg)
		}
	}
	sort.Slice(misses, func(i, j int) bool { return misses[i].order < misses[j].order })
	var folded map[string]string
	for _, m := range misses {
		message := m.msg.String()
		if len(misses) > 0 && folded == nil {
			folded = c.foldedKeys()
		}
		if other, ok := folded[foldKey(m.ref)]; ok && strings.TrimSuffix(other, "\x00") != strings.TrimSuffix(m.ref[1:], "\x00") {
			message += fmt.Sprintf(" (défini dans l'archive avec une autre casse : %s ; les clés du GAR sont sensibles à la casse)", strings.ReplaceAll(strings.TrimSuffix(other, "\x00"), "\x00", " / "))
		}
		a.add(Finding{Control: m.control, File: a.files[m.file].stat.Name, Line: int(m.line), Column: int(m.col), Element: m.element, Key: m.key, Message: message})
		for i := int32(1); i < m.count; i++ {
			a.tally(m.control)
		}
	}
	bad := func(p uint64) bool {
		member, pupil := c.persons.get(p)
		if p&fpFlag != 0 {
			return member && pupil
		}
		return !member
	}
	var badPerson, badPupil int
	for _, p := range c.pending {
		if bad(p) {
			if p&fpFlag != 0 {
				badPupil++
			} else {
				badPerson++
			}
		}
	}
	var shown []pendingExample
	for _, e := range c.examples {
		if !bad(e.fp) {
			continue
		}
		shown = append(shown, e)
		if e.fp&fpFlag != 0 {
			badPupil--
		} else {
			badPerson--
		}
	}
	hints, err := a.caseHints(ctx, path, shown)
	if err != nil {
		return err
	}
	for _, e := range shown {
		message := e.msg.String()
		if other, ok := hints[strings.ToLower(e.msg.args[0])]; ok && e.control == CtlRefPerson {
			message += fmt.Sprintf(" (l'archive définit l'utilisateur %s : les identifiants sont sensibles à la casse)", other)
		}
		a.add(Finding{Control: e.control, File: a.files[e.file].stat.Name, Line: e.line, Column: e.col, Element: e.element, Key: e.key, Message: message})
	}
	for range badPerson {
		a.tally(CtlRefPerson)
	}
	for range badPupil {
		a.tally(CtlRespAffPupil)
	}
	if c.unchecked > 0 {
		a.add(Finding{Control: CtlRefUnchecked, Message: fmt.Sprintf("%d person references were not checked: more than %d waited for persons defined later in the archive", c.unchecked, maxPending)})
	}
	return nil
}
