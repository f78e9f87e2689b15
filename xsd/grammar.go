package xsd

import "github.com/entgar/entgar/gar"

// Base is the XSD built-in type a simple type restricts.
type Base int

// The built-in types the GAR-ENT grammars use.
const (
	// String is xs:string: whitespace preserved, length in characters.
	String Base = iota + 1
	// Date is xs:date: YYYY-MM-DD with an optional time zone.
	Date
)

// SimpleType is a named restriction of a built-in type.
type SimpleType struct {
	Name      string
	Base      Base
	MaxLength int // in characters; 0 means no limit
}

// Unbounded is the Max of a particle with maxOccurs="unbounded".
const Unbounded = -1

// Particle is one element of a sequence with its cardinality.
type Particle struct {
	Element *Element
	Min     int
	Max     int // Unbounded or a count
}

// Element declares an element. Exactly one of Type (simple content) and
// Sequence (element-only content) describes its content; an element with
// neither is a root or node with an empty sequence.
type Element struct {
	Name     string
	Type     *SimpleType // simple content
	Sequence []Particle  // element-only content, in order
	// Attributes lists the attributes the element declares, all
	// unqualified and all required (only the roots' Version).
	Attributes []string
	// Keys are the xs:key constraints declared on the element (roots only).
	Keys []Key
}

// Key is an xs:key whose selector picks children of the root by local name
// and whose fields are simple children of the selected element.
type Key struct {
	Name     string
	Selector string
	Fields   []string
}

// Grammar is the GAR-ENT grammar of one degree.
type Grammar struct {
	Degree    gar.Degree
	Namespace string
	// Roots are the global elements, one per file type.
	Roots map[gar.FileType]*Element
}

// Root returns the global element with the given local name, or nil.
func (g *Grammar) Root(local string) *Element {
	for _, e := range g.Roots {
		if e.Name == local {
			return e
		}
	}
	return nil
}

// Node returns the declaration of the top-level node kind (a child of a
// root) with the given local name, or nil.
func (g *Grammar) Node(local string) *Element {
	for _, r := range g.Roots {
		for _, p := range r.Sequence {
			if p.Element.Name == local {
				return p.Element
			}
		}
	}
	return nil
}

// KeyOf returns the functional key of the node kind named local in a file
// of type t, or nil when the grammar declares none.
func (g *Grammar) KeyOf(t gar.FileType, local string) *Key {
	r := g.Roots[t]
	if r == nil {
		return nil
	}
	for i := range r.Keys {
		if r.Keys[i].Selector == local {
			return &r.Keys[i]
		}
	}
	return nil
}

// For returns the grammar of degree d. Each call builds a fresh value, so
// callers may keep it without sharing mutable state; build it once per run.
func For(d gar.Degree) *Grammar {
	if d == gar.D1 {
		return grammar1D()
	}
	return grammar2D()
}

func str(name string, max int) *SimpleType {
	return &SimpleType{Name: name, Base: String, MaxLength: max}
}

func leaf(name string, t *SimpleType) *Element { return &Element{Name: name, Type: t} }

func one(e *Element) Particle    { return Particle{e, 1, 1} }
func opt(e *Element) Particle    { return Particle{e, 0, 1} }
func many(e *Element) Particle   { return Particle{e, 1, Unbounded} }
func anyNum(e *Element) Particle { return Particle{e, 0, Unbounded} }

// types holds the simple types both grammars share (same names, same
// lengths), plus the degree-specific ones.
type types struct {
	personID, uai, groupCode, idSecondaire, nomPatro, nom, prenom, autresPrenoms,
	civilite, mail, profil, nomCourant, contrat, telephone, email, groupeLibelle,
	groupeStatut, date *SimpleType
}

