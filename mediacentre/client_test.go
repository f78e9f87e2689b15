package mediacentre

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/entgar/entgar/garsim"
)

const (
	testIdent = "ZZ"
	testUAI   = "0750001A"
	pupil     = "eleve-1"
	teacher   = "prof-1"
)

// testPeople are the persons the simulator knows beside its archives. One
// id holds characters that must be escaped in a path segment.
func testPeople() map[string][]garsim.Person {
	return map[string][]garsim.Person{testIdent: {
		{ID: pupil, Profiles: map[string]string{testUAI: "National_elv", "0750002B": "National_elv"}},
		{ID: teacher, Profiles: map[string]string{testUAI: "National_ens"}},
		{ID: "élève/2?x=1#%", Profiles: map[string]string{testUAI: "National_elv"}},
	}}
}

// startSim starts a simulator for testIdent with its PKI in a temporary
// directory; change adjusts the options first.
func startSim(t *testing.T, change func(*garsim.MediacentreOptions)) *garsim.Mediacentre {
	t.Helper()
	opts := garsim.MediacentreOptions{
		TLSDir: filepath.Join(t.TempDir(), "tls"),
		Idents: []string{testIdent},
		People: testPeople(),
	}
	if change != nil {
		change(&opts)
	}
	mc, err := garsim.NewMediacentre(opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := mc.Start()
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return mc
}

// newTestClient returns a client of mc with its PEM certificate for
// testIdent; change adjusts the configuration first.
func newTestClient(t *testing.T, mc *garsim.Mediacentre, change func(*Config)) *Client {
	t.Helper()
	files := mc.TLSFiles()
	cfg := Config{
		BaseURL:  mc.URL(),
		Ident:    testIdent,
		CertFile: files.Clients[testIdent].Cert,
		KeyFile:  files.Clients[testIdent].Key,
		CAFile:   files.CA,
		Format:   "json",
		// Bounds far above any answer's time, so that a loaded machine
		// running tests under -race does not turn into timeouts; the tests
		// of timeouts set their own.
		Timeout:  30 * time.Second,
		Deadline: time.Minute,
	}
	if change != nil {
		change(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestFormatsAndEncodings(t *testing.T) {
	mc := startSim(t, nil)
	var reference []Resource
	for _, format := range []string{"json", "xml"} {
		c := newTestClient(t, mc, func(c *Config) { c.Format = format })
		for _, enc := range []string{"", "gzip", "deflate", "raw-deflate", "identity"} {
			t.Run(format+"/"+enc, func(t *testing.T) {
				if enc != "" {
					defer mc.AddRule(garsim.Rule{Encoding: enc})()
				}
				got, err := c.Resources(context.Background(), strings.ToLower(testUAI), teacher)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					t.Fatal("no resources")
				}
				if reference == nil {
					reference = got
				} else if !reflect.DeepEqual(got, reference) {
					t.Errorf("answer differs from the first one decoded:\n got %+v\nwant %+v", got, reference)
				}
				h := mc.LastHeaders()
				wantAccept := map[string]string{"json": "application/json", "xml": "application/xml"}[format]
				if h.Get("Accept") != wantAccept || h.Get("Accept-Encoding") != "gzip, deflate" {
					t.Errorf("request headers: Accept %q, Accept-Encoding %q", h.Get("Accept"), h.Get("Accept-Encoding"))
				}
				if _, err := http.ParseTime(h.Get("Date")); err != nil {
					t.Errorf("Date header %q: %v", h.Get("Date"), err)
				}
			})
		}
	}
	// Every field of the étiquette came through.
	r := reference[0]
	for name, v := range map[string]string{
		"ID": r.ID, "IDType": r.IDType, "Name": r.Name, "PublisherID": r.PublisherID,
		"PublisherName": r.PublisherName, "ThumbnailURL": r.ThumbnailURL, "Presentation.Code": r.Presentation.Code,
		"Presentation.Name": r.Presentation.Name, "AccessURL": r.AccessURL, "LabelSource": r.LabelSource,
		"TechDistributor": r.TechDistributor, "TechValidator": r.TechValidator,
	} {
		if v == "" {
			t.Errorf("field %s is empty in %+v", name, r)
		}
	}
	var terms int
	for _, r := range reference {
		terms += len(r.PedagogicalTypes) + len(r.DocumentTypes) + len(r.EducationLevels) + len(r.TeachingDomains)
	}
	if terms == 0 {
		t.Error("no vocabulary term decoded")
	}
}

// TestEncodingsOnTheWire checks with a bare client that the simulator
// really sends each encoding, so that TestFormatsAndEncodings exercised the
// client's decompression.
func TestEncodingsOnTheWire(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	for _, enc := range []string{"gzip", "deflate", "raw-deflate", "identity"} {
		remove := mc.AddRule(garsim.Rule{Encoding: enc})
		req, _ := http.NewRequest("GET", mc.URL()+"/ressources/"+testIdent+"/"+testUAI+"/"+pupil, nil)
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Accept-Encoding", "gzip, deflate")
		resp, err := c.http.Do(req)
		remove()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := strings.TrimPrefix(enc, "raw-")
		if want == "identity" {
			want = ""
		}
		if got := resp.Header.Get("Content-Encoding"); got != want {
			t.Errorf("rule %s: Content-Encoding %q, want %q", enc, got, want)
		}
	}
}

func TestPathEscapingAndUAICase(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	got, err := c.Resources(context.Background(), " 0750001a ", "élève/2?x=1#%")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no resources for the user with an escaped id")
	}
	if !strings.Contains(got[0].AccessURL, "idEtab=MDc1MDAwMUE") { // base64("0750001A")
		t.Errorf("the UAI was not sent upper-cased: %s", got[0].AccessURL)
	}
}

func TestErrors(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.Retries = 1 })
	other := newTestClient(t, mc, func(c *Config) { c.Ident = "AUTRE" })
	messages := map[string]ErrorKind{}
	tests := []struct {
		name       string
		client     *Client
		uai, user  string
		rule       *garsim.Rule
		status     int
		kind       ErrorKind
		garMessage string
		requests   int64
	}{
		{"unknown establishment", c, "0999999Z", pupil, nil, 400, KindUnknownEstablishment, "Etablissement non trouvé", 1},
		{"unknown user", c, testUAI, "inconnu", nil, 400, KindUnknownUser, "Utilisateur non trouvé", 1},
		{"bad request", c, testUAI, pupil, &garsim.Rule{Status: 400, Message: "Paramètre manquant"}, 400, KindBadRequest, "Paramètre manquant", 1},
		{"401", c, testUAI, pupil, &garsim.Rule{Status: 401}, 401, KindUnauthorized, "L'authentification a échoué", 1},
		{"403 certificate of another idENT", other, testUAI, pupil, nil, 403, KindForbidden, "Certificat client non autorisé pour le projet ENT passé en paramètre", 1},
		{"405", c, testUAI, pupil, &garsim.Rule{Status: 405}, 405, KindMethodNotAllowed, "La méthode requêtée n'existe pas.", 1},
		{"406", c, testUAI, pupil, &garsim.Rule{Status: 406}, 406, KindNotAcceptable, "L'en-tête « Accept » ne contient pas une donnée valide.", 1},
		{"500 is not retried", c, testUAI, pupil, &garsim.Rule{Status: 500}, 500, KindServerError, "Une erreur technique est survenue.", 1},
		{"503 retried then given up", c, testUAI, pupil, &garsim.Rule{Status: 503}, 503, KindUnavailable, "Le service est temporairement indisponible.", 2},
		{"magic 503 identifier", c, testUAI, "garsim-503", nil, 503, KindUnavailable, "Le service est temporairement indisponible.", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rule != nil {
				defer mc.AddRule(*tt.rule)()
			}
			before := mc.Requests()
			res, err := tt.client.Resources(context.Background(), tt.uai, tt.user)
			if res != nil {
				t.Errorf("got resources %v with an error", res)
			}
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if ge.Status != tt.status || ge.Kind != tt.kind || ge.Message != tt.garMessage {
				t.Errorf("got status %d kind %v message %q, want %d %v %q", ge.Status, ge.Kind, ge.Message, tt.status, tt.kind, tt.garMessage)
			}
			if ge.Resource == "" || ge.Code == "" {
				t.Errorf("Erreur Code or Resource not decoded: %+v", ge)
			}
			if n := mc.Requests() - before; n != tt.requests {
				t.Errorf("%d requests sent, want %d", n, tt.requests)
			}
			msg := UserMessage(err)
			if msg != ge.UserMessage() || !strings.Contains(msg, " ") || strings.Contains(msg, "GAR answered") {
				t.Errorf("user message %q", msg)
			}
			if k, dup := messages[msg]; dup && k != tt.kind {
				// The same sentence for two kinds is fine only when the
				// advice is the same (401/403, 405/406).
				pairs := map[[2]ErrorKind]bool{{KindUnauthorized, KindForbidden}: true, {KindMethodNotAllowed, KindNotAcceptable}: true}
				if !pairs[[2]ErrorKind{k, tt.kind}] {
					t.Errorf("kinds %v and %v share the message %q", k, tt.kind, msg)
				}
			}
			messages[msg] = tt.kind
			t.Logf("%d %s: %s", ge.Status, ge.Kind, msg)
		})
	}
}

