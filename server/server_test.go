package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entgar/entgar/internal/testlog"
	"github.com/entgar/entgar/internal/testpki"
)

const testKey = "0123456789abcdef0123456789abcdef-portal-one"

type testServer struct {
	*Server
	url    string
	ca     *testpki.CA
	logs   *testlog.Buffer
	cancel context.CancelFunc
	done   chan error
}

// start runs a server with a certificate from a new CA on a free port,
// mounting what mount adds, and stops it at the end of the test.
func start(t *testing.T, opts Options, mount func(*Server)) *testServer {
	t.Helper()
	ca := testpki.NewCA(t, "server CA")
	leaf := ca.Server(t, "entgar")
	opts.TLSCertFile, opts.TLSKeyFile = leaf.CertFile, leaf.KeyFile
	logs := &testlog.Buffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if mount != nil {
		mount(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, url: "https://" + ln.Addr().String(), ca: ca, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-ts.done
	})
	return ts
}

// client returns an HTTPS client trusting the server's CA, presenting
// cert when it is not nil.
func (ts *testServer) client(cert *tls.Certificate) *http.Client {
	tc := &tls.Config{RootCAs: ts.ca.Pool()}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, url string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func writeKeys(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "api-keys")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		http.Error(w, "no principal", 500)
		return
	}
	io.WriteString(w, p.Method+":"+p.Name)
})

func TestTLSVersions(t *testing.T) {
	ts := start(t, Options{}, nil)
	for _, v := range []struct {
		version uint16
		ok      bool
	}{{tls.VersionTLS10, false}, {tls.VersionTLS11, false}, {tls.VersionTLS12, true}, {tls.VersionTLS13, true}} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: ts.ca.Pool(), MinVersion: v.version, MaxVersion: v.version,
		}}}
		resp, err := c.Get(ts.url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		if (err == nil) != v.ok {
			t.Errorf("TLS version %s: err = %v, want ok=%v", tls.VersionName(v.version), err, v.ok)
		}
	}
}

func TestAPIKeyAuth(t *testing.T) {
	keys, err := ReadAPIKeys(writeKeys(t, "# portals", "", HashAPIKey("portal-one", testKey), HashAPIKey("portal-two", strings.Repeat("z", 40))))
	if err != nil {
		t.Fatal(err)
	}
	ts := start(t, Options{}, func(s *Server) {
		s.HandleAuth("GET /who", Any{keys, ClientCert{}}, whoami)
	})
	c := ts.client(nil)
	cases := []struct {
		name   string
		auth   string
		status int
		body   string
	}{
		{"right key", "Bearer " + testKey, 200, "api_key:portal-one"},
		{"second key", "bearer " + strings.Repeat("z", 40), 200, "api_key:portal-two"},
		{"no header", "", 401, "authentication required"},
		{"wrong key", "Bearer " + strings.Repeat("y", 40), 401, "authentication required"},
		{"short key", "Bearer abc", 401, "authentication required"},
		{"basic scheme", "Basic " + testKey, 401, "authentication required"},
		{"key with one byte changed", "Bearer " + testKey[:len(testKey)-1] + "x", 401, ""},
	}
	for _, c2 := range cases {
		h := http.Header{}
		if c2.auth != "" {
			h.Set("Authorization", c2.auth)
		}
		status, body := get(t, c, ts.url+"/who?user=secret-id", h)
		if status != c2.status || !strings.Contains(body, c2.body) {
			t.Errorf("%s: got %d %q, want %d containing %q", c2.name, status, body, c2.status, c2.body)
		}
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, `"caller":"portal-one"`) || !strings.Contains(logs, `"auth_error":"unknown API key"`) {
		t.Errorf("access log lacks the caller or the auth error:\n%s", logs)
	}
	h := http.Header{"X-Request-Id": {"portal-req-42"}, "Authorization": {"Bearer " + testKey}}
	get(t, c, ts.url+"/who", h)
	if !strings.Contains(ts.logs.String(), `"request_id":"portal-req-42"`) {
		t.Error("the portal's X-Request-Id is not in the access log")
	}
	if strings.Contains(logs, "secret-id") || strings.Contains(logs, testKey) {
		t.Errorf("access log holds the query or the key:\n%s", logs)
	}
}