func sharedTypes() types {
	return types{
		personID:      str("GARPersonIdentifiantType", gar.MaxPersonID),
		uai:           str("GARStructureUAIType", gar.MaxUAI),
		groupCode:     str("GARGroupeCodeType", gar.MaxCode),
		idSecondaire:  str("GARPersonIdSecondaireType", gar.MaxSecondaryID),
		nomPatro:      str("GARPersonNomPatroType", gar.MaxName),
		nom:           str("GARPersonNomType", gar.MaxName),
		prenom:        str("GARPersonPrenomType", gar.MaxName),
		autresPrenoms: str("GARPersonAutresPrenomsType", gar.MaxName),
		civilite:      str("GARPersonCiviliteType", gar.MaxCivility),
		mail:          str("GARPersonMailType", gar.MaxMail),
		profil:        str("GARPersonProfilType", gar.MaxProfile),
		nomCourant:    str("GARStructureNomCourantType", gar.MaxName),
		contrat:       str("GARStructureContratType", gar.MaxContract),
		telephone:     str("GARStructureTelephoneType", gar.MaxPhone),
		email:         str("GARStructureEmailType", gar.MaxMail),
		groupeLibelle: str("GARGroupeLibelleType", gar.MaxLabel),
		groupeStatut:  str("GARGroupeStatutType", gar.MaxGroupStatus),
		date:          &SimpleType{Name: "date", Base: Date},
	}
}

// identite is the GARIdentite sequence both person kinds extend.
func identite(t types) []Particle {
	return []Particle{
		one(leaf("GARPersonIdentifiant", t.personID)),
		many(&Element{Name: "GARPersonProfils", Sequence: []Particle{
			one(leaf("GARStructureUAI", t.uai)),
			one(leaf("GARPersonProfil", t.profil)),
		}}),
		opt(leaf("GARPersonIdSecondaire", t.idSecondaire)),
		opt(leaf("GARPersonNomPatro", t.nomPatro)),
		one(leaf("GARPersonNom", t.nom)),
		one(leaf("GARPersonPrenom", t.prenom)),
		many(leaf("GARPersonAutresPrenoms", t.autresPrenoms)),
		opt(leaf("GARPersonCivilite", t.civilite)),
		opt(leaf("GARPersonStructRattach", t.uai)),
	}
}

func concat(a []Particle, b ...Particle) []Particle {
	return append(append([]Particle(nil), a...), b...)
}

func respAff(t types) *Element {
	return &Element{Name: "GARRespAff", Sequence: []Particle{
		one(leaf("GARPersonIdentifiant", t.personID)),
		one(leaf("GARPersonNom", t.nom)),
		one(leaf("GARPersonPrenom", t.prenom)),
		opt(leaf("GARPersonCivilite", t.civilite)),
		many(leaf("GARPersonMail", t.mail)),
		many(leaf("GARRespAffEtab", t.uai)),
	}}
}

func groupe(t types) *Element {
	return &Element{Name: "GARGroupe", Sequence: []Particle{
		one(leaf("GARGroupeCode", t.groupCode)),
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARGroupeLibelle", t.groupeLibelle)),
		one(leaf("GARGroupeStatut", t.groupeStatut)),
		anyNum(leaf("GARGroupeDivAppartenance", t.groupCode)),
	}}
}

func personGroupe(t types) *Element {
	return &Element{Name: "GARPersonGroupe", Sequence: []Particle{
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARPersonIdentifiant", t.personID)),
		one(leaf("GARGroupeCode", t.groupCode)),
	}}
}

// root declares a file's root: a sequence of node kinds, each 0..n, the
// required Version attribute and the keys.
func root(ft gar.FileType, keys []Key, nodes ...*Element) *Element {
	r := &Element{Name: ft.Root(), Attributes: []string{"Version"}, Keys: keys}
	for _, n := range nodes {
		r.Sequence = append(r.Sequence, anyNum(n))
	}
	return r
}

func key(name, selector string, fields ...string) Key {
	return Key{Name: "GAR-ENT-Cle-Fonctionnelle-" + name, Selector: selector, Fields: fields}
}

