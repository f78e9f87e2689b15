package mediacentre

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// The XML answer mirrors the JSON one (the reference gives the JSON sample
// and points to an XSD that is not published with it): a listeRessources
// root, one ressource element per étiquette, one child element per field,
// the multi-valued fields repeated, each term with uri (or code) and nom
// children. Elements are matched on their local names whatever their
// namespace, and unknown elements are skipped, so that a namespace or a
// field added by GAR does not break the médiacentre.

// xmlList is any root holding ressource elements.
type xmlList struct {
	XMLName   xml.Name
	Ressource []wireResource `xml:"ressource"`
}

// decodeResourcesXML decodes an XML answer. The root must be root (for
// listeRessources) unless root is empty (ressourcesDiffusables, whose root
// the reference does not name).
func decodeResourcesXML(body []byte, root string) ([]Resource, error) {
	var doc xmlList
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode XML answer: %w", err)
	}
	if doc.XMLName.Local == "Erreur" || root != "" && doc.XMLName.Local != root {
		return nil, fmt.Errorf("decode XML answer: root element is <%s>, want <%s>", doc.XMLName.Local, root)
	}
	if err := expectXMLEnd(dec); err != nil {
		return nil, err
	}
	return toResources(doc.Ressource), nil
}

// expectXMLEnd fails when anything but comments, processing instructions or
// white space follows the root element.
func expectXMLEnd(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decode XML answer: %w", err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(trimXMLSpace(t)) != 0 {
				return fmt.Errorf("decode XML answer: text after the root element")
			}
		default:
			return fmt.Errorf("decode XML answer: content after the root element")
		}
	}
}

func trimXMLSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}