func TestClientCertAuth(t *testing.T) {
	clientCA := testpki.NewCA(t, "portal CA")
	good := clientCA.Client(t, "portail-lycees")
	other := testpki.NewCA(t, "other CA").Client(t, "intruder")
	keys, err := ParseAPIKeys(strings.NewReader(HashAPIKey("portal-one", testKey)))
	if err != nil {
		t.Fatal(err)
	}
	ts := start(t, Options{ClientCAFile: clientCA.CertFile}, func(s *Server) {
		s.HandleAuth("GET /who", Any{keys, ClientCert{}}, whoami)
	})

	if status, body := get(t, ts.client(&good.TLS), ts.url+"/who", nil); status != 200 || body != "client_certificate:portail-lycees" {
		t.Errorf("verified certificate: got %d %q", status, body)
	}
	// An API-key caller connects without a certificate.
	if status, body := get(t, ts.client(nil), ts.url+"/who", http.Header{"Authorization": {"Bearer " + testKey}}); status != 200 || body != "api_key:portal-one" {
		t.Errorf("API key with a client CA configured: got %d %q", status, body)
	}
	if status, _ := get(t, ts.client(nil), ts.url+"/who", nil); status != 401 {
		t.Errorf("no certificate, no key: got %d, want 401", status)
	}
	// Go's client holds back a certificate that the server's list of
	// acceptable CAs excludes: no certificate, no access.
	if status, _ := get(t, ts.client(&other.TLS), ts.url+"/who", nil); status != 401 {
		t.Errorf("certificate of another CA, held back: got %d, want 401", status)
	}
	// A client that sends it anyway fails the handshake.
	forced := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: ts.ca.Pool(),
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &other.TLS, nil
		},
	}}}
	resp, err := forced.Get(ts.url + "/who")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("certificate of another CA: got %s, want a handshake failure", resp.Status)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	check := &fakeCheck{res: CheckResult{Status: StatusDegraded, Detail: "redis: connection refused"}}
	ts := start(t, Options{}, func(s *Server) {
		s.AddCheck("cache", check)
		s.Handle("GET /hello", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	})
	c := ts.client(nil)
	if status, body := get(t, c, ts.url+"/healthz", nil); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", status, body)
	}
	if strings.Contains(ts.logs.String(), `"route":"GET /healthz"`) {
		t.Errorf("a successful probe is logged at info level:\n%s", ts.logs.String())
	}
	status, body := get(t, c, ts.url+"/healthz/ready", nil)
	var ready struct {
		Status string
		Checks map[string]CheckResult
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatalf("/healthz/ready: %v: %s", err, body)
	}
	if status != 200 || ready.Status != "ready" || ready.Checks["cache"].Status != StatusDegraded {
		t.Errorf("/healthz/ready with a degraded check: %d %s", status, body)
	}
	check.set(CheckResult{Status: StatusDown})
	if status, body := get(t, c, ts.url+"/healthz/ready", nil); status != 503 || !strings.Contains(body, "not_ready") {
		t.Errorf("/healthz/ready with a check down: %d %s", status, body)
	}

	for range 3 {
		get(t, c, ts.url+"/hello", nil)
	}
	if status, _ := get(t, c, ts.url+"/wp-login.php", nil); status != 404 {
		t.Errorf("unknown path: %d, want 404", status)
	}
	req, _ := http.NewRequest("POST", ts.url+"/hello", nil)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 405 {
		t.Errorf("wrong method: %v %v, want 405", resp, err)
	} else {
		resp.Body.Close()
	}
	_, metrics := get(t, c, ts.url+"/metrics", nil)
	for _, want := range []string{
		`entgar_http_requests_total{code="200",route="GET /hello"} 3`,
		`entgar_http_request_duration_seconds_count{route="GET /hello"} 3`,
		`entgar_http_requests_total{code="503",route="GET /healthz/ready"} 1`,
		`entgar_http_requests_total{code="404",route="unmatched"} 1`,
		`entgar_http_requests_total{code="405",route="unmatched"} 1`,
		"go_goroutines",
		"process_start_time_seconds",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

type fakeCheck struct {
	mu  sync.Mutex
	res CheckResult
}

func (f *fakeCheck) set(r CheckResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.res = r
}

func (f *fakeCheck) Check(context.Context) CheckResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.res
}

