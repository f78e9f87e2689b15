package analyse

import "github.com/entgar/entgar/gar"

// kind numbers the element types of the calcul des écarts, in the order
// of GAR's notification (§5.5.1).
type kind uint8

const (
	kEtab kind = iota
	kMEF
	kMatiere
	kEleve
	kEnseignant
	kRespAff
	kRespAffEtab
	kPersonMEFEleve
	kPersonMEFEnseignant
	kPersonMEFSTAT4Eleve
	kPersonMEFSTAT4Enseignant
	kEleveEnseignement
	kGroupe
	kPersonProfilsEleve
	kPersonProfilsEnseignant
	kEnsDisciplinesPostes
	kEnsSpecialitesPostes
	kGroupeDivAppartenance
	kPersonGroupe
	kEnsClasseMatiere
	kEnsGroupeMatiere
	numKinds
)

// kindNames are GAR's names of the element types in its notification.
var kindNames = [numKinds]string{
	"GAREtab", "GARMEF", "GARMatiere", "GAREleve", "GAREnseignant", "GARRespAff", "GARRespAffEtab",
	"GARPersonMEFEleve", "GARPersonMEFEnseignant", "GARPersonMEFSTAT4Eleve", "GARPersonMEFSTAT4Enseignant",
	"GAREleveEnseignement", "GARGroupe", "GARPersonProfilsEleve", "GARPersonProfilsEnseignant",
	"GAREnsDisciplinesPostes", "GAREnsSpecialitesPostes", "GARGroupeDivAppartenance", "GARPersonGroupe",
	"GAREnsClasseMatiere", "GAREnsGroupeMatiere",
}

// nodeKind returns the kind of a top-level node of a file type.
func nodeKind(t gar.FileType, name string) (kind, bool) {
	switch name {
	case "GAREtab":
		return kEtab, true
	case "GARMEF":
		return kMEF, true
	case "GARMatiere":
		return kMatiere, true
	case "GAREleve":
		return kEleve, true
	case "GAREnseignant":
		return kEnseignant, true
	case "GARRespAff":
		return kRespAff, true
	case "GARPersonMEF":
		if t == gar.FileEnseignant {
			return kPersonMEFEnseignant, true
		}
		return kPersonMEFEleve, true
	case "GARPersonMEFSTAT4":
		if t == gar.FileEnseignant {
			return kPersonMEFSTAT4Enseignant, true
		}
		return kPersonMEFSTAT4Eleve, true
	case "GAREleveEnseignement":
		return kEleveEnseignement, true
	case "GARGroupe":
		return kGroupe, true
	case "GARPersonGroupe":
		return kPersonGroupe, true
	case "GAREnsClasseMatiere":
		return kEnsClasseMatiere, true
	case "GAREnsGroupeMatiere":
		return kEnsGroupeMatiere, true
	}
	return 0, false
}

// degreeKinds lists the kinds a degree's grammar has, for the diff table.
func degreeKinds(d gar.Degree) []kind {
	if d == gar.D1 {
		return []kind{kEtab, kEleve, kEnseignant, kRespAff, kRespAffEtab, kPersonMEFSTAT4Eleve, kPersonMEFSTAT4Enseignant,
			kGroupe, kPersonProfilsEleve, kPersonProfilsEnseignant, kEnsSpecialitesPostes, kGroupeDivAppartenance, kPersonGroupe}
	}
	return []kind{kEtab, kMEF, kMatiere, kEleve, kEnseignant, kRespAff, kRespAffEtab, kPersonMEFEleve, kPersonMEFEnseignant,
		kEleveEnseignement, kGroupe, kPersonProfilsEleve, kPersonProfilsEnseignant, kEnsDisciplinesPostes,
		kGroupeDivAppartenance, kPersonGroupe, kEnsClasseMatiere, kEnsGroupeMatiere}
}
