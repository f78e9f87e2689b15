package garsim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// The Content-Encoding values the simulator can answer with. "raw-deflate"
// is sent as "deflate" but without the zlib wrapper, as some servers do.
const (
	encodingIdentity   = "identity"
	encodingGzip       = "gzip"
	encodingDeflate    = "deflate"
	encodingRawDeflate = "raw-deflate"
)

// listNamespace is the namespace of the simulator's XML answers: the
// reference does not publish GAR's, and clients must not depend on it.
const listNamespace = "http://garsim.invalid/ns/listeRessources"

// encodeList writes a listeRessources answer as GAR does: JSON
// {"listeRessources":{"ressource":[...]}} or its XML equivalent.
func encodeList(list []simResource, asJSON bool) ([]byte, error) {
	if list == nil {
		list = []simResource{}
	}
	if asJSON {
		type body struct {
			Ressource []simResource `json:"ressource"`
		}
		return json.Marshal(struct {
			ListeRessources body `json:"listeRessources"`
		}{body{list}})
	}
	return encodeXMLList("listeRessources", listNamespace, list)
}

// encodeXMLList writes list as root's ressource elements.
func encodeXMLList(root, ns string, list []simResource) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	doc := struct {
		XMLName   xml.Name
		Xmlns     string        `xml:"xmlns,attr,omitempty"`
		Ressource []simResource `xml:"ressource"`
	}{XMLName: xml.Name{Local: root}, Xmlns: ns, Ressource: list}
	if err := xml.NewEncoder(&b).Encode(doc); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// encodeErreur writes GAR's error body in JSON or XML.
func encodeErreur(code, message, resource string, asJSON bool) []byte {
	type erreur struct {
		Code     string `json:"Code" xml:"Code"`
		Message  string `json:"Message" xml:"Message"`
		Resource string `json:"Resource" xml:"Resource"`
	}
	e := erreur{code, message, resource}
	if asJSON {
		b, _ := json.Marshal(struct {
			Erreur erreur `json:"Erreur"`
		}{e})
		return b
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	xml.NewEncoder(&b).Encode(struct {
		XMLName xml.Name `xml:"Erreur"`
		erreur
	}{erreur: e})
	return b.Bytes()
}

// compressBody encodes body with the given coding and returns the bytes and
// the Content-Encoding header to send ("" for identity).
func compressBody(body []byte, coding string) ([]byte, string, error) {
	var b bytes.Buffer
	var err error
	switch coding {
	case encodingIdentity, "":
		return body, "", nil
	case encodingGzip:
		w, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
		if _, err = w.Write(body); err == nil {
			err = w.Close()
		}
	case encodingDeflate:
		w, _ := zlib.NewWriterLevel(&b, zlib.DefaultCompression)
		if _, err = w.Write(body); err == nil {
			err = w.Close()
		}
		coding = encodingDeflate
	case encodingRawDeflate:
		w, _ := flate.NewWriter(&b, flate.DefaultCompression)
		if _, err = w.Write(body); err == nil {
			err = w.Close()
		}
		coding = encodingDeflate
	default:
		return nil, "", fmt.Errorf("unknown content coding %q", coding)
	}
	if err != nil {
		return nil, "", err
	}
	return b.Bytes(), coding, nil
}

// chooseEncoding picks the coding of an answer from the request's
// Accept-Encoding: gzip when offered, else deflate, else identity.
func chooseEncoding(acceptEncoding string) string {
	offered := map[string]bool{}
	for _, part := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.ReplaceAll(strings.TrimSpace(params), " ", "") == "q=0" {
			continue
		}
		offered[strings.ToLower(strings.TrimSpace(name))] = true
	}
	switch {
	case offered[encodingGzip]:
		return encodingGzip
	case offered[encodingDeflate]:
		return encodingDeflate
	}
	return encodingIdentity
}