// TestGracefulShutdown cancels the server while a request is in flight:
// the request completes, readiness says draining meanwhile, new
// connections are refused, and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	ts := start(t, Options{ShutdownTimeout: 10 * time.Second}, func(s *Server) {
		s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			io.WriteString(w, "done")
		}))
	})
	c := ts.client(nil)
	got := make(chan string, 1)
	go func() {
		resp, err := c.Get(ts.url + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-entered
	ts.cancel()
	deadline := time.Now().Add(5 * time.Second)
	for !ts.draining.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !ts.draining.Load() {
		t.Fatal("server not draining after cancel")
	}
	rec := &responseCapture{header: http.Header{}}
	ts.health.ready(rec, httptestRequest(t))
	if rec.code != 503 || !strings.Contains(rec.body.String(), "draining") {
		t.Errorf("readiness while draining: %d %s", rec.code, rec.body.String())
	}
	close(release)
	if body := <-got; body != "done" {
		t.Errorf("in-flight request: got %q, want done", body)
	}
	if err := <-ts.done; err != nil {
		t.Errorf("Serve after drain: %v", err)
	}
	ts.done <- nil // for the cleanup
	if _, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", strings.TrimPrefix(ts.url, "https://")); err == nil {
		t.Error("new connection accepted after shutdown")
	}
}

// TestShutdownTimeout checks that a request outliving the deadline is cut
// and reported.
func TestShutdownTimeout(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ts := start(t, Options{ShutdownTimeout: 100 * time.Millisecond}, func(s *Server) {
		s.Handle("GET /stuck", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
		}))
	})
	go func() {
		if resp, err := ts.client(nil).Get(ts.url + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	ts.cancel()
	err := <-ts.done
	ts.done <- nil
	if err == nil || !strings.Contains(err.Error(), "still in flight") {
		t.Errorf("Serve with a stuck request: %v, want a shutdown timeout error", err)
	}
}

func TestNewErrors(t *testing.T) {
	ca := testpki.NewCA(t, "ca")
	leaf := ca.Server(t, "s")
	cases := []struct {
		opts Options
		want string
	}{
		{Options{}, "server.tls_cert and server.tls_key are required"},
		{Options{TLSCertFile: "/nonexistent.pem", TLSKeyFile: leaf.KeyFile}, "/nonexistent.pem"},
		{Options{TLSCertFile: leaf.CertFile, TLSKeyFile: leaf.KeyFile, ClientCAFile: "/nonexistent-ca.pem"}, "/nonexistent-ca.pem"},
		{Options{TLSCertFile: leaf.CertFile, TLSKeyFile: leaf.KeyFile, ClientCAFile: leaf.KeyFile}, "no PEM certificate"},
	}
	for _, c := range cases {
		_, err := New(c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", c.opts, err, c.want)
		}
	}
}

type responseCapture struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *responseCapture) Header() http.Header         { return r.header }
func (r *responseCapture) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *responseCapture) WriteHeader(code int)        { r.code = code }

func httptestRequest(t *testing.T) *http.Request {
	r, err := http.NewRequest("GET", "/healthz/ready", nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRequestID(t *testing.T) {
	if got := requestID("abc-DEF_1.2"); got != "abc-DEF_1.2" {
		t.Errorf("plain id replaced: %q", got)
	}
	for _, bad := range []string{"", "with space", "new\nline", strings.Repeat("x", 65), "é"} {
		got := requestID(bad)
		if got == bad || len(got) != 16 {
			t.Errorf("requestID(%q) = %q, want a new 16-digit id", bad, got)
		}
	}
	if requestID("") == requestID("") {
		t.Error("two new ids are equal")
	}
}
