package mediacentre

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/garsim"
)

func TestClientCipherSuites(t *testing.T) {
	suites := ClientCipherSuites()
	ref := map[uint16]bool{}
	for _, s := range ReferenceCipherSuites() {
		if s.ID != 0 {
			ref[s.ID] = true
		}
	}
	insecure := map[uint16]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		insecure[s.ID] = true
	}
	if len(suites) != 10 {
		t.Errorf("%d suites offered, want the 10 ECDHE suites of §7.4 that Go implements safely", len(suites))
	}
	for _, id := range suites {
		if !ref[id] || insecure[id] {
			t.Errorf("suite %s offered: not in the reference or insecure", tls.CipherSuiteName(id))
		}
	}
	if len(ReferenceCipherSuites()) != 26 {
		t.Errorf("reference list has %d suites, §7.4 lists 26", len(ReferenceCipherSuites()))
	}
}

func TestNegotiatedTLS(t *testing.T) {
	mc := startSim(t, nil)
	hc := bareClient(t, mc, true)
	req, _ := http.NewRequest("GET", mc.URL()+"/ressourcesDiffusables", nil)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS.Version != tls.VersionTLS12 || !slices.Contains(ClientCipherSuites(), resp.TLS.CipherSuite) {
		t.Errorf("negotiated %s with %s", tls.VersionName(resp.TLS.Version), tls.CipherSuiteName(resp.TLS.CipherSuite))
	}
}

func TestTLSRefusals(t *testing.T) {
	other, err := garsim.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	otherCA := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(otherCA, other.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("TLS 1.0 and 1.1 server", func(t *testing.T) {
		for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
			mc := startSim(t, func(o *garsim.MediacentreOptions) { o.MinVersion, o.MaxVersion = v, v })
			c := newTestClient(t, mc, nil)
			_, err := c.Resources(context.Background(), testUAI, pupil)
			wantTLSFailure(t, mc, err, "no common TLS version")
		}
	})

	t.Run("server certificate from another CA", func(t *testing.T) {
		mc := startSim(t, nil)
		c := newTestClient(t, mc, func(c *Config) { c.CAFile = otherCA })
		_, err := c.Resources(context.Background(), testUAI, pupil)
		wantTLSFailure(t, mc, err, "not signed by an authority of mediacentre.ca_file")
	})

	t.Run("expired server certificate", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tls")
		ca, _, err := garsim.LoadOrCreateTLSDir(dir, []string{"localhost"}, []string{testIdent})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := ca.Issue(garsim.CertRequest{CommonName: "localhost", Hosts: []string{"localhost", "127.0.0.1"},
			NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		cert := srv.TLSCertificate()
		mc := startSim(t, func(o *garsim.MediacentreOptions) { o.TLSDir = dir; o.ServerCert = &cert })
		c := newTestClient(t, mc, nil)
		_, err = c.Resources(context.Background(), testUAI, pupil)
		wantTLSFailure(t, mc, err, "has expired")
	})

	t.Run("server certificate for another host", func(t *testing.T) {
		mc := startSim(t, func(o *garsim.MediacentreOptions) { o.Hosts = []string{"gar.example.invalid"} })
		c := newTestClient(t, mc, func(c *Config) { c.BaseURL = "https://" + mc.Addr() })
		_, err := c.Resources(context.Background(), testUAI, pupil)
		wantTLSFailure(t, mc, err, "does not name the host")
	})

	t.Run("no client certificate, refused by GAR", func(t *testing.T) {
		mc := startSim(t, nil)
		resp := bareGet(t, bareClient(t, mc, false), mc.URL()+"/ressources/ZZ/"+testUAI+"/"+pupil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		// The body is GAR's Erreur, which the client decodes.
		if e := parseErreur(resp.body, resp.Header.Get("Content-Type")); e.Message != "No required SSL certificate was sent" {
			t.Errorf("Erreur %+v", e)
		}
	})

	t.Run("no client certificate, refused in the handshake", func(t *testing.T) {
		mc := startSim(t, func(o *garsim.MediacentreOptions) { o.HandshakeClientAuth = true })
		_, err := bareClient(t, mc, false).Get(mc.URL() + "/ressourcesDiffusables")
		if err == nil {
			t.Fatal("the server accepted a connection without client certificate")
		}
		if d := DescribeTLSError(err); !strings.Contains(d, "did not get or did not accept the client certificate") {
			t.Errorf("description %q of %v", d, err)
		}
	})

	t.Run("client certificate from another CA", func(t *testing.T) {
		foreign, err := other.Issue(garsim.CertRequest{CommonName: testIdent, Client: true})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "c.key")
		key, _ := foreign.KeyPEM()
		os.WriteFile(certPath, foreign.CertPEM(), 0o600)
		os.WriteFile(keyPath, key, 0o600)

		mc := startSim(t, nil)
		c := newTestClient(t, mc, func(c *Config) { c.CertFile, c.KeyFile = certPath, keyPath })
		_, err = c.Resources(context.Background(), testUAI, pupil)
		var ge *Error
		if !errors.As(err, &ge) || ge.Kind != KindUnauthorized || ge.Message != "Invalide client certificate" {
			t.Errorf("got %v, want GAR's 401", err)
		}

		strict := startSim(t, func(o *garsim.MediacentreOptions) { o.HandshakeClientAuth = true })
		c = newTestClient(t, strict, func(c *Config) { c.CertFile, c.KeyFile = certPath, keyPath })
		_, err = c.Resources(context.Background(), testUAI, pupil)
		wantTLSFailure(t, strict, err, "the server refused the client certificate")
	})
}

// wantTLSFailure checks that err is a TLS failure that was not retried,
// described for the operator with want, and shown to users as a
// connection problem.
func wantTLSFailure(t *testing.T, mc *garsim.Mediacentre, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatal("the call succeeded")
	}
	if d := DescribeTLSError(err); !strings.Contains(d, want) {
		t.Errorf("DescribeTLSError = %q, want it to contain %q (error: %v)", d, want, err)
	}
	if retryable(err) {
		t.Errorf("TLS failure %v would be retried", err)
	}
	if !strings.Contains(UserMessage(err), "connexion sécurisée") {
		t.Errorf("user message %q", UserMessage(err))
	}
	if mc.Requests() != 0 {
		t.Errorf("%d HTTP requests reached the server", mc.Requests())
	}
}

type bareResponse struct {
	*http.Response
	body []byte
}

func bareGet(t *testing.T, hc *http.Client, url string) bareResponse {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return bareResponse{resp, []byte(b.String())}
}