func TestErrorBodiesInXML(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.Format = "xml" })
	_, err := c.Resources(context.Background(), "0999999Z", pupil)
	var ge *Error
	if !errors.As(err, &ge) || ge.Kind != KindUnknownEstablishment || ge.Code != "Bad Request" ||
		ge.Resource != "ressources/ZZ/0999999Z/eleve-1" {
		t.Fatalf("got %#v", err)
	}
}

func Test503ThenSuccess(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.Retries = 3 })
	defer mc.AddRule(garsim.Rule{Status: 503, Times: 2, RetryAfter: 0})()
	before := mc.Requests()
	got, err := c.Resources(context.Background(), testUAI, pupil)
	if err != nil || len(got) == 0 {
		t.Fatalf("got %d resources, err %v", len(got), err)
	}
	if n := mc.Requests() - before; n != 3 {
		t.Errorf("%d requests, want 3 (two 503 then success)", n)
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.Retries = 3; c.Deadline = 2 * time.Second })
	defer mc.AddRule(garsim.Rule{Status: 503, RetryAfter: 4})()
	before := mc.Requests()
	_, err := c.Resources(context.Background(), testUAI, pupil)
	var ge *Error
	if !errors.As(err, &ge) || ge.Kind != KindUnavailable {
		t.Fatalf("got %v", err)
	}
	if n := mc.Requests() - before; n != 1 {
		t.Errorf("%d requests: a retry was attempted though Retry-After exceeds the deadline", n)
	}
}

