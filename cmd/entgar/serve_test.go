package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/garsim"
	"github.com/entgar/entgar/internal/browsertest"
	"github.com/entgar/entgar/internal/redistest"
	"github.com/entgar/entgar/internal/testlog"
	"github.com/entgar/entgar/internal/testpki"
	"github.com/entgar/entgar/mediacentre"
	"github.com/entgar/entgar/server"
)

const servePortalKey = "portal-key-0123456789abcdef0123456789"

// chain is `entgar serve` built from a configuration file, in front of the
// real médiacentre client, calling garsim's listeRessources over mTLS.
type chain struct {
	url    string
	gar    *garsim.Mediacentre
	client *http.Client
	logs   *testlog.Buffer
}

// startChain starts garsim, a Redis (cache kind redis) or not, and the
// server of `entgar serve` configured by a YAML file, and stops them at the
// end of the test.
func startChain(t *testing.T, cacheKind string) *chain {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	gar, err := garsim.NewMediacentre(garsim.MediacentreOptions{
		TLSDir: filepath.Join(t.TempDir(), "garsim-tls"),
		Idents: []string{"ZZ"},
		People: map[string][]garsim.Person{"ZZ": {
			{ID: "eleve1", Profiles: map[string]string{"0650499P": "National_elv", "0750001A": "National_elv"}},
			{ID: "prof1", Profiles: map[string]string{"0650499P": "National_ens"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	garDone := make(chan error, 1)
	go func() { garDone <- gar.Serve(ctx) }()

	dir := t.TempDir()
	pki := testpki.NewCA(t, "entgar server CA")
	leaf := pki.Server(t, "entgar")
	keys := writeFile(t, dir, "api-keys", "# portals\n"+server.HashAPIKey("portail", servePortalKey)+"\n")
	files := gar.TLSFiles()
	yaml := fmt.Sprintf(`ent:
  id: ZZ
  name: "ENT de test"
log:
  level: debug
  format: json
mediacentre:
  base_url: %q
  cert_file: %q
  key_file: %q
  ca_file: %q
  timeout: 2s
  deadline: 4s
server:
  listen: "127.0.0.1:0"
  tls_cert: %q
  tls_key: %q
  api_keys_file: %q
  shutdown_timeout: 5s
cache:
  kind: %s
  ttl: 1m
`, gar.URL(), files.Clients["ZZ"].Cert, files.Clients["ZZ"].Key, files.CA, leaf.CertFile, leaf.KeyFile, keys, cacheKind)
	if cacheKind == config.CacheRedis {
		pw := writeFile(t, dir, "redis-password", "chain-pass\n")
		yaml += fmt.Sprintf("  redis:\n    addr: %q\n    password_file: %q\n    db: 2\n", redistest.Start(t, "--requirepass", "chain-pass").Addr, pw)
	}
	cfg, err := config.Load(writeFile(t, dir, "entgar.yaml", yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	srv, closeCache, err := newServer(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-srvDone; err != nil {
			t.Errorf("serve: %v", err)
		}
		<-garDone
		closeCache()
	})
	return &chain{
		url:    "https://" + ln.Addr().String(),
		gar:    gar,
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool()}}},
		logs:   logs,
	}
}

func (c *chain) get(t *testing.T, path string, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", c.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServeChain(t *testing.T) {
	for _, kind := range []string{config.CacheMemory, config.CacheRedis} {
		t.Run(kind, func(t *testing.T) { testServeChain(t, kind) })
	}
}

func testServeChain(t *testing.T, cacheKind string) {
	c := startChain(t, cacheKind)
	const q = "/api/v1/mediacentre/resources?user=eleve1&uai=0650499p&uai=0750001A&uai=0999999Z"
	if status, _ := c.get(t, q, ""); status != 401 {
		t.Fatalf("without a key: %d, want 401", status)
	}
	if status, _ := c.get(t, q, "wrong-key-0123456789abcdef0123456789"); status != 401 {
		t.Fatalf("with a wrong key: %d, want 401", status)
	}

	status, body := c.get(t, q, servePortalKey)
	if status != 200 {
		t.Fatalf("API: %d %s", status, body)
	}
	var ans mediacentre.APIAnswer
	if err := json.Unmarshal([]byte(body), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Establishments) != 3 {
		t.Fatalf("establishments: %s", body)
	}
	for _, e := range ans.Establishments[:2] {
		if !e.OK || len(e.Resources) == 0 {
			t.Errorf("%s: ok=%v, %d resources, error %+v", e.UAI, e.OK, len(e.Resources), e.Error)
		}
		for _, r := range e.Resources {
			if r.ID == "" || r.Name == "" || r.AccessURL == "" || r.ThumbnailURL == "" || r.Presentation.Code == "" || r.LabelSource == "" {
				t.Errorf("%s: incomplete resource from garsim: %+v", e.UAI, r)
			}
		}
	}
	bad := ans.Establishments[2]
	if bad.UAI != "0999999Z" || bad.OK || bad.Error == nil || bad.Error.Status != 400 || bad.Error.Message != "Etablissement non trouvé" || bad.Error.Kind != "unknown_establishment" || bad.Error.UserMessage == "" {
		t.Errorf("unknown establishment: %+v %+v", bad, bad.Error)
	}

	// Cached: only the failed establishment goes back to GAR.
	before := c.gar.Requests()
	if status, body2 := c.get(t, q, servePortalKey); status != 200 || !sameResources(t, body, body2) {
		t.Errorf("second call: %d, or different resources", status)
	}
	if n := c.gar.Requests() - before; n != 1 {
		t.Errorf("second call made %d requests to GAR, want 1 (the error, not cached)", n)
	}

	// A 503 that lasts: GAR's message and the French sentence in place,
	// the other establishment still shown.
	remove := c.gar.AddRule(garsim.Rule{UAI: "0650499P", User: "prof1", Status: 503})
	status, body = c.get(t, "/mediacentre?user=prof1&uai=0650499P", servePortalKey)
	remove()
	if status != 200 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "momentanément indisponible") {
		t.Errorf("page with GAR answering 503: %d\n%s", status, body)
	}
	status, body = c.get(t, "/mediacentre?user=prof1&uai=0650499P", servePortalKey)
	if status != 200 || !strings.Contains(body, `class="ressource"`) || strings.Contains(body, `role="alert"`) {
		t.Errorf("page once GAR is back (errors not cached): %d\n%s", status, body)
	}
	if !strings.Contains(body, "ENT de test") || !strings.Contains(body, `alt="Accessible via le Gestionnaire`) {
		t.Errorf("page lacks the ENT name or GAR's alt text:\n%s", body)
	}

	status, body = c.get(t, "/healthz/ready", "")
	if status != 200 || !strings.Contains(body, `"cache":{"status":"ok"`) || !strings.Contains(body, `"gar":{"status":"ok"`) {
		t.Errorf("readiness: %d %s", status, body)
	}
	_, metrics := c.get(t, "/metrics", "")
	for _, want := range []string{
		`entgar_mediacentre_cache_lookups_total{result="hit"} 2`,
		`entgar_http_requests_total{code="200",route="GET /api/v1/mediacentre/resources"} 2`,
		`entgar_http_requests_total{code="401",route="GET /api/v1/mediacentre/resources"} 2`,
		`entgar_mediacentre_client_certificate_expiry_timestamp_seconds{ident="ZZ"`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if cacheKind == config.CacheMemory && !strings.Contains(metrics, "entgar_mediacentre_cache_entries 3") {
		t.Errorf("/metrics lacks entgar_mediacentre_cache_entries 3 (eleve1 in 2 establishments, prof1 in 1)")
	}
	// The access log names the portal, never the user (the query is left
	// out); failures, logged apart, do name them for support.
	for line := range strings.Lines(c.logs.String()) {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, "eleve1") {
			t.Errorf("access log line holds the user id: %s", line)
		}
	}
	if logs := c.logs.String(); !strings.Contains(logs, `"caller":"portail"`) {
		t.Errorf("access log lacks the caller:\n%s", logs)
	}
}

// sameResources compares the resources of two API answers.
func sameResources(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y mediacentre.APIAnswer
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x.Establishments[:2])
	jb, _ := json.Marshal(y.Establishments[:2])
	return string(ja) == string(jb)
}

func TestServeConfigErrors(t *testing.T) {
	t.Setenv("ENTGAR_LOG_LEVEL", "error")
	dir := t.TempDir()
	pki := testpki.NewCA(t, "ca")
	leaf := pki.Server(t, "s")
	tlsKeys := fmt.Sprintf("  tls_cert: %q\n  tls_key: %q\n", leaf.CertFile, leaf.KeyFile)
	keys := writeFile(t, dir, "keys", server.HashAPIKey("p", servePortalKey)+"\n")
	cases := []struct {
		name, yaml, want string
	}{
		{"no certificate", "ent:\n  id: ZZ\n", "set server.tls_cert and server.tls_key"},
		{"no auth", "ent:\n  id: ZZ\nserver:\n" + tlsKeys, "set server.api_keys_file or server.client_ca_file"},
		{"no ident", "server:\n" + tlsKeys + fmt.Sprintf("  api_keys_file: %q\n", keys), "no idENT"},
		{"bad keys file", "ent:\n  id: ZZ\nserver:\n" + tlsKeys + fmt.Sprintf("  api_keys_file: %q\n", writeFile(t, dir, "bad", "p md5:00\n")), "line 1: key p: the hash must start"},
		{"missing client CA", "ent:\n  id: ZZ\nserver:\n" + tlsKeys + "  client_ca_file: /nonexistent/ca.pem\n", "/nonexistent/ca.pem"},
		{"bad cache kind", "cache:\n  kind: disk\n", `cache.kind: must be "memory" or "redis"`},
		{"deadline past the write timeout", "ent:\n  id: ZZ\nmediacentre:\n  deadline: 90s\nserver:\n" + tlsKeys + fmt.Sprintf("  api_keys_file: %q\n", keys), "mediacentre.deadline 1m30s must be shorter than the server's write timeout (1m0s)"},
		{"no médiacentre certificate", "ent:\n  id: ZZ\nmediacentre:\n  base_url: https://gar.example\nserver:\n" + tlsKeys + fmt.Sprintf("  api_keys_file: %q\n", keys), "médiacentre"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, "serve", "--config", writeFile(t, dir, "c.yaml", c.yaml))
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, errs, exitUsage, c.want)
		}
	}
	if code, _, errs := runCLI(t, "serve", "--check", "--config", writeFile(t, dir, "c.yaml", "ent:\n  id: ZZ\nserver:\n"+tlsKeys+"  client_ca_file: /nonexistent/ca.pem\n")); code != exitUsage || !strings.Contains(errs, "/nonexistent/ca.pem") {
		t.Errorf("--check of a bad configuration: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "serve", "extra"); code != exitUsage || !strings.Contains(errs, "unexpected argument") {
		t.Errorf("extra argument: %d %s", code, errs)
	}
}

// TestServeCommand runs `entgar serve` as the command line does, until its
// context is cancelled as SIGTERM cancels it: it must answer, then drain
// and exit 0.
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	_, files, err := garsim.LoadOrCreateTLSDir(filepath.Join(dir, "gar-tls"), []string{"localhost", "127.0.0.1"}, []string{"ZZ"})
	if err != nil {
		t.Fatal(err)
	}
	pki := testpki.NewCA(t, "server CA")
	leaf := pki.Server(t, "entgar")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // serve listens itself; the port stays free in practice
	cfg := writeFile(t, dir, "entgar.yaml", fmt.Sprintf(`ent:
  id: ZZ
log:
  format: json
mediacentre:
  base_url: https://127.0.0.1:1
  cert_file: %q
  key_file: %q
  ca_file: %q
server:
  listen: %q
  tls_cert: %q
  tls_key: %q
  api_keys_file: %q
`, files.Clients["ZZ"].Cert, files.Clients["ZZ"].Key, files.CA, addr, leaf.CertFile, leaf.KeyFile,
		writeFile(t, dir, "keys", server.HashAPIKey("p", servePortalKey)+"\n")))

	if code, out, errs := runCLI(t, "serve", "--config", cfg, "--check"); code != exitOK || out != "configuration OK\n" {
		t.Fatalf("serve --check: exit %d, %q, %s", code, out, errs)
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatal("serve --check left something listening")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testlog.Buffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"serve", "--config", cfg}, &stdout, &stderr) }()

	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool()}}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get("https://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case code := <-exit:
			t.Fatalf("serve exited %d before answering: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-exit:
		if code != exitOK || !strings.Contains(stderr.String(), `"msg":"shut down"`) {
			t.Errorf("after cancel: exit %d, want 0 after a clean shutdown:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

// TestServeChainInBrowser opens the page of `entgar serve`, in front of
// the client and garsim, in headless Chromium with the portal's key: the
// real resources show, grouped, and garsim's thumbnails load under the
// page's Content-Security-Policy with GAR's alternative text.
func TestServeChainInBrowser(t *testing.T) {
	c := startChain(t, config.CacheMemory)
	ctx := browsertest.New(t, 90*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": "Bearer " + servePortalKey},
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(c.url+"/mediacentre?user=eleve1&uai=0650499P&uai=0750001A"),
		chromedp.WaitVisible(chromedp.CSS("main section")),
		chromedp.Evaluate[chromedp.Void](`(async () => { for (const i of document.images) { i.scrollIntoView(); await new Promise(r => setTimeout(r, 50)); } window.scrollTo(0, 0); })()`, chromedp.EvalAwaitPromise),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.images.length > 0 && [...document.images].every(i => i.complete && i.naturalWidth === 310 && i.naturalHeight === 250)`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("garsim's thumbnails did not all load at 310x250: %v", err)
	}
	type state struct {
		Groups []string
		Alts   []string
		Links  int
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[state](`({
		groups: [...document.querySelectorAll('main section')].map(s => s.dataset.code),
		alts: [...new Set([...document.images].map(i => i.alt))],
		links: document.querySelectorAll('.ressource h3 a[href^="https://"]').length,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(browsertest.ArtifactDir(t, 2), "serve-chain-page.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	order := []string{"DIC", "DOC", "MAN", "MUL", "ORI", "PRO", "ACC"}
	last := -1
	for _, g := range st.Groups {
		i := slices.Index(order, g)
		if i < 0 || i <= last {
			t.Errorf("groups %v: not in the reference's order", st.Groups)
			break
		}
		last = i
	}
	if len(st.Groups) == 0 || st.Links == 0 {
		t.Errorf("no resources shown: %+v", st)
	}
	if len(st.Alts) != 1 || !strings.HasPrefix(st.Alts[0], "Accessible via le Gestionnaire") {
		t.Errorf("alternative texts %q, want GAR's", st.Alts)
	}
}
