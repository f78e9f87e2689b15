package mediacentre

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
)

// jsonErreur is GAR's JSON error body: {"Erreur":{"Code","Message","Resource"}}.
type jsonErreur struct {
	Erreur *erreurFields `json:"Erreur"`
}

type erreurFields struct {
	Code     string `json:"Code" xml:"Code"`
	Message  string `json:"Message" xml:"Message"`
	Resource string `json:"Resource" xml:"Resource"`
}

// xmlErreur is GAR's XML error body:
// <Erreur><Code/><Message/><Resource/></Erreur>.
type xmlErreur struct {
	XMLName xml.Name
	erreurFields
}

// parseErreur reads GAR's Erreur from an error answer's body (already
// decompressed), in the syntax Content-Type names or, failing that, the one
// the body looks like. It never fails: a body that holds no Erreur (an HTML
// page from a proxy, an empty body) gives empty fields, and the status alone
// then classifies the error.
func parseErreur(body []byte, contentType string) erreurFields {
	f := formatOf(contentType)
	if f == formatUnknown {
		b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte(utf8BOM)), " \t\r\n")
		switch {
		case len(b) > 0 && b[0] == '{':
			f = formatJSON
		case len(b) > 0 && b[0] == '<':
			f = formatXML
		}
	}
	var out erreurFields
	switch f {
	case formatJSON:
		var doc jsonErreur
		if json.Unmarshal(body, &doc) == nil && doc.Erreur != nil {
			out = *doc.Erreur
		}
	case formatXML:
		var doc xmlErreur
		if xml.Unmarshal(body, &doc) == nil && doc.XMLName.Local == "Erreur" {
			out = doc.erreurFields
		}
	}
	out.Code = strings.TrimSpace(out.Code)
	out.Message = strings.TrimSpace(out.Message)
	out.Resource = strings.TrimSpace(out.Resource)
	return out
}
