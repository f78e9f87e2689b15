package mediacentre

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// oneOrMany decodes a JSON value that is either an array of T or a single T:
// JSON produced from XML by generic converters writes a one-element list as
// a bare object. null and a missing value decode to no items.
type oneOrMany[T any] []T

func (m *oneOrMany[T]) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		*m = nil
		return nil
	}
	if data[0] == '[' {
		var list []T
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		*m = list
		return nil
	}
	var one T
	if err := json.Unmarshal(data, &one); err != nil {
		return err
	}
	*m = oneOrMany[T]{one}
	return nil
}

// jsonList is the top of a listeRessources answer:
// {"listeRessources":{"ressource":[...]}}.
type jsonList struct {
	ListeRessources *struct {
		Ressource oneOrMany[wireResource] `json:"ressource"`
	} `json:"listeRessources"`
}

// decodeResourcesJSON decodes a JSON listeRessources answer. A document
// without a listeRessources member is an error (it is not an answer of this
// service); one with an empty or null list is a user with no resources.
func decodeResourcesJSON(r io.Reader) ([]Resource, error) {
	var doc jsonList
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode JSON answer: %w", err)
	}
	if err := expectJSONEnd(dec); err != nil {
		return nil, err
	}
	if doc.ListeRessources == nil {
		return nil, fmt.Errorf("decode JSON answer: no listeRessources member")
	}
	list := doc.ListeRessources.Ressource
	out := make([]Resource, len(list))
	for i := range list {
		out[i] = list[i].resource()
	}
	return out, nil
}

// expectJSONEnd fails when anything but white space follows the document.
func expectJSONEnd(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return fmt.Errorf("decode JSON answer: data after the document")
		}
		return fmt.Errorf("decode JSON answer: %w", err)
	}
	return nil
}
