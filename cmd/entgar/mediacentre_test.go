package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/garsim"
)

// startGarsim runs the simulator's médiacentre for idENT ZZ with one pupil
// and returns it with a configuration file pointing entgar at it.
func startGarsim(t *testing.T, change func(*garsim.MediacentreOptions)) (*garsim.Mediacentre, string) {
	t.Helper()
	opts := garsim.MediacentreOptions{
		TLSDir: filepath.Join(t.TempDir(), "tls"),
		Idents: []string{"ZZ"},
		People: map[string][]garsim.Person{"ZZ": {{ID: "eleve-1", Profiles: map[string]string{"0750001A": "National_elv"}}}},
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
	f := mc.TLSFiles()
	cfg := fmt.Sprintf(`ent:
  id: ZZ
log:
  level: error
mediacentre:
  base_url: %q
  pkcs12_file: %q
  pkcs12_password_file: %q
  ca_file: %q
  timeout: 2s
  deadline: 3s
`, mc.URL(), f.Clients["ZZ"].PKCS12, f.Clients["ZZ"].PKCS12Password, f.CA)
	return mc, writeFile(t, t.TempDir(), "entgar.yaml", cfg)
}

func TestMediacentreCommand(t *testing.T) {
	mc, cfg := startGarsim(t, nil)

	code, out, errs := runCLI(t, "mediacentre", "--config", cfg, "--uai", "0750001a", "--user", "eleve-1")
	if code != exitOK || !strings.Contains(out, "resource(s)") || !strings.Contains(out, "CN=ZZ") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	t.Logf("text output:\n%s", out)

	code, out, _ = runCLI(t, "mediacentre", "--config", cfg, "--uai", "0750001A", "--user", "eleve-1", "--json", "--format", "xml")
	var got mediacentreOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d, --json output %v:\n%s", code, err, out)
	}
	if got.UAI != "0750001A" || len(got.Resources) == 0 || got.Error != nil || got.Certificate.DaysLeft < 300 {
		t.Errorf("--json: %+v", got)
	}

	code, out, _ = runCLI(t, "mediacentre", "--config", cfg, "--distributable", "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK || got.Operation != "ressourcesDiffusables" || len(got.Resources) == 0 {
		t.Errorf("--distributable: exit %d, %v, %s", code, err, out)
	}

	code, out, errs = runCLI(t, "mediacentre", "--config", cfg, "--uai", "0750001A", "--user", "inconnu", "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitProblems || got.Error == nil ||
		got.Error.Kind != "unknown_user" || got.Error.Message != "Utilisateur non trouvé" || !strings.Contains(got.Error.UserMessage, "Votre compte") {
		t.Errorf("unknown user: exit %d, %+v, stderr %s", code, got.Error, errs)
	}

	code, out, _ = runCLI(t, "mediacentre", "--config", cfg, "--uai", "0750001A", "--user", "GARSIM-503")
	if code != exitProblems || !strings.Contains(out, "momentanément indisponible") {
		t.Errorf("503: exit %d\n%s", code, out)
	}
	if mc.Handshakes() == 0 {
		t.Error("no TLS handshake reached the simulator")
	}
}

func TestMediacentreCommandFailures(t *testing.T) {
	_, cfg := startGarsim(t, nil)
	other, err := garsim.NewCA("other")
	if err != nil {
		t.Fatal(err)
	}
	otherCA := writeFile(t, t.TempDir(), "other.pem", string(other.CertPEM()))
	_, strictCfg := startGarsim(t, func(o *garsim.MediacentreOptions) { o.HandshakeClientAuth = true })
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no user", nil, []string{"--uai", "0750001A"}, exitUsage, "--uai and --user are required"},
		{"unknown CA", map[string]string{"ENTGAR_MEDIACENTRE_CA_FILE": otherCA}, nil, exitEnv, "not signed by an authority of mediacentre.ca_file"},
		{"no client certificate", map[string]string{"ENTGAR_MEDIACENTRE_PKCS12_FILE": "", "ENTGAR_MEDIACENTRE_PKCS12_PASSWORD_FILE": ""}, nil, exitUsage, "requires one"},
		{"bad format", map[string]string{"ENTGAR_MEDIACENTRE_FORMAT": "csv"}, nil, exitUsage, "mediacentre.format"},
		{"wrong password", map[string]string{"ENTGAR_MEDIACENTRE_PKCS12_PASSWORD_FILE": writeFile(t, t.TempDir(), "pw", "faux\n")}, nil, exitUsage, "PKCS#12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			args := append([]string{"mediacentre", "--config", cfg}, c.args...)
			if c.args == nil {
				args = append(args, "--uai", "0750001A", "--user", "eleve-1")
			}
			code, out, errs := runCLI(t, args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("exit %d, want %d and %q\nstdout %s\nstderr %s", code, c.code, c.want, out, errs)
			}
		})
	}

	t.Run("client certificate not accepted in the handshake", func(t *testing.T) {
		// The strict simulator's CA differs from the first one's: give the
		// first one's client certificate to the second.
		data, _ := os.ReadFile(strictCfg)
		first, _ := os.ReadFile(cfg)
		mixed := strings.Replace(string(data), pkcs12Line(string(data)), pkcs12Line(string(first)), 1)
		path := writeFile(t, t.TempDir(), "mixed.yaml", mixed)
		code, out, errs := runCLI(t, "mediacentre", "--config", path, "--uai", "0750001A", "--user", "eleve-1")
		if code != exitEnv || !strings.Contains(out, "refused the client certificate") {
			t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errs)
		}
	})
}

func pkcs12Line(cfg string) string {
	for _, l := range strings.Split(cfg, "\n") {
		if strings.Contains(l, "pkcs12_file:") {
			return l
		}
	}
	return ""
}
