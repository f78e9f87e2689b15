package gar

import "unicode/utf8"

// Maximum lengths, in characters, of the GAR-ENT grammars' simple types.
// They are the same in the 1D and 2D grammars except where named.
const (
	MaxPersonID       = 64  // GARPersonIdentifiant
	MaxUAI            = 45  // GARStructureUAI, GARPersonEtab, GARRespAffEtab...
	MaxCode           = 255 // GARMEFCode, GARMatiereCode, GARGroupeCode, discipline codes
	MaxMEFSTAT4       = 4   // GARMEFSTAT4Code (1D)
	MaxSecondaryID    = 255 // GARPersonIdSecondaire
	MaxName           = 500 // GARPersonNom, GARPersonNomPatro, GARPersonPrenom, GARPersonAutresPrenoms, GARStructureNomCourant
	MaxCivility       = 30  // GARPersonCivilite
	MaxMail           = 255 // GARPersonMail, GARStructureEmail
	MaxProfile        = 31  // GARPersonProfil
	MaxLabel          = 255 // GARMEFLibelle, GARMatiereLibelle, GARGroupeLibelle, GAREtablissementStructRattachFctl
	MaxContract       = 45  // GARStructureContrat
	MaxPhone          = 20  // GARStructureTelephone
	MaxGroupStatus    = 31  // GARGroupeStatut
	MaxMEFSTAT11      = 255 // GARMEFSTAT11
	MaxRespAffPerEtab = 50  // RespAff designated per establishment (§6)
)

// TooLong reports whether s has more than max characters. XSD lengths count
// characters (code points), not bytes, so "É" counts once.
func TooLong(s string, max int) bool {
	if len(s) <= max {
		return false
	}
	return utf8.RuneCountInString(s) > max
}
