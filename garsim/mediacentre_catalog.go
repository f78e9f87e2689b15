package garsim

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"

	"github.com/entgar/entgar/gar"
)

// catalogItem is one fictitious resource of the simulator's catalogue.
type catalogItem struct {
	id, name, presentation, publisher string
	// staffOnly marks teacher editions, assigned only to staff.
	staffOnly                            bool
	pedagogical, document, level, domain [][2]string // {uri, nom}
}

// Presentation labels as the simulator sends them (GAR's wording varies;
// clients must group on the code).
func presentationName(code string) string {
	switch code {
	case "DIC":
		return "ressources de référence, dictionnaires et encyclopédies"
	case "DOC":
		return "ressources documentaires et de presse"
	case "MAN":
		return "manuels numériques"
	case "MUL":
		return "ressources d'enseignement multimédias"
	case "ORI":
		return "ressources d'orientation"
	case "PRO":
		return "ressources de production pédagogique"
	case "ACC":
		return "ressources d'entraînement et d'accompagnement scolaire"
	}
	return ""
}

// ScoLOMFR-style vocabulary entries used by the catalogue. The URIs follow
// the shape of ScoLOMFR concept URIs under a domain that does not exist, so
// that nobody mistakes them for real notices.
const vocab = "http://scolomfr.garsim.invalid/concept/"

func term(voc, num, nom string) [2]string { return [2]string{vocab + voc + "-" + num, nom} }

// catalog returns the simulator's catalogue: three fictitious resources for
// each presentation code, a few of them teacher editions, each with
// vocabulary terms so that every field of the étiquette is exercised. Each
// call builds it afresh.
func catalog() []catalogItem {
	exercice := term("010", "001", "exercice")
	lecture := term("010", "002", "lecture guidée")
	etude := term("010", "003", "étude de cas")
	livre := term("005", "001", "livre numérique")
	video := term("005", "002", "vidéo")
	carte := term("005", "003", "carte")
	sixieme := term("022", "001", "6e")
	cinquieme := term("022", "002", "5e")
	seconde := term("022", "003", "2de générale et technologique")
	cm2 := term("022", "004", "CM2")
	fr := term("015", "001", "français")
	maths := term("015", "002", "mathématiques")
	hist := term("015", "003", "histoire-géographie")
	svt := term("015", "004", "sciences de la vie et de la Terre")
	anglais := term("015", "005", "anglais")
	orient := term("015", "006", "découverte des métiers")
	l := func(t ...[2]string) [][2]string { return t }
	return []catalogItem{
		{id: "sim-dic-01", name: "Dictionnaire des mots voyageurs", presentation: "DIC", publisher: "Éditions de la Lanterne", document: l(livre), level: l(sixieme, cinquieme), domain: l(fr)},
		{id: "sim-dic-02", name: "Encyclopédie junior des volcans", presentation: "DIC", publisher: "Atelier Basalte", document: l(livre, carte), level: l(cm2, sixieme), domain: l(svt)},
		{id: "sim-dic-03", name: "Lexique bilingue illustré", presentation: "DIC", publisher: "Éditions de la Lanterne", document: l(livre), level: l(seconde), domain: l(anglais)},
		{id: "sim-doc-01", name: "La gazette des collégiens", presentation: "DOC", publisher: "Presse Hirondelle", document: l(livre), level: l(sixieme, cinquieme), domain: l(fr, hist)},
		{id: "sim-doc-02", name: "Archives sonores du littoral", presentation: "DOC", publisher: "Médiathèque Marée Haute", document: l(video), domain: l(hist)},
		{id: "sim-doc-03", name: "Atlas des fleuves imaginaires", presentation: "DOC", publisher: "Atelier Basalte", document: l(carte), level: l(cinquieme), domain: l(hist)},
		{id: "sim-man-01", name: "Mathématiques 6e — manuel numérique élève", presentation: "MAN", publisher: "Éditions Compas", pedagogical: l(exercice), document: l(livre), level: l(sixieme), domain: l(maths)},
		{id: "sim-man-02", name: "Mathématiques 6e — manuel numérique enseignant", presentation: "MAN", publisher: "Éditions Compas", staffOnly: true, pedagogical: l(exercice, etude), document: l(livre), level: l(sixieme), domain: l(maths)},
		{id: "sim-man-03", name: "Français 5e — manuel numérique élève", presentation: "MAN", publisher: "Éditions de la Lanterne", pedagogical: l(lecture), document: l(livre), level: l(cinquieme), domain: l(fr)},
		{id: "sim-mul-01", name: "Laboratoire virtuel de SVT", presentation: "MUL", publisher: "Studio Chlorophylle", pedagogical: l(etude), document: l(video), level: l(cinquieme, seconde), domain: l(svt)},
		{id: "sim-mul-02", name: "Chansons pour apprendre l'anglais", presentation: "MUL", publisher: "Studio Chlorophylle", pedagogical: l(exercice), document: l(video), level: l(cm2, sixieme), domain: l(anglais)},
		{id: "sim-mul-03", name: "Frise chronologique animée", presentation: "MUL", publisher: "Atelier Basalte", document: l(video, carte), level: l(sixieme), domain: l(hist)},
		{id: "sim-ori-01", name: "Parcours métiers : du collège au lycée", presentation: "ORI", publisher: "Boussole Orientation", document: l(video), level: l(seconde), domain: l(orient)},
		{id: "sim-ori-02", name: "Portraits de professionnels", presentation: "ORI", publisher: "Boussole Orientation", document: l(video), domain: l(orient)},
		{id: "sim-ori-03", name: "Guide des stages d'observation", presentation: "ORI", publisher: "Boussole Orientation", staffOnly: true, document: l(livre), domain: l(orient)},
		{id: "sim-pro-01", name: "Atelier de création de cartes mentales", presentation: "PRO", publisher: "Atelier Basalte", pedagogical: l(etude), domain: l(fr, hist)},
		{id: "sim-pro-02", name: "Studio de podcast scolaire", presentation: "PRO", publisher: "Studio Chlorophylle", pedagogical: l(exercice), document: l(video), domain: l(fr)},
		{id: "sim-pro-03", name: "Banque d'évaluations partagées", presentation: "PRO", publisher: "Éditions Compas", staffOnly: true, pedagogical: l(exercice), domain: l(maths, svt)},
		{id: "sim-acc-01", name: "Calcul mental au quotidien", presentation: "ACC", publisher: "Éditions Compas", pedagogical: l(exercice), level: l(cm2, sixieme), domain: l(maths)},
		{id: "sim-acc-02", name: "Dictées interactives", presentation: "ACC", publisher: "Éditions de la Lanterne", pedagogical: l(exercice), level: l(sixieme, cinquieme), domain: l(fr)},
		{id: "sim-acc-03", name: "Révisions du brevet", presentation: "ACC", publisher: "Presse Hirondelle", pedagogical: l(exercice, etude), level: l(cinquieme), domain: l(maths, fr, hist)},
	}
}

