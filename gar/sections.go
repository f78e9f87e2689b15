package gar

// Sections returns the kinds of top-level nodes a file of type t holds in a
// degree-d archive, in the order the grammar's root sequence requires them.
// A writer must emit every node of one kind before the first of the next.
func Sections(d Degree, t FileType) []string {
	if d == D1 {
		switch t {
		case FileEleve:
			return []string{"GAREleve", "GARPersonMEFSTAT4"}
		case FileEnseignant:
			return []string{"GAREnseignant", "GARPersonMEFSTAT4"}
		case FileEtab:
			return []string{"GAREtab"}
		case FileGroupe:
			return []string{"GARGroupe", "GARPersonGroupe"}
		case FileRespAff:
			return []string{"GARRespAff"}
		}
		return nil
	}
	switch t {
	case FileEleve:
		return []string{"GAREleve", "GARPersonMEF", "GAREleveEnseignement"}
	case FileEnseignant:
		return []string{"GAREnseignant", "GARPersonMEF"}
	case FileEtab:
		return []string{"GAREtab", "GARMEF", "GARMatiere"}
	case FileGroupe:
		return []string{"GARGroupe", "GARPersonGroupe", "GAREnsGroupeMatiere", "GAREnsClasseMatiere"}
	case FileRespAff:
		return []string{"GARRespAff"}
	}
	return nil
}
