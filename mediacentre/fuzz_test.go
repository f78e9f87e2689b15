package mediacentre

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
)

// FuzzDecodeResources feeds arbitrary bodies, in both syntaxes and
// sniffed, to the answer decoder: it must never panic, and what it accepts
// must hold no more resources than the body could describe.
func FuzzDecodeResources(f *testing.F) {
	f.Add([]byte(`{"listeRessources":{"ressource":[{"idRessource":"a","typePresentation":{"code":"MAN","nom":"m"},"typePedagogique":[{"uri":"u","nom":"n"}]}]}}`), "application/json")
	f.Add([]byte(`{"listeRessources":{"ressource":{"idRessource":"a","niveauEducatif":{"uri":"u"}}}}`), "")
	f.Add([]byte(`{"listeRessources":null}`), "application/json")
	f.Add([]byte(xmlAnswer), "application/xml")
	f.Add([]byte(`<listeRessources><ressource><typePresentation><code>DIC</code></typePresentation></ressource></listeRessources>`), "")
	f.Add([]byte("\xEF\xBB\xBF<listeRessources/>"), "text/xml")
	f.Add([]byte(`<Erreur><Code>c</Code></Erreur>`), "application/xml")
	f.Add([]byte(`[1,2]`), "application/json")
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><listeRessources>&a;</listeRessources>`), "application/xml")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		res, err := decodeResources(body, contentType, "listeRessources")
		if err != nil {
			return
		}
		if n := bytes.Count(body, []byte("{")) + bytes.Count(body, []byte("<")); len(res) > n {
			t.Errorf("%d resources from a body with %d opening brackets", len(res), n)
		}
	})
}

// FuzzParseErreur checks that error bodies of any shape are read without
// panicking, and that whatever is found has no surrounding space.
func FuzzParseErreur(f *testing.F) {
	f.Add([]byte(`{"Erreur":{"Code":"Bad Request","Message":"Etablissement non trouvé","Resource":"r"}}`), "application/json")
	f.Add([]byte(`<Erreur><Code>Bad Request</Code><Message> m </Message><Resource>r</Resource></Erreur>`), "application/xml")
	f.Add([]byte(`<html>502</html>`), "text/html")
	f.Add([]byte(``), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		e := parseErreur(body, contentType)
		for _, s := range []string{e.Code, e.Message, e.Resource} {
			if s != strings.TrimSpace(s) {
				t.Errorf("field %q not trimmed", s)
			}
		}
		_ = newError(400, e.Code, e.Message, e.Resource).UserMessage()
	})
}

// FuzzDecodedBody decompresses arbitrary bytes under every coding: it must
// never panic nor yield more than the limit.
func FuzzDecodedBody(f *testing.F) {
	const max = 4096
	for _, c := range []string{"gzip", "deflate", "raw-deflate", ""} {
		f.Add(compress(f, c, []byte(`{"listeRessources":{}}`)), c)
	}
	f.Add(compress(f, "gzip", bytes.Repeat([]byte{'a'}, 10*max)), "gzip")
	f.Add([]byte{0x78, 0x9c}, "deflate")
	f.Add([]byte("x"), "gzip, deflate")
	f.Fuzz(func(t *testing.T, body []byte, coding string) {
		if coding == "raw-deflate" {
			coding = "deflate"
		}
		r, release, err := decodedBody(bytes.NewReader(body), coding, max, &sync.Pool{})
		if err != nil {
			return
		}
		defer release()
		n, err := io.Copy(io.Discard, r)
		if n > max {
			t.Errorf("read %d bytes, over the limit of %d", n, max)
		}
		if n == max && err == nil && int64(len(body)) > max && coding == "" {
			t.Errorf("a plain body of %d bytes passed the limit of %d", len(body), max)
		}
	})
}
