// Package mediacentre is the ENT side of GAR's médiacentre (reference §7):
// a client of the listeRessources and ressourcesDiffusables web services
// over mutual TLS, the model of GAR's "étiquette ressource", the mapping of
// GAR's errors to messages a pupil can read, and (in files owned by the
// serving code) the cache, JSON API and HTML page built on them.
//
// One Client serves one idENT: it holds one pooled HTTP client whose TLS
// configuration presents that ENT's certificate. Every request is built
// afresh (Date, Accept, Accept-Encoding), answers are decoded by their
// Content-Type and Content-Encoding into the same model whether GAR sent JSON
// or XML, and every read is bounded.
package mediacentre

// Term is one entry of a GAR vocabulary as found in an étiquette.
//
// For typePresentation, Code holds the presentation code (DIC, DOC, MAN,
// MUL, ORI, PRO or ACC) and Name its label; URI is empty. For the ScoLOMFR
// vocabularies (typePedagogique, typologieDocument, niveauEducatif,
// domaineEnseignement), URI identifies the concept and Name is its label;
// Code is empty. Labels vary between GAR platforms and over time: match on
// Code or URI, show Name.
type Term struct {
	Code string `json:"code,omitempty"`
	URI  string `json:"uri,omitempty"`
	Name string `json:"name,omitempty"`
}

// Resource is one "étiquette ressource" of listeRessources (reference
// §7.2.3.5, table 13): every field GAR sends, named in English. The JSON tags
// are entgar's own (the JSON API of `entgar serve`), not GAR's.
type Resource struct {
	// ID is idRessource, the resource's identifier in its ScoLOMFR notice,
	// usually an ARK URL such as http://n2t.net/ark:/99999/r14xxxxxxxx.
	ID string `json:"id"`
	// IDType is idType, the kind of ID ("ARK").
	IDType string `json:"id_type,omitempty"`
	// Name is nomRessource, the title shown to the user.
	Name string `json:"name"`
	// PublisherID is idEditeur: the publisher's SIREN and ISNI joined by '_'
	// (ISNI "0000000000000000" when the publisher has none).
	PublisherID string `json:"publisher_id,omitempty"`
	// PublisherName is nomEditeur, shown to the user.
	PublisherName string `json:"publisher_name,omitempty"`
	// ThumbnailURL is urlVignette: GAR's 310x250 thumbnail, served by GAR.
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
	// Presentation is typePresentation: Code groups the médiacentre
	// (PresentationCodes gives the display order).
	Presentation Term `json:"presentation"`
	// PedagogicalTypes is typePedagogique (ScoLOMFR vocabulary 010).
	PedagogicalTypes []Term `json:"pedagogical_types,omitempty"`
	// DocumentTypes is typologieDocument (ScoLOMFR vocabulary 005).
	DocumentTypes []Term `json:"document_types,omitempty"`
	// EducationLevels is niveauEducatif (ScoLOMFR vocabulary 022).
	EducationLevels []Term `json:"education_levels,omitempty"`
	// TeachingDomains is domaineEnseignement (ScoLOMFR vocabulary 015).
	TeachingDomains []Term `json:"teaching_domains,omitempty"`
	// AccessURL is urlAccesRessource: the link through GAR's redirector,
	// carrying idENT, the establishment and the resource.
	AccessURL string `json:"access_url"`
	// LabelSource is nomSourceEtiquetteGar, a fixed text ("Accessible via le
	// Gestionnaire d'accès aux ressources (GAR)"), the thumbnail's
	// alternative text according to §7.3.
	LabelSource string `json:"label_source,omitempty"`
	// TechDistributor is distributeurTech: SIREN_ISNI of the technical
	// distributor, for support contacts.
	TechDistributor string `json:"tech_distributor,omitempty"`
	// TechValidator is validateurTech: SIREN_ISNI of the technical
	// validator, for support contacts.
	TechValidator string `json:"tech_validator,omitempty"`
}

// The presentation codes of GAR (reference §7.2.3.5, table 16). The
// médiacentre groups resources by these codes, in the order of
// PresentationCodes.
const (
	// PresentationDIC: ressources de référence, dictionnaires et
	// encyclopédies.
	PresentationDIC = "DIC"
	// PresentationDOC: ressources documentaires et de presse.
	PresentationDOC = "DOC"
	// PresentationMAN: manuels numériques.
	PresentationMAN = "MAN"
	// PresentationMUL: ressources d'enseignement multimédias.
	PresentationMUL = "MUL"
	// PresentationORI: ressources d'orientation.
	PresentationORI = "ORI"
	// PresentationPRO: ressources de production pédagogique.
	PresentationPRO = "PRO"
	// PresentationACC: ressources d'entraînement et d'accompagnement
	// scolaire.
	PresentationACC = "ACC"
)

// PresentationCodes returns the presentation codes in the order the
// médiacentre shows their groups: DIC, DOC, MAN, MUL, ORI, PRO, ACC. Each
// call returns a new slice.
func PresentationCodes() []string {
	return []string{
		PresentationDIC, PresentationDOC, PresentationMAN, PresentationMUL,
		PresentationORI, PresentationPRO, PresentationACC,
	}
}

// PresentationLabel returns the French label of a presentation code as the
// reference words it (table 16), or "" for an unknown code. GAR sends its own
// label with each resource; this one is for group headings, so that one
// heading does not change with the wording of the first resource of a group.
func PresentationLabel(code string) string {
	switch code {
	case PresentationDIC:
		return "Ressources de référence, dictionnaires et encyclopédies"
	case PresentationDOC:
		return "Ressources documentaires et de presse"
	case PresentationMAN:
		return "Manuels numériques"
	case PresentationMUL:
		return "Ressources d'enseignement multimédias"
	case PresentationORI:
		return "Ressources d'orientation"
	case PresentationPRO:
		return "Ressources de production pédagogique"
	case PresentationACC:
		return "Ressources d'entraînement et d'accompagnement scolaire"
	}
	return ""
}

// EstablishmentResult is the answer for one establishment of a user who
// belongs to several (Client.ResourcesByEstablishment). Exactly one of
// Resources and Err is meaningful: Err is nil on success (Resources may then
// be empty: no resource assigned), and on failure Resources is nil and Err
// says why (UserMessage(Err) is the text to show).
type EstablishmentResult struct {
	// UAI is the establishment, upper-cased as sent to GAR.
	UAI string `json:"uai"`
	// Resources are the resources assigned to the user in this
	// establishment.
	Resources []Resource `json:"resources"`
	// Err is why this establishment's list could not be fetched.
	Err error `json:"-"`
}