func grammar2D() *Grammar {
	t := sharedTypes()
	mefCode := str("GARMEFCodeType", gar.MaxCode)
	matiereCode := str("GARMatiereCodeType", gar.MaxCode)
	eleve := &Element{Name: "GAREleve", Sequence: concat(identite(t),
		many(leaf("GARPersonEtab", t.uai)),
		opt(leaf("GARPersonDateNaissance", t.date)),
	)}
	enseignant := &Element{Name: "GAREnseignant", Sequence: concat(identite(t),
		many(leaf("GARPersonEtab", t.uai)),
		opt(leaf("GARPersonDateNaissance", t.date)),
		anyNum(&Element{Name: "GAREnsDisciplinesPostes", Sequence: []Particle{
			one(leaf("GARStructureUAI", t.uai)),
			many(leaf("GAREnsDisciplinePosteCode", str("GAREnsDisciplinePosteCodeType", gar.MaxCode))),
		}}),
		anyNum(leaf("GARPersonMail", t.mail)),
	)}
	personMEF := func() *Element {
		return &Element{Name: "GARPersonMEF", Sequence: []Particle{
			one(leaf("GARStructureUAI", t.uai)),
			one(leaf("GARPersonIdentifiant", t.personID)),
			one(leaf("GARMEFCode", mefCode)),
		}}
	}
	eleveEns := &Element{Name: "GAREleveEnseignement", Sequence: []Particle{
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARPersonIdentifiant", t.personID)),
		one(leaf("GARMatiereCode", matiereCode)),
	}}
	etab := &Element{Name: "GAREtab", Sequence: []Particle{
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARStructureNomCourant", t.nomCourant)),
		opt(leaf("GAREtablissementStructRattachFctl", str("GAREtablissementStructRattachFctlType", gar.MaxLabel))),
		opt(leaf("GARStructureContrat", t.contrat)),
		opt(leaf("GARStructureTelephone", t.telephone)),
		opt(leaf("GARStructureEmail", t.email)),
	}}
	mef := &Element{Name: "GARMEF", Sequence: []Particle{
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARMEFCode", mefCode)),
		one(leaf("GARMEFLibelle", str("GARMEFLibelleType", gar.MaxLabel))),
		opt(leaf("GARMEFRattach", mefCode)),
		opt(leaf("GARMEFSTAT11", str("GARMEFSTAT11Type", gar.MaxMEFSTAT11))),
	}}
	matiere := &Element{Name: "GARMatiere", Sequence: []Particle{
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARMatiereCode", matiereCode)),
		one(leaf("GARMatiereLibelle", str("GARMatiereLibelleType", gar.MaxLabel))),
	}}
	ensMatiere := func(name string) *Element {
		return &Element{Name: name, Sequence: []Particle{
			one(leaf("GARStructureUAI", t.uai)),
			one(leaf("GARPersonIdentifiant", t.personID)),
			one(leaf("GARGroupeCode", t.groupCode)),
			many(leaf("GARMatiereCode", matiereCode)),
		}}
	}
	triple := []string{"GARStructureUAI", "GARPersonIdentifiant"}
	return &Grammar{
		Degree:    gar.D2,
		Namespace: gar.D2.Namespace(),
		Roots: map[gar.FileType]*Element{
			gar.FileEleve: root(gar.FileEleve, []Key{
				key("GAREleve", "GAREleve", "GARPersonIdentifiant"),
				key("GARPersonMEF-Eleve", "GARPersonMEF", append(triple, "GARMEFCode")...),
				key("GAREleveEnseignement", "GAREleveEnseignement", append(triple, "GARMatiereCode")...),
			}, eleve, personMEF(), eleveEns),
			gar.FileEnseignant: root(gar.FileEnseignant, []Key{
				key("GAREnseignant", "GAREnseignant", "GARPersonIdentifiant"),
				key("GARPersonMEF-Enseignant", "GARPersonMEF", append(triple, "GARMEFCode")...),
			}, enseignant, personMEF()),
			gar.FileRespAff: root(gar.FileRespAff, []Key{
				key("GARRespAff", "GARRespAff", "GARPersonIdentifiant"),
			}, respAff(t)),
			gar.FileEtab: root(gar.FileEtab, []Key{
				key("GAREtab", "GAREtab", "GARStructureUAI"),
				key("GARMEF", "GARMEF", "GARStructureUAI", "GARMEFCode"),
				key("GARMatiere", "GARMatiere", "GARStructureUAI", "GARMatiereCode"),
			}, etab, mef, matiere),
			gar.FileGroupe: root(gar.FileGroupe, []Key{
				key("GARGroupe", "GARGroupe", "GARGroupeCode", "GARStructureUAI"),
				key("GARPersonGroupe", "GARPersonGroupe", append(triple, "GARGroupeCode")...),
				key("GAREnsGroupeMatiere", "GAREnsGroupeMatiere", append(triple, "GARGroupeCode")...),
				key("GAREnsClasseMatiere", "GAREnsClasseMatiere", append(triple, "GARGroupeCode")...),
			}, groupe(t), personGroupe(t), ensMatiere("GAREnsGroupeMatiere"), ensMatiere("GAREnsClasseMatiere")),
		},
	}
}

