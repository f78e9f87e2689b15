package mediacentre

// wireTerm is GAR's typePresentation (code, nom) or UriDescription (uri,
// nom), in JSON or XML.
type wireTerm struct {
	Code string `json:"code" xml:"code"`
	URI  string `json:"uri" xml:"uri"`
	Nom  string `json:"nom" xml:"nom"`
}

// wireResourceOf is one étiquette as GAR writes it, in JSON or XML: the
// same names in both syntaxes. Fields GAR may add later are ignored by both
// decoders. L is the type of the multi-valued fields: plain slices for the
// fast path (and XML, where repeated elements are natural), oneOrMany for
// JSON that writes a one-item list as a bare object.
type wireResourceOf[L ~[]wireTerm] struct {
	IDRessource           string   `json:"idRessource" xml:"idRessource"`
	IDType                string   `json:"idType" xml:"idType"`
	NomRessource          string   `json:"nomRessource" xml:"nomRessource"`
	IDEditeur             string   `json:"idEditeur" xml:"idEditeur"`
	NomEditeur            string   `json:"nomEditeur" xml:"nomEditeur"`
	URLVignette           string   `json:"urlVignette" xml:"urlVignette"`
	TypePresentation      wireTerm `json:"typePresentation" xml:"typePresentation"`
	TypePedagogique       L        `json:"typePedagogique" xml:"typePedagogique"`
	TypologieDocument     L        `json:"typologieDocument" xml:"typologieDocument"`
	NiveauEducatif        L        `json:"niveauEducatif" xml:"niveauEducatif"`
	DomaineEnseignement   L        `json:"domaineEnseignement" xml:"domaineEnseignement"`
	URLAccesRessource     string   `json:"urlAccesRessource" xml:"urlAccesRessource"`
	NomSourceEtiquetteGar string   `json:"nomSourceEtiquetteGar" xml:"nomSourceEtiquetteGar"`
	DistributeurTech      string   `json:"distributeurTech" xml:"distributeurTech"`
	ValidateurTech        string   `json:"validateurTech" xml:"validateurTech"`
}

// wireResource is the étiquette with plain lists.
type wireResource = wireResourceOf[[]wireTerm]

// tolerantResource is the étiquette whose lists may be bare objects.
type tolerantResource = wireResourceOf[oneOrMany[wireTerm]]

// toResources converts decoded étiquettes to the model with two
// allocations: one for the resources and one shared by all their terms.
func toResources[L ~[]wireTerm](list []wireResourceOf[L]) []Resource {
	n := 0
	for i := range list {
		w := &list[i]
		n += len(w.TypePedagogique) + len(w.TypologieDocument) + len(w.NiveauEducatif) + len(w.DomaineEnseignement)
	}
	terms := make([]Term, 0, n)
	take := func(l []wireTerm) []Term {
		if len(l) == 0 {
			return nil
		}
		start := len(terms)
		for _, t := range l {
			terms = append(terms, t.term())
		}
		return terms[start:len(terms):len(terms)]
	}
	out := make([]Resource, len(list))
	for i := range list {
		w := &list[i]
		out[i] = Resource{
			ID:               w.IDRessource,
			IDType:           w.IDType,
			Name:             w.NomRessource,
			PublisherID:      w.IDEditeur,
			PublisherName:    w.NomEditeur,
			ThumbnailURL:     w.URLVignette,
			Presentation:     w.TypePresentation.term(),
			PedagogicalTypes: take(w.TypePedagogique),
			DocumentTypes:    take(w.TypologieDocument),
			EducationLevels:  take(w.NiveauEducatif),
			TeachingDomains:  take(w.DomaineEnseignement),
			AccessURL:        w.URLAccesRessource,
			LabelSource:      w.NomSourceEtiquetteGar,
			TechDistributor:  w.DistributeurTech,
			TechValidator:    w.ValidateurTech,
		}
	}
	return out
}

func (t wireTerm) term() Term { return Term{Code: t.Code, URI: t.URI, Name: t.Nom} }
