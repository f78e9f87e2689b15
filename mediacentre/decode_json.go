package mediacentre

import (
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// oneOrMany decodes a JSON value that is either an array of T or a single T:
// JSON produced from XML by generic converters writes a one-element list as
// a bare object. null and a missing value decode to no items. It decodes
// straight from the token stream (json v2's UnmarshalerFrom), so that the
// tolerance costs no second parse of the value.
type oneOrMany[T any] []T

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (m *oneOrMany[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		*m = nil
		return err
	case '{':
		var one T
		if err := json.UnmarshalDecode(dec, &one); err != nil {
			return err
		}
		*m = oneOrMany[T]{one}
		return nil
	}
	var list []T
	if err := json.UnmarshalDecode(dec, &list); err != nil {
		return err
	}
	*m = list
	return nil
}

// jsonList is the top of a listeRessources answer:
// {"listeRessources":{"ressource":[...]}}, Rs being the type of the list.
type jsonList[Rs any] struct {
	ListeRessources *struct {
		Ressource Rs `json:"ressource"`
	} `json:"listeRessources"`
}

// jsonOptions tolerate what encoding/json tolerates: duplicate names (the
// last wins) and invalid UTF-8 (replaced), so that one odd étiquette does
// not hide a whole list. Unknown members are skipped (json v2's default).
func jsonOptions() json.Options {
	return json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// decodeResourcesJSON decodes a JSON listeRessources answer. A document
// without a listeRessources member is an error (it is not an answer of this
// service); one with an empty or null list is a user with no resources.
// Lists are decoded as arrays first; only a document that writes a list
// as a bare object is decoded again with the tolerant types, which cost
// more.
func decodeResourcesJSON(body []byte) ([]Resource, error) {
	var fast jsonList[[]wireResource]
	err := json.Unmarshal(body, &fast, jsonOptions())
	var se *json.SemanticError
	if errors.As(err, &se) {
		var tolerant jsonList[oneOrMany[tolerantResource]]
		if err2 := json.Unmarshal(body, &tolerant, jsonOptions()); err2 == nil {
			if tolerant.ListeRessources == nil {
				return nil, fmt.Errorf("decode JSON answer: no listeRessources member")
			}
			return toResources(tolerant.ListeRessources.Ressource), nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("decode JSON answer: %w", err)
	}
	if fast.ListeRessources == nil {
		return nil, fmt.Errorf("decode JSON answer: no listeRessources member")
	}
	return toResources(fast.ListeRessources.Ressource), nil
}