func TestSlowServer(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) {
		c.Timeout = 300 * time.Millisecond
		c.Deadline = 2 * time.Second
		c.Retries = 5
	})
	// A first call opens the connection, so that the handshake does not
	// count against the timed attempts.
	if _, err := c.Resources(context.Background(), testUAI, pupil); err != nil {
		t.Fatal(err)
	}
	defer mc.AddRule(garsim.Rule{Delay: 10 * time.Second})()
	before := mc.Requests()
	start := time.Now()
	_, err := c.Resources(context.Background(), testUAI, pupil)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("a slow server did not fail the call")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no complete answer within") {
		t.Errorf("error %v does not say it timed out", err)
	}
	if elapsed > 8*time.Second {
		t.Errorf("the call took %s: its 2s deadline did not stop it before the server's 10s delay", elapsed)
	}
	if !strings.Contains(UserMessage(err), "ne répond pas") {
		t.Errorf("user message %q", UserMessage(err))
	}
	if n := mc.Requests() - before; n < 2 {
		t.Errorf("%d requests: a timed-out attempt was not retried within the deadline", n)
	}
}

func TestCallerContextCancels(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	defer mc.AddRule(garsim.Rule{Delay: 5 * time.Second})()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Resources(ctx, testUAI, pupil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

func TestBodyLimitsOverTheWire(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.MaxBody = 1 << 20; c.Retries = 2 })
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte(`{"listeRessources":{"ressource":[{"nomRessource":"`))
	zw.Write(bytes.Repeat([]byte("a"), 200<<20)) // 200 MiB of one letter, about 200 KiB compressed
	zw.Close()
	tests := []struct {
		name string
		rule garsim.Rule
	}{
		{"gzip bomb", garsim.Rule{Body: bomb.Bytes(), Encoding: "gzip", ContentType: "application/json"}},
		{"oversized plain body", garsim.Rule{Body: bytes.Repeat([]byte(" "), 2<<20), ContentType: "application/json"}},
		{"oversized error body", garsim.Rule{Status: 500, Body: bomb.Bytes(), Encoding: "gzip", ContentType: "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer mc.AddRule(tt.rule)()
			before := mc.Requests()
			_, err := c.Resources(context.Background(), testUAI, pupil)
			if tt.rule.Status != 0 {
				var ge *Error
				if !errors.As(err, &ge) || ge.Status != tt.rule.Status {
					t.Fatalf("got %v", err)
				}
				return
			}
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Fatalf("got %v, want ErrBodyTooLarge", err)
			}
			if n := mc.Requests() - before; n != 1 {
				t.Errorf("%d requests: an oversized answer was retried", n)
			}
		})
	}
}

