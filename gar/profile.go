package gar

// Profile is a GAR access profile ("profil d'accédant") as defined by the
// SDET, e.g. National_elv for a pupil.
type Profile string

// The profiles GAR accepts (reference §5.4 and annex §9).
const (
	ProfilePupil        Profile = "National_elv" // élève
	ProfileTeacher      Profile = "National_ens" // enseignant
	ProfileLibrarian    Profile = "National_doc" // enseignant documentaliste, 2D only
	ProfileHead         Profile = "National_dir" // personnel de direction
	ProfileEducation    Profile = "National_evs" // personnel de vie scolaire
	ProfileStaff        Profile = "National_eta" // personnel administratif, technique ou d'encadrement
	ProfileLocalAuth    Profile = "National_col" // personnel de collectivité
	ProfileAcademyStaff Profile = "National_aca" // personnel de rectorat
)

// StaffProfiles lists the profiles a staff member may hold, in a stable order.
var StaffProfiles = []Profile{ProfileTeacher, ProfileLibrarian, ProfileHead, ProfileEducation, ProfileStaff, ProfileLocalAuth, ProfileAcademyStaff}

// AllowedForStaff reports whether a staff member may hold profile p in an
// establishment of degree d: every staff profile, except that the librarian
// profile exists only in the second degree.
func AllowedForStaff(p Profile, d Degree) bool {
	switch p {
	case ProfileTeacher, ProfileHead, ProfileEducation, ProfileStaff, ProfileLocalAuth, ProfileAcademyStaff:
		return true
	case ProfileLibrarian:
		return d == D2
	}
	return false
}

// Known reports whether p is one of the profiles GAR accepts in any degree.
func (p Profile) Known() bool {
	return p == ProfilePupil || AllowedForStaff(p, D2)
}
