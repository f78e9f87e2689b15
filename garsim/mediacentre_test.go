package garsim

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
)

// startMediacentre starts a simulator and returns it with an HTTP client
// presenting the client certificate of ident.
func startMediacentre(t *testing.T, opts MediacentreOptions, ident string) (*Mediacentre, *http.Client) {
	t.Helper()
	if opts.TLSDir == "" {
		opts.TLSDir = filepath.Join(t.TempDir(), "tls")
	}
	mc, err := NewMediacentre(opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := mc.Start()
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	files := mc.TLSFiles()
	cert, err := tls.LoadX509KeyPair(files.Clients[ident].Cert, files.Clients[ident].Key)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(files.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:    &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}},
		DisableCompression: true,
	}}
	t.Cleanup(hc.CloseIdleConnections)
	return mc, hc
}

// get sends a GAR request with the mandatory headers (hdr overrides them;
// an empty value removes one) and returns the status and body, decompressed
// when gzip.
func get(t *testing.T, hc *http.Client, method, url string, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

type listAnswer struct {
	ListeRessources struct {
		Ressource []simResource `json:"ressource"`
	} `json:"listeRessources"`
}

type erreurAnswer struct {
	Erreur struct{ Code, Message, Resource string }
}

// exportTo generates a source with seed and exports it as idENT ZZ into
// out, stamped at ts; it returns the first pupil's id and UAI.
func exportTo(t *testing.T, out string, seed int64, ts time.Time) (id, uai string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := synth.Generate(context.Background(), dir, synth.Options{Pupils: 300, Degrees: gar.Degrees, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	src, err := source.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = export.Run(context.Background(), src, export.Options{
		Ident: "ZZ", Out: out, Degrees: gar.Degrees, MaxNodes: 10000, MaxRejectedShare: 1,
		OnlyGAREnabled: true, GzipLevel: 1, Keep: 3, Time: ts,
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "pupils.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadBytes('\n')
	var p struct {
		ID      string `json:"id"`
		Schools []struct {
			UAI string `json:"uai"`
		} `json:"schools"`
	}
	if err := json.Unmarshal(line, &p); err != nil || len(p.Schools) == 0 {
		t.Fatalf("first pupil %s: %v", line, err)
	}
	return p.ID, p.Schools[0].UAI
}

func TestMediacentreFromArchives(t *testing.T) {
	root := t.TempDir()
	stamp := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	id, uai := exportTo(t, filepath.Join(root, "SUCCES", "ZZ"), 1, stamp)
	mc, hc := startMediacentre(t, MediacentreOptions{Idents: []string{"ZZ"}, Root: root, RescanEvery: time.Millisecond}, "ZZ")

	status, _, body := get(t, hc, "GET", mc.URL()+"/ressources/ZZ/"+uai+"/"+id, nil)
	var list listAnswer
	if status != 200 || json.Unmarshal(body, &list) != nil || len(list.ListeRessources.Ressource) == 0 {
		t.Fatalf("pupil %s of %s: status %d, body %s", id, uai, status, body)
	}
	for _, r := range list.ListeRessources.Ressource {
		if strings.Contains(r.NomRessource, "enseignant") {
			t.Errorf("a pupil got the teacher edition %q", r.NomRessource)
		}
	}
	// Deterministic: the same person gets the same list.
	_, _, again := get(t, hc, "GET", mc.URL()+"/ressources/ZZ/"+uai+"/"+id, nil)
	if !bytes.Equal(body, again) {
		t.Error("two answers for the same person differ")
	}

	status, _, body = get(t, hc, "GET", mc.URL()+"/ressources/ZZ/"+uai+"/inconnu", nil)
	var e erreurAnswer
	if status != 400 || json.Unmarshal(body, &e) != nil || e.Erreur.Message != "Utilisateur non trouvé" {
		t.Errorf("unknown user: status %d, body %s", status, body)
	}

	// A newer archive integrated with partial success replaces the
	// directory: the old pupil is gone unless the new export has them too.
	id2, uai2 := exportTo(t, filepath.Join(root, "SUCCES_PARTIEL", "ZZ"), 7, stamp.Add(24*time.Hour))
	time.Sleep(5 * time.Millisecond)
	if status, _, body := get(t, hc, "GET", mc.URL()+"/ressources/ZZ/"+uai2+"/"+id2, nil); status != 200 {
		t.Errorf("pupil of the newer archive: status %d, body %s", status, body)
	}
	if uai == uai2 {
		t.Fatalf("seeds 1 and 7 gave the same first establishment %s: pick another seed", uai)
	}
	status, _, body = get(t, hc, "GET", mc.URL()+"/ressources/ZZ/"+uai+"/"+id, nil)
	if status != 400 || json.Unmarshal(body, &e) != nil || e.Erreur.Message != "Etablissement non trouvé" {
		t.Errorf("establishment of the older archive only: status %d, body %s", status, body)
	}
}

func TestMediacentreRequestChecks(t *testing.T) {
	mc, hc := startMediacentre(t, MediacentreOptions{
		Idents: []string{"ZZ"},
		People: map[string][]Person{"ZZ": {{ID: "u1", Profiles: map[string]string{"0750001A": "National_elv"}}}},
	}, "ZZ")
	url := mc.URL() + "/ressources/ZZ/0750001A/u1"
	tests := []struct {
		name, method, url string
		hdr               map[string]string
		status            int
		message           string
	}{
		{"ok", "GET", url, nil, 200, ""},
		{"XML by default", "GET", url, map[string]string{"Accept": ""}, 200, ""},
		{"no Date", "GET", url, map[string]string{"Date": ""}, 400, "En-tête Date absent ou invalide"},
		{"no Accept-Encoding", "GET", url, map[string]string{"Accept-Encoding": ""}, 400, "En-tête Accept-Encoding absent ou incomplet (gzip, deflate attendus)"},
		{"HTML asked", "GET", url, map[string]string{"Accept": "text/html"}, 406, ""},
		{"JSON diffusables", "GET", mc.URL() + "/ressourcesDiffusables", nil, 406, ""},
		{"POST", "POST", url, nil, 405, ""},
		{"magic status", "GET", mc.URL() + "/ressources/ZZ/GARSIM-500/u1", nil, 500, "Une erreur technique est survenue."},
		{"another idENT", "GET", mc.URL() + "/ressources/YY/0750001A/u1", nil, 403, "Certificat client non autorisé pour le projet ENT passé en paramètre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := get(t, hc, tt.method, tt.url, tt.hdr)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.hdr["Accept"] == "" && tt.hdr != nil && status == 200 && !strings.HasPrefix(h.Get("Content-Type"), "application/xml") {
				t.Errorf("default format: Content-Type %q", h.Get("Content-Type"))
			}
			if tt.message != "" {
				var e erreurAnswer
				if err := json.Unmarshal(body, &e); err != nil || e.Erreur.Message != tt.message {
					t.Errorf("Erreur %s, want message %q", body, tt.message)
				}
			}
		})
	}
}

func TestTLSDirReuse(t *testing.T) {
	dir := t.TempDir()
	ca1, f1, err := LoadOrCreateTLSDir(dir, []string{"localhost"}, []string{"ZZ"})
	if err != nil {
		t.Fatal(err)
	}
	client1, _ := os.ReadFile(f1.Clients["ZZ"].Cert)
	server1, _ := os.ReadFile(f1.ServerCert)
	ca2, f2, err := LoadOrCreateTLSDir(dir, []string{"localhost"}, []string{"ZZ", "YY"})
	if err != nil {
		t.Fatal(err)
	}
	client2, _ := os.ReadFile(f2.Clients["ZZ"].Cert)
	server2, _ := os.ReadFile(f2.ServerCert)
	if !ca1.Cert.Equal(ca2.Cert) || !bytes.Equal(client1, client2) || !bytes.Equal(server1, server2) {
		t.Error("a second run replaced the CA or certificates that were still valid")
	}
	if _, err := os.Stat(f2.Clients["YY"].PKCS12); err != nil {
		t.Errorf("no PKCS#12 for the new idENT: %v", err)
	}
	_, f3, err := LoadOrCreateTLSDir(dir, []string{"gar.example.test"}, []string{"ZZ"})
	if err != nil {
		t.Fatal(err)
	}
	server3, _ := os.ReadFile(f3.ServerCert)
	if bytes.Equal(server1, server3) {
		t.Error("the server certificate was not re-issued for new hosts")
	}
	if st, _ := os.Stat(f3.CAKey); st.Mode().Perm() != 0o600 {
		t.Errorf("CA key mode %v", st.Mode().Perm())
	}
}