func TestBrokenAnswers(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	var truncated bytes.Buffer
	zw := gzip.NewWriter(&truncated)
	zw.Write([]byte(`{"listeRessources":{"ressource":[]}}`))
	zw.Close()
	tests := []struct {
		name string
		rule garsim.Rule
		want string
	}{
		{"HTML instead of JSON", garsim.Rule{Body: []byte("<html>maintenance</html>"), ContentType: "text/html"}, "root element is <html>"},
		{"truncated gzip", garsim.Rule{Body: truncated.Bytes()[:truncated.Len()-6], Encoding: "gzip", ContentType: "application/json"}, "unexpected EOF"},
		{"unknown encoding", garsim.Rule{Body: []byte("{}"), Encoding: "br", ContentType: "application/json"}, `"br"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer mc.AddRule(tt.rule)()
			_, err := c.Resources(context.Background(), testUAI, pupil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestConnectionReuse(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.MaxConns = 4 })
	for i := range 30 {
		if _, err := c.Resources(context.Background(), testUAI, pupil); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		// An error answer must not cost the connection either.
		if _, err := c.Resources(context.Background(), testUAI, "inconnu"); err == nil {
			t.Fatal("unknown user accepted")
		}
	}
	if h, n := mc.Handshakes(), mc.Connections(); h != 1 || n != 1 {
		t.Errorf("60 sequential requests used %d handshakes on %d connections, want 1 and 1", h, n)
	}

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				if _, err := c.Resources(context.Background(), testUAI, teacher); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if h, n := mc.Handshakes(), mc.Connections(); h > 4 || h != n {
		t.Errorf("160 concurrent requests with max_conns 4: %d handshakes on %d connections", h, n)
	}
	t.Logf("handshakes %d, connections %d, requests %d", mc.Handshakes(), mc.Connections(), mc.Requests())
}

func TestResourcesByEstablishment(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	defer mc.AddRule(garsim.Rule{UAI: "0750002B", Status: 500})()
	got := c.ResourcesByEstablishment(context.Background(), pupil, []string{"0750001a", "0750002B", "0999999Z", "0750001A"})
	if len(got) != 3 {
		t.Fatalf("got %d results, want 3 (duplicates removed): %+v", len(got), got)
	}
	if got[0].UAI != "0750001A" || got[0].Err != nil || len(got[0].Resources) == 0 {
		t.Errorf("first establishment: %+v", got[0])
	}
	var ge *Error
	if got[1].UAI != "0750002B" || !errors.As(got[1].Err, &ge) || ge.Kind != KindServerError || got[1].Resources != nil {
		t.Errorf("second establishment: %+v", got[1])
	}
	if got[2].UAI != "0999999Z" || !errors.As(got[2].Err, &ge) || ge.Kind != KindUnknownEstablishment {
		t.Errorf("third establishment: %+v", got[2])
	}
}

func TestConcurrentUse(t *testing.T) {
	mc := startSim(t, nil)
	// Generous bounds: this test is about races and shared state, and runs
	// under -race beside other packages' tests on small machines.
	c := newTestClient(t, mc, func(c *Config) { c.MaxConns = 8; c.Timeout = time.Minute; c.Deadline = 2 * time.Minute })
	want, err := c.Resources(context.Background(), testUAI, teacher)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 6 {
				switch (i + j) % 3 {
				case 0:
					got, err := c.Resources(context.Background(), testUAI, teacher)
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Errorf("concurrent answer differs: %v", err)
					}
				case 1:
					res := c.ResourcesByEstablishment(context.Background(), pupil, []string{"0750001A", "0750002B"})
					if res[0].Err != nil || res[1].Err != nil {
						t.Errorf("concurrent ResourcesByEstablishment: %v %v", res[0].Err, res[1].Err)
					}
				case 2:
					if _, err := c.Resources(context.Background(), "0999999Z", pupil); err == nil {
						t.Error("unknown establishment accepted")
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestDistributable(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	got, err := c.Distributable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 7 || got[0].ID == "" || got[0].Name == "" {
		t.Errorf("got %d resources: %+v", len(got), got)
	}
	if h := mc.LastHeaders(); h.Get("Accept") != "application/xml" {
		t.Errorf("ressourcesDiffusables asked with Accept %q", h.Get("Accept"))
	}
}

func TestPKCS12Certificate(t *testing.T) {
	mc := startSim(t, nil)
	files := mc.TLSFiles().Clients[testIdent]
	pw, err := os.ReadFile(files.PKCS12Password)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, mc, func(c *Config) {
		c.CertFile, c.KeyFile = "", ""
		c.PKCS12File, c.PKCS12Password = files.PKCS12, strings.TrimSpace(string(pw))
	})
	if _, err := c.Resources(context.Background(), testUAI, pupil); err != nil {
		t.Fatal(err)
	}
	// Files from older tools use legacy encryption (3DES, RC2).
	pair, err := tls.LoadX509KeyPair(files.Cert, files.Key)
	if err != nil {
		t.Fatal(err)
	}
	for name, enc := range map[string]*pkcs12.Encoder{"des": pkcs12.LegacyDES, "rc2": pkcs12.LegacyRC2} {
		data, err := enc.Encode(pair.PrivateKey, pair.Leaf, nil, "ancien")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name+".p12")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c := newTestClient(t, mc, func(c *Config) {
			c.CertFile, c.KeyFile = "", ""
			c.PKCS12File, c.PKCS12Password = path, "ancien"
		})
		if _, err := c.Resources(context.Background(), testUAI, pupil); err != nil {
			t.Errorf("legacy %s PKCS#12: %v", name, err)
		}
	}

	_, err = NewClient(Config{BaseURL: mc.URL(), Ident: testIdent, PKCS12File: files.PKCS12, PKCS12Password: "faux", CAFile: mc.TLSFiles().CA})
	if err == nil || !strings.Contains(err.Error(), files.PKCS12) {
		t.Errorf("wrong PKCS#12 password: got %v", err)
	}
}

func TestNewClientChecks(t *testing.T) {
	mc := startSim(t, nil)
	files := mc.TLSFiles()
	good := Config{BaseURL: mc.URL(), Ident: testIdent, CertFile: files.Clients[testIdent].Cert, KeyFile: files.Clients[testIdent].Key, CAFile: files.CA}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no URL", func(c *Config) { c.BaseURL = "" }, "mediacentre.base_url"},
		{"http URL", func(c *Config) { c.BaseURL = strings.Replace(c.BaseURL, "https", "http", 1) }, "https://"},
		{"no ident", func(c *Config) { c.Ident = "" }, "ent.id"},
		{"bad format", func(c *Config) { c.Format = "yaml" }, "mediacentre.format"},
		{"no certificate", func(c *Config) { c.CertFile, c.KeyFile = "", "" }, "requires one"},
		{"both PEM and PKCS#12", func(c *Config) { c.PKCS12File = "x.p12" }, "not both"},
		{"missing key", func(c *Config) { c.KeyFile = filepath.Join(t.TempDir(), "absent.key") }, "absent.key"},
		{"CA file without PEM", func(c *Config) { c.CAFile = files.Clients[testIdent].Key }, "no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := NewClient(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCertificateExpiryMetricAndWarning(t *testing.T) {
	dir := t.TempDir()
	ca, err := garsim.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ca.Issue(garsim.CertRequest{CommonName: testIdent, Client: true, NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, caPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "c.key"), filepath.Join(dir, "ca.pem")
	key, _ := cl.KeyPEM()
	os.WriteFile(certPath, cl.CertPEM(), 0o600)
	os.WriteFile(keyPath, key, 0o600)
	os.WriteFile(caPath, ca.CertPEM(), 0o600)
	var logs bytes.Buffer
	c, err := NewClient(Config{
		BaseURL: "https://gar.invalid", Ident: testIdent, CertFile: certPath, KeyFile: keyPath, CAFile: caPath,
		CertWarnDays: 30, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "days_left=9") {
		t.Errorf("no expiry warning logged: %s", logs.String())
	}
	logs.Reset()
	c.warnExpiry(time.Now())
	if logs.Len() != 0 {
		t.Errorf("warned twice within a day: %s", logs.String())
	}
	c.warnExpiry(time.Now().Add(25 * time.Hour))
	if !strings.Contains(logs.String(), "expires soon") {
		t.Error("no new warning a day later")
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Collector())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range families {
		if f.GetName() == "entgar_mediacentre_client_certificate_expiry_timestamp_seconds" {
			m := f.GetMetric()[0]
			found = int64(m.GetGauge().GetValue()) == cl.Cert.NotAfter.Unix()
		}
	}
	if !found {
		t.Errorf("expiry metric missing or wrong: %v", families)
	}

	expired, _ := ca.Issue(garsim.CertRequest{CommonName: testIdent, Client: true, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	key, _ = expired.KeyPEM()
	os.WriteFile(certPath, expired.CertPEM(), 0o600)
	os.WriteFile(keyPath, key, 0o600)
	if _, err := NewClient(Config{BaseURL: "https://gar.invalid", Ident: testIdent, CertFile: certPath, KeyFile: keyPath, CAFile: caPath}); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired client certificate: got %v", err)
	}
}

func TestRequestMetrics(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, func(c *Config) { c.Retries = 1 })
	c.Resources(context.Background(), testUAI, pupil)
	c.Resources(context.Background(), "0999999Z", pupil)
	func() {
		defer mc.AddRule(garsim.Rule{Status: 503, Times: 1})()
		c.Resources(context.Background(), testUAI, pupil)
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Collector())
	families, _ := reg.Gather()
	counts := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			if m.GetCounter() != nil {
				counts[key] = m.GetCounter().GetValue()
			}
		}
	}
	for key, want := range map[string]float64{
		"entgar_mediacentre_requests_total,ident=ZZ,operation=listeRessources,outcome=ok":                    2,
		"entgar_mediacentre_requests_total,ident=ZZ,operation=listeRessources,outcome=unknown_establishment": 1,
		"entgar_mediacentre_retries_total,ident=ZZ,operation=listeRessources":                                1,
	} {
		if counts[key] != want {
			t.Errorf("%s = %v, want %v (all: %v)", key, counts[key], want, counts)
		}
	}
}

// bareClient returns a plain net/http client with the TLS configuration of
// the médiacentre client, with or without its client certificate.
func bareClient(t *testing.T, mc *garsim.Mediacentre, withCert bool) *http.Client {
	t.Helper()
	roots, err := loadRoots(mc.TLSFiles().CA)
	if err != nil {
		t.Fatal(err)
	}
	var cert tls.Certificate
	if withCert {
		files := mc.TLSFiles().Clients[testIdent]
		if cert, err = tls.LoadX509KeyPair(files.Cert, files.Key); err != nil {
			t.Fatal(err)
		}
	}
	tc := newTLSConfig(cert, roots, "")
	if !withCert {
		tc.GetClientCertificate = nil
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
}

func TestParseRetryAfter(t *testing.T) {
	if d := parseRetryAfter("3"); d != 3*time.Second {
		t.Errorf("seconds: %s", d)
	}
	if d := parseRetryAfter(time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)); d < 8*time.Second || d > 10*time.Second {
		t.Errorf("HTTP date: %s", d)
	}
	for _, v := range []string{"", "-1", "demain", "Mon, 01 Jan 2001 00:00:00 GMT"} {
		if d := parseRetryAfter(v); d != 0 {
			t.Errorf("%q: %s", v, d)
		}
	}
}
