package mediacentre

// wireTerm is GAR's typePresentation (code, nom) or UriDescription (uri,
// nom), in JSON or XML.
type wireTerm struct {
	Code string `json:"code" xml:"code"`
	URI  string `json:"uri" xml:"uri"`
	Nom  string `json:"nom" xml:"nom"`
}

// wireResource is one étiquette as GAR writes it, in JSON or XML: the same
// names in both syntaxes. Fields GAR may add later are ignored by both
// decoders.
type wireResource struct {
	IDRessource           string              `json:"idRessource" xml:"idRessource"`
	IDType                string              `json:"idType" xml:"idType"`
	NomRessource          string              `json:"nomRessource" xml:"nomRessource"`
	IDEditeur             string              `json:"idEditeur" xml:"idEditeur"`
	NomEditeur            string              `json:"nomEditeur" xml:"nomEditeur"`
	URLVignette           string              `json:"urlVignette" xml:"urlVignette"`
	TypePresentation      wireTerm            `json:"typePresentation" xml:"typePresentation"`
	TypePedagogique       oneOrMany[wireTerm] `json:"typePedagogique" xml:"typePedagogique"`
	TypologieDocument     oneOrMany[wireTerm] `json:"typologieDocument" xml:"typologieDocument"`
	NiveauEducatif        oneOrMany[wireTerm] `json:"niveauEducatif" xml:"niveauEducatif"`
	DomaineEnseignement   oneOrMany[wireTerm] `json:"domaineEnseignement" xml:"domaineEnseignement"`
	URLAccesRessource     string              `json:"urlAccesRessource" xml:"urlAccesRessource"`
	NomSourceEtiquetteGar string              `json:"nomSourceEtiquetteGar" xml:"nomSourceEtiquetteGar"`
	DistributeurTech      string              `json:"distributeurTech" xml:"distributeurTech"`
	ValidateurTech        string              `json:"validateurTech" xml:"validateurTech"`
}

func (w *wireResource) resource() Resource {
	return Resource{
		ID:               w.IDRessource,
		IDType:           w.IDType,
		Name:             w.NomRessource,
		PublisherID:      w.IDEditeur,
		PublisherName:    w.NomEditeur,
		ThumbnailURL:     w.URLVignette,
		Presentation:     w.TypePresentation.term(),
		PedagogicalTypes: terms(w.TypePedagogique),
		DocumentTypes:    terms(w.TypologieDocument),
		EducationLevels:  terms(w.NiveauEducatif),
		TeachingDomains:  terms(w.DomaineEnseignement),
		AccessURL:        w.URLAccesRessource,
		LabelSource:      w.NomSourceEtiquetteGar,
		TechDistributor:  w.DistributeurTech,
		TechValidator:    w.ValidateurTech,
	}
}

func (t wireTerm) term() Term { return Term{Code: t.Code, URI: t.URI, Name: t.Nom} }

func terms(list []wireTerm) []Term {
	if len(list) == 0 {
		return nil
	}
	out := make([]Term, len(list))
	for i, t := range list {
		out[i] = t.term()
	}
	return out
}