func grammar1D() *Grammar {
	t := sharedTypes()
	eleve := &Element{Name: "GAREleve", Sequence: concat(identite(t),
		many(leaf("GARPersonEtab", t.uai)),
		opt(leaf("GARPersonDateNaissance", t.date)),
	)}
	enseignant := &Element{Name: "GAREnseignant", Sequence: concat(identite(t),
		many(leaf("GARPersonEtab", t.uai)),
		opt(leaf("GARPersonDateNaissance", t.date)),
		anyNum(&Element{Name: "GAREnsSpecialitesPostes", Sequence: []Particle{
			one(leaf("GARStructureUAI", t.uai)),
			many(leaf("GAREnsSpecialitePosteCode", str("GAREnsSpecialitePosteCodeType", gar.MaxCode))),
		}}),
	)}
	mefstat4 := func() *Element {
		return &Element{Name: "GARPersonMEFSTAT4", Sequence: []Particle{
			one(leaf("GARStructureUAI", t.uai)),
			one(leaf("GARPersonIdentifiant", t.personID)),
			one(leaf("GARMEFSTAT4Code", str("GARMEFSTAT4CodeType", gar.MaxMEFSTAT4))),
		}}
	}
	etab := &Element{Name: "GAREtab", Sequence: []Particle{
		one(leaf("GARStructureUAI", t.uai)),
		one(leaf("GARStructureNomCourant", t.nomCourant)),
		opt(leaf("GARStructureContrat", t.contrat)),
		opt(leaf("GARStructureTelephone", t.telephone)),
		opt(leaf("GARStructureEmail", t.email)),
	}}
	triple := []string{"GARStructureUAI", "GARPersonIdentifiant"}
	return &Grammar{
		Degree:    gar.D1,
		Namespace: gar.D1.Namespace(),
		Roots: map[gar.FileType]*Element{
			gar.FileEleve: root(gar.FileEleve, []Key{
				key("GAREleve", "GAREleve", "GARPersonIdentifiant"),
				key("GARPersonMEFSTAT4-Eleve", "GARPersonMEFSTAT4", append(triple, "GARMEFSTAT4Code")...),
			}, eleve, mefstat4()),
			gar.FileEnseignant: root(gar.FileEnseignant, []Key{
				key("GAREnseignant", "GAREnseignant", "GARPersonIdentifiant"),
				key("GARPersonMEFSTAT4-Enseignant", "GARPersonMEFSTAT4", append(triple, "GARMEFSTAT4Code")...),
			}, enseignant, mefstat4()),
			gar.FileRespAff: root(gar.FileRespAff, []Key{
				key("GARRespAff", "GARRespAff", "GARPersonIdentifiant"),
			}, respAff(t)),
			gar.FileEtab: root(gar.FileEtab, []Key{
				key("GAREtab", "GAREtab", "GARStructureUAI"),
			}, etab),
			gar.FileGroupe: root(gar.FileGroupe, []Key{
				key("GARGroupe", "GARGroupe", "GARGroupeCode", "GARStructureUAI"),
				key("GARPersonGroupe", "GARPersonGroupe", append(triple, "GARGroupeCode")...),
			}, groupe(t), personGroupe(t)),
		},
	}
}
