package mediacentre

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sampleAnswer returns the real listeRessources answer of GAR's validation
// platform, read from ../shared beside the repository (never copied into
// it). It skips when the file is missing, except under CI=true.
func sampleAnswer(t testing.TB) []byte {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "gar", "samples", "listeRessources-validation.json")
	data, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("GAR sample: %v", err)
		}
		t.Skipf("GAR sample not found: %v", err)
	}
	return data
}

func TestDecodeRealSample(t *testing.T) {
	data := sampleAnswer(t)
	got, err := decodeResources(data, "application/json;charset=UTF-8", "listeRessources")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d resources, want the sample's 4", len(got))
	}
	r := got[0]
	want := Resource{
		ID:            "http://n2t.net/ark:/99999/r14xxxxxxxx",
		IDType:        "ARK",
		Name:          "R14_ELEVE_RIEN - Manuel numérique élève (100% numérique) - Multisupports (tablettes + PC/Mac)",
		PublisherID:   "378901946_0000000000000000",
		PublisherName: "Worldline",
		ThumbnailURL:  "https://vignette.validation.test-gar.education.fr/VAtest1/gar/152.png",
		Presentation:  Term{Code: "MAN", Name: "manuels numériques"},
		PedagogicalTypes: []Term{{
			URI:  "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-006",
			Name: "étude de cas",
		}},
		DocumentTypes: []Term{{
			URI:  "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-005-num-024",
			Name: "livre numérique",
		}},
		AccessURL:       "https://sp-auth.validation.test-gar.education.fr/domaineGar?idENT=RU5UVEVTVDE=&idEtab=MDY1MDQ5OVAtRVQ2&idSrc=aHR0cDovL24ydC5uZXQvYXJrOi85OTk5OS9yMTR4eHh4eHh4eA==",
		LabelSource:     "Accessible via le Gestionnaire d’accès aux ressources (GAR)",
		TechDistributor: "378901946_0000000000000000",
		TechValidator:   "378901946_0000000000000000",
	}
	domains := r.TeachingDomains
	r.TeachingDomains = nil
	if !reflect.DeepEqual(r, want) {
		t.Errorf("first resource:\n got %+v\nwant %+v", r, want)
	}
	if len(domains) != 7 || domains[0].Name != "des chrétiens dans l'Empire (histoire 6e)" ||
		domains[6].URI != "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-015-num-991" {
		t.Errorf("teaching domains of the first resource: %+v", domains)
	}
	for i, r := range got {
		if r.ID == "" || r.Name == "" || r.AccessURL == "" || r.Presentation.Code == "" {
			t.Errorf("resource %d lacks a displayed field: %+v", i, r)
		}
	}

	// The same answer sniffed without a Content-Type.
	again, err := decodeResources(data, "", "listeRessources")
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("sniffed decoding differs: %v", err)
	}
}

// The XML form of an answer, as this package reads it: the JSON names as
// elements, repeated terms, any namespace.
const xmlAnswer = `<?xml version="1.0" encoding="UTF-8"?>
<listeRessources xmlns="http://example.invalid/ns/listeRessources">
  <ressource>
    <idRessource>ark:/00000/t1</idRessource>
    <idType>ARK</idType>
    <nomRessource>Atlas des océans</nomRessource>
    <idEditeur>000000000_0000000000000000</idEditeur>
    <nomEditeur>Éditions Exemple</nomEditeur>
    <urlVignette>https://vignettes.example.invalid/1.png</urlVignette>
    <typePresentation><code>DIC</code><nom>ressources de référence</nom></typePresentation>
    <typePedagogique><uri>u:1</uri><nom>a</nom></typePedagogique>
    <typePedagogique><uri>u:2</uri><nom>b &amp; c</nom></typePedagogique>
    <niveauEducatif><uri>u:3</uri><nom>6e</nom></niveauEducatif>
    <champInconnu><x>ignored</x></champInconnu>
    <urlAccesRessource>https://gar.example.invalid/r?a=1&amp;b=2</urlAccesRessource>
    <nomSourceEtiquetteGar>Accessible via le GAR</nomSourceEtiquetteGar>
    <distributeurTech>d</distributeurTech>
    <validateurTech>v</validateurTech>
  </ressource>
  <ressource><idRessource>ark:/00000/t2</idRessource><nomRessource>Deux</nomRessource></ressource>
</listeRessources>
<!-- trailing comment -->
`

