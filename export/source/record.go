package source

import "github.com/entgar/entgar/gar"

// Establishment is a school or establishment known to the ENT
// (establishments.jsonl). Only those enabled for GAR are exported.
type Establishment struct {
	UAI        string     `json:"uai"`
	Degree     gar.Degree `json:"degree,omitempty"`
	Name       string     `json:"name"`
	GAREnabled bool       `json:"gar_enabled"`
	Contract   string     `json:"contract,omitempty"`
	Phone      string     `json:"phone,omitempty"`
	Email      string     `json:"email,omitempty"`
	// FunctionalAttachment is the UAI of the head establishment of the
	// "cité scolaire" this one belongs to (GAREtablissementStructRattachFctl,
	// 2D only).
	FunctionalAttachment string `json:"functional_attachment,omitempty"`
}

// MEF is a "module élémentaire de formation" taught in a second-degree
// establishment (mefs.jsonl).
type MEF struct {
	UAI        string `json:"uai"`
	Code       string `json:"code"`
	Label      string `json:"label"`
	Attachment string `json:"attachment,omitempty"` // GARMEFRattach
	MEFSTAT11  string `json:"mefstat11,omitempty"`
}

// Subject is a subject ("matière") taught in a second-degree establishment
// (subjects.jsonl).
type Subject struct {
	UAI   string `json:"uai"`
	Code  string `json:"code"`
	Label string `json:"label"`
}

// Group is a division (class) or another group of an establishment
// (groups.jsonl). Divisions lists, for a group that is not a division, the
// divisions its pupils come from.
type Group struct {
	UAI       string   `json:"uai"`
	Code      string   `json:"code"`
	Label     string   `json:"label"`
	Status    string   `json:"status"` // DIVISION or GROUPE
	Divisions []string `json:"divisions,omitempty"`
}

// Identity is what GAR knows of every person.
type Identity struct {
	ID              string   `json:"id"` // GARPersonIdentifiant: stable, case-sensitive
	SecondaryID     string   `json:"secondary_id,omitempty"`
	LastName        string   `json:"last_name"`
	BirthName       string   `json:"birth_name,omitempty"`
	FirstName       string   `json:"first_name"`
	OtherFirstNames []string `json:"other_first_names,omitempty"` // every first name; defaults to FirstName
	Civility        string   `json:"civility,omitempty"`
	BirthDate       string   `json:"birth_date,omitempty"`     // YYYY-MM-DD
	AttachmentUAI   string   `json:"attachment_uai,omitempty"` // GARPersonStructRattach
}

// Pupil is a pupil with the establishments they attend (pupils.jsonl). A
// pupil attends schools of one degree only.
type Pupil struct {
	Identity
	Schools []PupilSchool `json:"schools"`
}

// PupilSchool is what a pupil follows in one establishment.
type PupilSchool struct {
	UAI      string   `json:"uai"`
	MEFs     []string `json:"mefs,omitempty"`     // 2D: GARMEFCode
	MEFSTAT4 []string `json:"mefstat4,omitempty"` // 1D: GARMEFSTAT4Code
	Subjects []string `json:"subjects,omitempty"` // 2D: GAREleveEnseignement
	Groups   []string `json:"groups,omitempty"`   // divisions and groups (GARPersonGroupe)
}

// Staff is a teacher or another member of staff (staff.jsonl). One record
// holds every establishment the person works in, of both degrees: the export
// writes the 1D part in the 1D archive and the 2D part in the 2D archive,
// with the same GARPersonIdentifiant.
type Staff struct {
	Identity
	Mails   []string      `json:"mails,omitempty"` // 2D only (GARPersonMail)
	Schools []StaffSchool `json:"schools"`
}

// StaffSchool is what a member of staff does in one establishment.
type StaffSchool struct {
	UAI      string        `json:"uai"`
	Profiles []gar.Profile `json:"profiles"`
	// Disciplines are the codes of the person's post: "disciplines de poste"
	// in 2D, "spécialités de poste" in 1D.
	Disciplines []string   `json:"disciplines,omitempty"`
	MEFs        []string   `json:"mefs,omitempty"`     // 2D: GARMEFCode taught
	MEFSTAT4    []string   `json:"mefstat4,omitempty"` // 1D: GARMEFSTAT4Code taught
	Groups      []string   `json:"groups,omitempty"`   // membership (GARPersonGroupe)
	Teaching    []Teaching `json:"teaching,omitempty"` // 2D: subjects taught per division or group
}

// Teaching says which subjects a teacher teaches to one division or group.
// The export writes it as GAREnsClasseMatiere for a division and as
// GAREnsGroupeMatiere for another group.
type Teaching struct {
	Group    string   `json:"group"`
	Subjects []string `json:"subjects"`
}

// RespAff designates a person as "responsable d'affectation" in some
// establishments (respaff.jsonl): they may assign resources in GAR's console.
type RespAff struct {
	ID             string   `json:"id"`
	LastName       string   `json:"last_name"`
	FirstName      string   `json:"first_name"`
	Civility       string   `json:"civility,omitempty"`
	Mails          []string `json:"mails"`
	Establishments []string `json:"establishments"`
}