// publisherID returns a fictitious SIREN_ISNI for a publisher: "9" and
// eight digits from the name's hash, and the all-zero ISNI that GAR writes
// when a publisher has none.
func publisherID(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("9%08d_0000000000000000", h.Sum32()%100000000)
}

// assigned returns the catalogue items assigned to user in uai, with the
// given profile: deterministic (a hash of idENT, UAI, user and resource),
// about two thirds of the items a pupil may see, staff also getting the
// teacher editions, and never nothing, so that every person has something to
// show.
func assigned(cat []catalogItem, ident, uai, user, profile string) []catalogItem {
	staff := profile != string(gar.ProfilePupil)
	var out []catalogItem
	for _, it := range cat {
		if it.staffOnly && !staff {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(ident + "\x00" + uai + "\x00" + user + "\x00" + it.id))
		if h.Sum32()%3 != 0 || it.staffOnly {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		out = append(out, cat[0])
	}
	return out
}

// simTerm and simResource are an étiquette as GAR writes it, in JSON and
// XML (reference §7.2.3.5, table 13).
type simTerm struct {
	Code string `json:"code,omitempty" xml:"code,omitempty"`
	URI  string `json:"uri,omitempty" xml:"uri,omitempty"`
	Nom  string `json:"nom" xml:"nom"`
}

type simResource struct {
	IDRessource           string    `json:"idRessource" xml:"idRessource"`
	IDType                string    `json:"idType" xml:"idType"`
	NomRessource          string    `json:"nomRessource" xml:"nomRessource"`
	IDEditeur             string    `json:"idEditeur" xml:"idEditeur"`
	NomEditeur            string    `json:"nomEditeur" xml:"nomEditeur"`
	URLVignette           string    `json:"urlVignette" xml:"urlVignette"`
	TypePresentation      simTerm   `json:"typePresentation" xml:"typePresentation"`
	TypePedagogique       []simTerm `json:"typePedagogique" xml:"typePedagogique"`
	TypologieDocument     []simTerm `json:"typologieDocument" xml:"typologieDocument"`
	NiveauEducatif        []simTerm `json:"niveauEducatif" xml:"niveauEducatif"`
	DomaineEnseignement   []simTerm `json:"domaineEnseignement" xml:"domaineEnseignement"`
	URLAccesRessource     string    `json:"urlAccesRessource" xml:"urlAccesRessource"`
	NomSourceEtiquetteGar string    `json:"nomSourceEtiquetteGar" xml:"nomSourceEtiquetteGar"`
	DistributeurTech      string    `json:"distributeurTech" xml:"distributeurTech"`
	ValidateurTech        string    `json:"validateurTech" xml:"validateurTech"`
}

// arkID is the fictitious ARK of a catalogue item; NAAN 99999 is the one
// reserved for examples.
func arkID(id string) string { return "ark:/99999/" + id }

// etiquette builds the étiquette of it for an access from ident/uai; base
// is the simulator's URL, which serves the thumbnails and the redirector.
func (it *catalogItem) etiquette(base, ident, uai string) simResource {
	terms := func(list [][2]string) []simTerm {
		out := make([]simTerm, len(list))
		for i, t := range list {
			out[i] = simTerm{URI: t[0], Nom: t[1]}
		}
		return out
	}
	b64 := base64.StdEncoding.EncodeToString
	id := arkID(it.id)
	pub := publisherID(it.publisher)
	q := url.Values{}
	if ident != "" {
		q.Set("idENT", b64([]byte(ident)))
		q.Set("idEtab", b64([]byte(uai)))
	}
	q.Set("idSrc", b64([]byte(id)))
	return simResource{
		IDRessource:           id,
		IDType:                "ARK",
		NomRessource:          it.name,
		IDEditeur:             pub,
		NomEditeur:            it.publisher,
		URLVignette:           strings.TrimRight(base, "/") + "/vignettes/" + it.id + ".png",
		TypePresentation:      simTerm{Code: it.presentation, Nom: presentationName(it.presentation)},
		TypePedagogique:       terms(it.pedagogical),
		TypologieDocument:     terms(it.document),
		NiveauEducatif:        terms(it.level),
		DomaineEnseignement:   terms(it.domain),
		URLAccesRessource:     strings.TrimRight(base, "/") + "/domaineGar?" + q.Encode(),
		NomSourceEtiquetteGar: "Accessible via le Gestionnaire d’accès aux ressources (GAR)",
		DistributeurTech:      pub,
		ValidateurTech:        pub,
	}
}