func TestDecodeXML(t *testing.T) {
	got, err := decodeResources([]byte(xmlAnswer), "application/xml", "listeRessources")
	if err != nil {
		t.Fatal(err)
	}
	want := []Resource{{
		ID: "ark:/00000/t1", IDType: "ARK", Name: "Atlas des océans",
		PublisherID: "000000000_0000000000000000", PublisherName: "Éditions Exemple",
		ThumbnailURL:     "https://vignettes.example.invalid/1.png",
		Presentation:     Term{Code: "DIC", Name: "ressources de référence"},
		PedagogicalTypes: []Term{{URI: "u:1", Name: "a"}, {URI: "u:2", Name: "b & c"}},
		EducationLevels:  []Term{{URI: "u:3", Name: "6e"}},
		AccessURL:        "https://gar.example.invalid/r?a=1&b=2",
		LabelSource:      "Accessible via le GAR",
		TechDistributor:  "d", TechValidator: "v",
	}, {ID: "ark:/00000/t2", Name: "Deux"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestDecodeTolerance(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           int
	}{
		{"empty list", "application/json", `{"listeRessources":{"ressource":[]}}`, 0},
		{"null list", "application/json", `{"listeRessources":{"ressource":null}}`, 0},
		{"no ressource member", "application/json", `{"listeRessources":{}}`, 0},
		{"single object", "application/json", `{"listeRessources":{"ressource":{"idRessource":"a","typePedagogique":{"uri":"u","nom":"n"}}}}`, 1},
		{"unknown fields", "application/json", `{"autre":1,"listeRessources":{"nouveau":[1,2],"ressource":[{"idRessource":"a","futur":{"x":true}}]}}`, 1},
		{"BOM and spaces, sniffed", "text/plain", "\xEF\xBB\xBF \n{\"listeRessources\":{\"ressource\":[{}]}}", 1},
		{"empty XML list", "text/xml; charset=utf-8", `<listeRessources/>`, 0},
		{"XML sniffed", "", `<listeRessources><ressource/></listeRessources>`, 1},
		{"+json type", "application/vnd.gar+json", `{"listeRessources":{"ressource":[{}]}}`, 1},
		{"duplicate names", "application/json", `{"listeRessources":{"ressource":[{"idRessource":"a","idRessource":"b","typePedagogique":{"uri":"u","uri":"v"}}]}}`, 1},
		{"invalid UTF-8", "application/json", "{\"listeRessources\":{\"ressource\":[{\"nomRessource\":\"caf\xe9\"}]}}", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeResources([]byte(tt.body), tt.ct, "listeRessources")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("got %d resources, want %d", len(got), tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct{ name, ct, body, want string }{
		{"not an answer", "application/json", `{"autre":{}}`, "no listeRessources"},
		{"truncated JSON", "application/json", `{"listeRessources":{"ressource":[{"idRessource":"a"`, "unexpected EOF"},
		{"trailing JSON", "application/json", `{"listeRessources":{}} {}`, "after top-level value"},
		{"wrong type", "application/json", `{"listeRessources":{"ressource":[{"idRessource":5}]}}`, "unmarshal JSON number"},
		{"XML error root", "application/xml", `<Erreur><Code>x</Code></Erreur>`, "root element is <Erreur>"},
		{"XML other root", "application/xml", `<autre/>`, "root element is <autre>"},
		{"truncated XML", "application/xml", `<listeRessources><ressource>`, "unexpected EOF"},
		{"XML trailing element", "application/xml", `<listeRessources/><x/>`, "after the root"},
		{"neither", "text/html", `hello`, "neither JSON nor XML"},
		{"empty", "", ``, "neither JSON nor XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeResources([]byte(tt.body), tt.ct, "listeRessources")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate": // zlib, as RFC 9110 defines it
		w = zlib.NewWriter(&b)
	case "raw-deflate":
		w, _ = flate.NewWriter(&b, flate.DefaultCompression)
	default:
		return data
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodedBody(t *testing.T) {
	plain := bytes.Repeat([]byte("listeRessources "), 1000)
	for _, tt := range []struct{ coding, header string }{
		{"", ""}, {"", "identity"}, {"gzip", "gzip"}, {"gzip", "GZIP"}, {"gzip", "x-gzip"},
		{"deflate", "deflate"}, {"raw-deflate", "deflate"},
	} {
		t.Run(tt.coding+"/"+tt.header, func(t *testing.T) {
			r, release, err := decodedBody(bytes.NewReader(compress(t, tt.coding, plain)), tt.header, 1<<20, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("got %d bytes, err %v; want %d bytes", len(got), err, len(plain))
			}
		})
	}

	t.Run("gzip then deflate", func(t *testing.T) {
		body := compress(t, "deflate", compress(t, "gzip", plain))
		r, release, err := decodedBody(bytes.NewReader(body), "gzip, deflate", 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, plain) {
			t.Errorf("got %d bytes, err %v", len(got), err)
		}
	})

	t.Run("unknown coding", func(t *testing.T) {
		if _, _, err := decodedBody(bytes.NewReader(plain), "br", 1<<20, nil); err == nil || !strings.Contains(err.Error(), `"br"`) {
			t.Errorf("got %v, want an error naming br", err)
		}
	})

	t.Run("corrupt gzip", func(t *testing.T) {
		body := compress(t, "gzip", plain)
		body[len(body)-5] ^= 0xff // the CRC-32
		r, release, err := decodedBody(bytes.NewReader(body), "gzip", 1<<20, nil)
		if err == nil {
			defer release()
			_, err = io.ReadAll(r)
		}
		if err == nil {
			t.Error("a corrupt gzip stream decoded without error")
		}
	})
}

func TestBodyLimits(t *testing.T) {
	const max = 64 << 10
	big := bytes.Repeat([]byte{'a'}, 50<<20) // 50 MiB of one byte: ~50 KiB gzipped
	bomb := compress(t, "gzip", big)
	if len(bomb) >= max {
		t.Fatalf("bomb is %d bytes, want under %d", len(bomb), max)
	}
	for _, tt := range []struct {
		name, coding string
		body         []byte
	}{
		{"gzip bomb", "gzip", bomb},
		{"deflate bomb", "deflate", compress(t, "deflate", big)},
		{"oversized plain body", "", big[:max+1]},
		{"oversized compressed body", "gzip", compress(t, "gzip", randomBytes(max+10))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, release, err := decodedBody(bytes.NewReader(tt.body), tt.coding, max, nil)
			if err == nil {
				defer release()
				_, err = io.Copy(io.Discard, r)
			}
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Errorf("got %v, want ErrBodyTooLarge", err)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		r, release, err := decodedBody(bytes.NewReader(big[:max]), "", max, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if n, err := io.Copy(io.Discard, r); err != nil || n != max {
			t.Errorf("read %d bytes, err %v", n, err)
		}
	})
}

// randomBytes returns n incompressible bytes, deterministically.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestParseErreur(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           erreurFields
	}{
		{"XML", "application/xml", `<?xml version="1.0" encoding="UTF-8"?>
<Erreur>
<Code>Bad Request</Code>
<Message>Etablissement non trouvé</Message>
<Resource>ressources/idEnt/idEtablissementInvalide/idUtilisateur</Resource>
</Erreur>`, erreurFields{"Bad Request", "Etablissement non trouvé", "ressources/idEnt/idEtablissementInvalide/idUtilisateur"}},
		{"JSON", "application/json", `{"Erreur":{"Code":"Bad Request","Message":"Utilisateur non trouvé","Resource":"r"}}`,
			erreurFields{"Bad Request", "Utilisateur non trouvé", "r"}},
		{"JSON sniffed", "", ` {"Erreur":{"Code":"Forbidden"}}`, erreurFields{Code: "Forbidden"}},
		{"HTML page", "text/html", `<html><body>503</body></html>`, erreurFields{}},
		{"empty", "", ``, erreurFields{}},
		{"garbage", "application/json", `{"Erreur":`, erreurFields{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseErreur([]byte(tt.body), tt.ct); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
