package mediacentre

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/entgar/entgar/garsim"

	jsonv2 "github.com/go-json-experiment/json"
)

// benchAnswer returns a JSON answer of n étiquettes shaped like GAR's.
func benchAnswer(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"listeRessources":{"ressource":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"idRessource":"ark:/99999/r%d","idType":"ARK","nomRessource":"Ressource numéro %d - manuel numérique élève","idEditeur":"900000001_0000000000000000","nomEditeur":"Éditions Exemple","urlVignette":"https://vignettes.example.invalid/%d.png","typePresentation":{"code":"MAN","nom":"manuels numériques"},"typePedagogique":[{"uri":"http://example.invalid/voc/010-num-%d","nom":"étude de cas"}],"typologieDocument":[{"uri":"http://example.invalid/voc/005-num-024","nom":"livre numérique"}],"niveauEducatif":[{"uri":"http://example.invalid/voc/022-num-1","nom":"6e"},{"uri":"http://example.invalid/voc/022-num-2","nom":"5e"}],"domaineEnseignement":[{"uri":"http://example.invalid/voc/015-num-1","nom":"histoire (6e)"},{"uri":"http://example.invalid/voc/015-num-2","nom":"la longue histoire de l'humanité"},{"uri":"http://example.invalid/voc/015-num-3","nom":"conquêtes, paix romaine"}],"urlAccesRessource":"https://gar.example.invalid/domaineGar?idENT=Wlo=&idEtab=MDc1MDAwMUE=&idSrc=YXJrOi85OTk5OS9y%d","nomSourceEtiquetteGar":"Accessible via le Gestionnaire d’accès aux ressources (GAR)","distributeurTech":"900000001_0000000000000000","validateurTech":"900000001_0000000000000000"}`, i, i, i, i, i)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// BenchmarkDecodeJSON compares the client's decoder with json v2 and
// encoding/json decoding the same answer into plain structs (no tolerance of
// single objects, no conversion to the model), the least any client does.
func BenchmarkDecodeJSON(b *testing.B) {
	body := benchAnswer(20)
	b.Run("client", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := decodeResources(body, "application/json", "listeRessources"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-v2-plain", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var doc jsonList[[]wireResource]
			if err := jsonv2.UnmarshalRead(bytes.NewReader(body), &doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		type term struct{ Code, URI, Nom string }
		type res struct {
			IDRessource, IDType, NomRessource, IDEditeur, NomEditeur, URLVignette string
			TypePresentation                                                      term
			TypePedagogique, TypologieDocument, NiveauEducatif                    []term
			DomaineEnseignement                                                   []term
			URLAccesRessource, NomSourceEtiquetteGar, DistributeurTech            string
			ValidateurTech                                                        string
		}
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var doc struct{ ListeRessources struct{ Ressource []res } }
			if err := json.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cannedTransport answers every request with the same gzipped JSON body,
// so that a benchmark measures the client's own work, without network or
// TLS.
type cannedTransport struct{ body []byte }

func (t cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Request: req, ContentLength: int64(len(t.body)),
		Header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}, "Content-Encoding": {"gzip"}},
		Body:   io.NopCloser(bytes.NewReader(t.body)),
	}, nil
}

// BenchmarkClientOverhead compares Client.Resources with a bare call
// (request, gunzip, json v2 into plain structs) over the same canned
// transport.
func BenchmarkClientOverhead(b *testing.B) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(benchAnswer(20))
	zw.Close()
	tr := cannedTransport{gz.Bytes()}
	b.Run("client", func(b *testing.B) {
		c := newBenchClient(b, tr)
		for b.Loop() {
			if _, err := c.Resources(context.Background(), "0750001A", "u"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		hc := &http.Client{Transport: tr}
		for b.Loop() {
			req, _ := http.NewRequestWithContext(context.Background(), "GET", "https://gar.invalid/ressources/ZZ/0750001A/u", nil)
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Accept-Encoding", "gzip, deflate")
			req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			zr, _ := gzip.NewReader(resp.Body)
			var doc jsonList[[]wireResource]
			if err := jsonv2.UnmarshalRead(zr, &doc); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
}

// newBenchClient returns a client whose requests go to tr.
func newBenchClient(b *testing.B, tr http.RoundTripper) *Client {
	b.Helper()
	_, files, err := garsim.LoadOrCreateTLSDir(b.TempDir(), []string{"localhost"}, []string{testIdent})
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(Config{BaseURL: "https://gar.invalid", Ident: testIdent,
		CertFile: files.Clients[testIdent].Cert, KeyFile: files.Clients[testIdent].Key, CAFile: files.CA})
	if err != nil {
		b.Fatal(err)
	}
	c.http.Transport = tr
	return c
}

// BenchmarkDecodeXML decodes the XML form of benchAnswer's étiquettes.
func BenchmarkDecodeXML(b *testing.B) {
	list, err := decodeResources(benchAnswer(20), "application/json", "listeRessources")
	if err != nil {
		b.Fatal(err)
	}
	body := xmlOf(list)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := decodeResources(body, "application/xml", "listeRessources"); err != nil {
			b.Fatal(err)
		}
	}
}

// xmlOf writes resources as GAR's XML answer.
func xmlOf(list []Resource) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<listeRessources xmlns="http://example.invalid/ns">`)
	el := func(name, v string) {
		if v != "" {
			b.WriteString("<" + name + ">")
			xml.EscapeText(&b, []byte(v))
			b.WriteString("</" + name + ">")
		}
	}
	terms := func(name string, ts []Term) {
		for _, t := range ts {
			b.WriteString("<" + name + ">")
			el("code", t.Code)
			el("uri", t.URI)
			el("nom", t.Name)
			b.WriteString("</" + name + ">")
		}
	}
	for _, r := range list {
		b.WriteString("<ressource>")
		el("idRessource", r.ID)
		el("idType", r.IDType)
		el("nomRessource", r.Name)
		el("idEditeur", r.PublisherID)
		el("nomEditeur", r.PublisherName)
		el("urlVignette", r.ThumbnailURL)
		terms("typePresentation", []Term{r.Presentation})
		terms("typePedagogique", r.PedagogicalTypes)
		terms("typologieDocument", r.DocumentTypes)
		terms("niveauEducatif", r.EducationLevels)
		terms("domaineEnseignement", r.TeachingDomains)
		el("urlAccesRessource", r.AccessURL)
		el("nomSourceEtiquetteGar", r.LabelSource)
		el("distributeurTech", r.TechDistributor)
		el("validateurTech", r.TechValidator)
		b.WriteString("</ressource>")
	}
	b.WriteString("</listeRessources>\n")
	return b.Bytes()
}
