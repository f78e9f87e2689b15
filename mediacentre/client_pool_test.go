package mediacentre

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entgar/entgar/garsim"
)

// A server that compresses on the fly sends a chunked body, whose end (the
// last, empty chunk) comes after the deflate stream's own end. The client
// must read it, or the transport drops the connection at every call and
// each call costs a TLS handshake (reference §7.2.3.2 asks for a pool).
func TestChunkedDeflateKeepsConnection(t *testing.T) {
	_, files, err := garsim.LoadOrCreateTLSDir(filepath.Join(t.TempDir(), "tls"), []string{"127.0.0.1"}, []string{testIdent})
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := tls.LoadX509KeyPair(files.ServerCert, files.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"listeRessources":{"ressource":[{"idRessource":"ark:/1","nomRessource":"Maths","typePresentation":{"code":"MAN","nom":"manuels"}}]}}`)
	for _, enc := range []string{"zlib", "raw"} {
		t.Run(enc, func(t *testing.T) {
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var z bytes.Buffer
				var zw io.WriteCloser
				if enc == "zlib" {
					zw = zlib.NewWriter(&z)
				} else {
					zw, _ = flate.NewWriter(&z, flate.DefaultCompression)
				}
				zw.Write(body)
				zw.Close()
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "deflate")
				w.Write(z.Bytes())
				// The stream goes out now, chunked; the last chunk follows
				// when the handler returns, in a later packet.
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, MinVersion: tls.VersionTLS12}
			srv.StartTLS()
			defer srv.Close()

			c, err := NewClient(Config{
				BaseURL: srv.URL, Ident: testIdent, Format: "json",
				CertFile: files.Clients[testIdent].Cert, KeyFile: files.Clients[testIdent].Key, CAFile: files.CA,
				Timeout: 30 * time.Second, Deadline: time.Minute,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			for i := range 5 {
				rs, err := c.Resources(t.Context(), testUAI, pupil)
				if err != nil || len(rs) != 1 || rs[0].Name != "Maths" {
					t.Fatalf("call %d: %v, %+v", i, err, rs)
				}
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("5 sequential calls opened %d connections, want 1", n)
			}
		})
	}
}

// url.PathEscape leaves "." and ".." as they are, and a proxy or server in
// front of GAR resolves them: /ressources/ENT/UAI/.. would become
// /ressources/ENT, another request than the one asked. No
// GARPersonIdentifiant is a dot segment: such an id is refused before any
// request.
func TestDotSegmentUserRefused(t *testing.T) {
	mc := startSim(t, nil)
	c := newTestClient(t, mc, nil)
	before := mc.Requests()
	for _, user := range []string{".", ".."} {
		if _, err := c.Resources(t.Context(), testUAI, user); err == nil || !strings.Contains(err.Error(), "user id") {
			t.Errorf("user %q: got %v, want an error about the user id", user, err)
		}
	}
	if n := mc.Requests() - before; n != 0 {
		t.Errorf("%d requests sent for dot-segment user ids", n)
	}
}
