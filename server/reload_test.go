package server

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/internal/testlog"
	"github.com/entgar/entgar/internal/testpki"
)

func copyFile(t *testing.T, from, to string, mod time.Time) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(to, mod, mod); err != nil {
		t.Fatal(err)
	}
}

// TestCertificateReload renews the server's certificate files under a
// running server: new connections get the new certificate, and a broken
// renewal keeps the previous one.
func TestCertificateReload(t *testing.T) {
	ca := testpki.NewCA(t, "ca")
	a, b := ca.Server(t, "cert-a"), ca.Server(t, "cert-b")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	mod := time.Now().Add(-time.Hour)
	copyFile(t, a.CertFile, certFile, mod)
	copyFile(t, a.KeyFile, keyFile, mod)
	logs := &testlog.Buffer{}
	s, err := New(Options{TLSCertFile: certFile, TLSKeyFile: keyFile, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.certs.interval = 0 // check at every handshake
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}, DisableKeepAlives: true}}
	served := func() string {
		t.Helper()
		resp, err := c.Get("https://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].Subject.CommonName
	}
	if cn := served(); cn != "cert-a" {
		t.Fatalf("served %s, want cert-a", cn)
	}
	copyFile(t, b.CertFile, certFile, mod.Add(time.Minute))
	copyFile(t, b.KeyFile, keyFile, mod.Add(time.Minute))
	if cn := served(); cn != "cert-b" {
		t.Errorf("after renewal served %s, want cert-b", cn)
	}
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if cn := served(); cn != "cert-b" {
			t.Errorf("after a broken renewal served %s, want cert-b kept", cn)
		}
	}
	if n := strings.Count(logs.String(), "does not load"); n != 1 {
		t.Errorf("broken renewal logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "server certificate reloaded") {
		t.Errorf("renewal not logged:\n%s", logs.String())
	}
}

// TestAPIKeysReload adds and revokes keys in the file under a running
// authenticator.
func TestAPIKeysReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys")
	k1, k2 := strings.Repeat("1", 40), strings.Repeat("2", 40)
	write := func(content string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	mod := time.Now().Add(-time.Hour)
	write(HashAPIKey("one", k1)+"\n", mod)
	logs := &testlog.Buffer{}
	f, err := OpenAPIKeys(path, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.keys.interval = 0 // check at every request
	auth := func(key string) string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+key)
		p, err := f.Authenticate(r)
		if err != nil {
			return "rejected"
		}
		return p.Name
	}
	if got := auth(k1) + "," + auth(k2); got != "one,rejected" {
		t.Fatalf("initial keys: %s", got)
	}
	write(HashAPIKey("two", k2)+"\n", mod.Add(time.Minute)) // one revoked, two added
	if got := auth(k1) + "," + auth(k2); got != "rejected,two" {
		t.Errorf("after the change: %s, want rejected,two", got)
	}
	write("two sha256:nothex\n", mod.Add(2*time.Minute))
	if got := auth(k1) + "," + auth(k2); got != "rejected,two" {
		t.Errorf("after a broken change: %s, want the previous keys kept", got)
	}
	if n := strings.Count(logs.String(), "API keys file changed but does not load"); n != 1 {
		t.Errorf("broken change logged %d times, want once:\n%s", n, logs.String())
	}
	if _, err := OpenAPIKeys(filepath.Join(dir, "missing"), slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}
