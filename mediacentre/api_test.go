package mediacentre

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

func apiGet(t *testing.T, h http.Handler, query string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/mediacentre/resources?"+query, nil))
	return rec.Result(), rec.Body.String()
}

func TestAPIPartialResults(t *testing.T) {
	gar := &Error{Status: 400, Code: "Bad Request", Message: "Etablissement non trouvé", Resource: "ressources/ZZ/0999999Z/u1", Kind: KindUnknownEstablishment}
	next := &fakeFetcher{
		resources: map[string][]Resource{"0650499P": {resource("MAN", "Maths 6e")}},
		errs: map[string]error{
			"0999999Z": fmt.Errorf("listeRessources 0999999Z: %w", gar),
			"0750001A": fmt.Errorf("listeRessources 0750001A: %w", context.DeadlineExceeded),
		},
	}
	resp, body := apiGet(t, NewAPI(next, nil), "user=u1&uai=0650499p&uai=0999999Z&uai=0750001A&uai=0123456B")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
	}
	var ans APIAnswer
	if err := json.Unmarshal([]byte(body), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.User != "u1" || len(ans.Establishments) != 4 {
		t.Fatalf("answer: %s", body)
	}
	ok, bad, slow, empty := ans.Establishments[0], ans.Establishments[1], ans.Establishments[2], ans.Establishments[3]
	if !ok.OK || ok.UAI != "0650499P" || len(ok.Resources) != 1 || ok.Resources[0].Name != "Maths 6e" || ok.Error != nil {
		t.Errorf("successful establishment: %+v", ok)
	}
	want := &APIError{Status: 400, Code: "Bad Request", Message: "Etablissement non trouvé", Kind: "unknown_establishment", UserMessage: gar.UserMessage()}
	if bad.OK || bad.Error == nil || *bad.Error != *want || bad.Resources == nil || len(bad.Resources) != 0 {
		t.Errorf("failed establishment: %+v, error %+v, want %+v", bad, bad.Error, want)
	}
	if slow.OK || slow.Error.Kind != "no_answer" || slow.Error.Status != 0 || !strings.Contains(slow.Error.UserMessage, "ne répond pas") {
		t.Errorf("timed-out establishment: %+v", slow.Error)
	}
	if !empty.OK || empty.Resources == nil || len(empty.Resources) != 0 {
		t.Errorf("establishment without resources: %+v", empty)
	}
	if !strings.Contains(body, `"resources":[]`) {
		t.Errorf("empty lists must be [] not null: %s", body)
	}
}

// TestAPIDocument pins the JSON document, as docs/serve.md shows it.
func TestAPIDocument(t *testing.T) {
	r := resource("MAN", "Maths 6e")
	next := &fakeFetcher{
		resources: map[string][]Resource{"0650499P": {r}},
		errs:      map[string]error{"0999999Z": &Error{Status: 503, Code: "Service Unavailable", Message: "Service indisponible", Kind: KindUnavailable}},
	}
	_, body := apiGet(t, NewAPI(next, nil), "user=jdupont&uai=0650499P&uai=0999999Z")
	want := `{"user":"jdupont","establishments":[` +
		`{"uai":"0650499P","ok":true,"resources":[{"id":"ark:/99999/maths-6e","id_type":"ARK","name":"Maths 6e","publisher_name":"Éditions MAN",` +
		`"thumbnail_url":"https://vignette.example/MAN.png","presentation":{"code":"MAN","name":"manuels numériques"},` +
		`"teaching_domains":[{"uri":"http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-015-num-990","name":"histoire (6e)"}],` +
		`"access_url":"https://gar.example/domaineGar?r=MAN","label_source":"Accessible via le Gestionnaire d’accès aux ressources (GAR)"}]},` +
		`{"uai":"0999999Z","ok":false,"resources":[],"error":{"status":503,"code":"Service Unavailable","message":"Service indisponible","kind":"unavailable",` +
		`"user_message":"Le service des ressources numériques (GAR) est momentanément indisponible. Réessayez dans quelques minutes."}}]}` + "\n"
	if body != want {
		t.Errorf("document changed:\n got %s\nwant %s", body, want)
	}
}

func TestAPIBadQueries(t *testing.T) {
	h := NewAPI(&fakeFetcher{}, nil)
	many := strings.Repeat("&uai=0650499P", MaxEstablishments+1)
	cases := []struct{ query, want string }{
		{"uai=0650499P", "parameter user is required"},
		{"user=&uai=0650499P", "parameter user is required"},
		{"user=a&user=b&uai=0650499P", "more than once"},
		{"user=" + strings.Repeat("x", 65) + "&uai=0650499P", "at most 64 printable"},
		{"user=a%00b&uai=0650499P", "printable"},
		{"user=a", "parameter uai is required"},
		{"user=a&uai=06-50", `\"06-50\" is not a UAI`},
		{"user=a&uai=", `\"\" is not a UAI`},
		{"user=a" + many, "at most 20 establishments"},
	}
	for _, c := range cases {
		resp, body := apiGet(t, h, c.query)
		if resp.StatusCode != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: got %d %s, want 400 with %q", c.query, resp.StatusCode, body, c.want)
		}
	}
}

// FuzzParseQuery checks that any query either fails or gives a user and
// valid, unique UAIs within the bounds.
func FuzzParseQuery(f *testing.F) {
	f.Add("user=u1&uai=0650499P&uai=0750001a")
	f.Add("user=u1&uai=0650499P&uai_name=Lyc%C3%A9e&etab=x")
	f.Add("user=%ff&uai=A")
	f.Add("uai=&user=")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, names := range []bool{false, true} {
			q, err := parseQuery(v, names)
			if err != nil {
				continue
			}
			if q.user == "" || len(q.uais) == 0 || len(q.uais) > MaxEstablishments {
				t.Fatalf("accepted %q: %+v", raw, q)
			}
			seen := map[string]bool{}
			for _, u := range q.uais {
				if !validUAI(u) || seen[u] {
					t.Fatalf("accepted %q with UAI %q", raw, u)
				}
				seen[u] = true
			}
		}
	})
}

func TestAPIErrorKinds(t *testing.T) {
	cases := []struct {
		err  error
		kind string
	}{
		{&Error{Status: 403, Kind: KindForbidden}, "forbidden"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "no_answer"},
		{&os.PathError{Op: "read", Path: "p", Err: os.ErrDeadlineExceeded}, "no_answer"},
		{errors.New("decode: unexpected EOF"), "technical"},
	}
	for _, c := range cases {
		if got := apiError(c.err); got.Kind != c.kind || got.UserMessage == "" {
			t.Errorf("apiError(%v) = %+v, want kind %s", c.err, got, c.kind)
		}
	}
}
