package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entgar/entgar/export/metrics"
	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/archivetest"
	"github.com/entgar/entgar/internal/sshkeys"
)

// garsimEnv is `entgar garsim` running in the test's process, and a
// configuration for the client commands pointing at it.
type garsimEnv struct {
	dir, root, cfg, out string
	mcAddr              string
	stop                func() (int, string)
}

func startSFTPSim(t *testing.T) *garsimEnv { return startSFTPSimEvery(t, "100ms") }

func startSFTPSimEvery(t *testing.T, interval string) *garsimEnv {
	t.Helper()
	t.Setenv("ENTGAR_LOG_LEVEL", "warn")
	dir := t.TempDir()
	e := &garsimEnv{dir: dir, root: filepath.Join(dir, "gar"), out: filepath.Join(dir, "out")}
	key := filepath.Join(dir, "id_ent")
	if _, err := sshkeys.Write(key, sshkeys.Ed25519, 0, ""); err != nil {
		t.Fatal(err)
	}
	authorized := filepath.Join(dir, "authorized_keys")
	data, _ := os.ReadFile(key + ".pub")
	os.WriteFile(authorized, data, 0o644)
	kh := filepath.Join(dir, "known_hosts")
	// A free port for the médiacentre side: listen, note it, release it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.mcAddr = ln.Addr().String()
	ln.Close()
	tlsDir := filepath.Join(dir, "tls")
	e.cfg = writeFile(t, dir, "entgar.yaml", `ent: {id: ZZ, name: "ENT de test"}
mediacentre: {base_url: "https://`+e.mcAddr+`", cert_file: `+filepath.Join(tlsDir, "client-ZZ.pem")+`, key_file: `+filepath.Join(tlsDir, "client-ZZ.key")+`, ca_file: `+filepath.Join(tlsDir, "ca.pem")+`}
export: {out: `+e.out+`, max_nodes: 50}
sftp: {host: 127.0.0.1, user: ent, key_file: `+key+`, known_hosts: `+kh+`, retries: 1, retry_backoff: 100ms, connect_timeout: 5s}
metrics: {textfile: `+filepath.Join(dir, "entgar.prom")+`}
garsim:
  root: `+e.root+`
  sftp_listen: 127.0.0.1:0
  host_key_file: `+filepath.Join(dir, "host_key")+`
  authorized_keys: `+authorized+`
  collecte_interval: `+interval+`
  mediacentre_listen: `+e.mcAddr+`
  tls_dir: `+tlsDir+`
`)
	ctx, cancel := context.WithCancel(context.Background())
	var code int
	var stderr bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() {
		code = run(ctx, []string{"garsim", "--config", e.cfg, "--known-hosts-out", kh}, &bytes.Buffer{}, &stderr)
	})
	e.stop = func() (int, string) { cancel(); wg.Wait(); return code, stderr.String() }
	t.Cleanup(func() { e.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		line, err := os.ReadFile(kh)
		if err == nil {
			// "[127.0.0.1]:PORT ssh-ed25519 ..."
			hostport := strings.Fields(string(line))[0]
			port := hostport[strings.LastIndex(hostport, ":")+1:]
			t.Setenv("ENTGAR_SFTP_PORT", port)
			return e
		}
		if time.Now().After(deadline) {
			c, s := e.stop()
			t.Fatalf("garsim did not start: exit %d\n%s", c, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *garsimEnv) inFolder(folder, name string) bool {
	_, err := os.Stat(filepath.Join(e.root, folder, "ZZ", name))
	return err == nil
}

// TestGarsimEndToEnd: export and upload to garsim, wait for the collecte
// with `entgar results --wait`, then IDO, a rejected delivery, the
// ANALYSEUR deposit, metrics, and the exit codes of each outcome.
func TestGarsimEndToEnd(t *testing.T) {
	e := startSFTPSim(t)
	data := filepath.Join(e.dir, "data")
	if code, _, errs := runCLI(t, "gen", "--out", data, "--students", "200", "--seed", "3"); code != 0 {
		t.Fatalf("gen: %s", errs)
	}
	// IDO before GAR integrated anything: refused.
	mapping := writeFile(t, e.dir, "mapping.csv", "old-1;AB;new-1\r\nold-2;AB;new-2\r\n")
	if code, _, errs := runCLI(t, "ido", "--config", e.cfg, "--mapping", mapping); code != exitProblems || !strings.Contains(errs, "no archive of ours in SUCCES") {
		t.Errorf("ido before integration: exit %d, %s", code, errs)
	}
	// Before any delivery: no archive, exit 1.
	if code, out, _ := runCLI(t, "results", "--config", e.cfg); code != exitProblems || !strings.Contains(out, "no archive of ours") {
		t.Errorf("results before delivery: exit %d\n%s", code, out)
	}

	if code, _, errs := runCLI(t, "export", "--config", e.cfg, "--source", data, "--upload"); code != 0 {
		t.Fatalf("export --upload: exit %d\n%s", code, errs)
	}
	code, out, errs := runCLI(t, "results", "--config", e.cfg, "--wait", "30s", "--json")
	if code != exitOK {
		t.Fatalf("results: exit %d\n%s\n%s", code, out, errs)
	}
	var st results.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("results --json: %v\n%s", err, out)
	}
	if !st.Succeeded || st.Pending || len(st.Latest) != 2 || st.Latest[0].Outcome != results.Success || st.Latest[1].Folder != gar.FolderSucces {
		t.Fatalf("status %+v", st)
	}
	integrated := st.Latest[1].Name
	if !e.inFolder(gar.FolderSucces, integrated) {
		t.Errorf("%s not in SUCCES", integrated)
	}

	// The médiacentre side of the same garsim knows the pupils of the
	// archive the collecte just integrated.
	user, uai := firstPupil(t, filepath.Join(e.root, gar.FolderSucces, "ZZ", integrated))
	// It re-reads the integrated archives every two seconds at most.
	var mcOut, mcErr string
	deadline := time.Now().Add(10 * time.Second)
	for code = -1; code != exitOK && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		code, mcOut, mcErr = runCLI(t, "mediacentre", "--config", e.cfg, "--uai", uai, "--user", user)
	}
	if code != exitOK || !strings.Contains(mcOut, "resource(s)") {
		t.Errorf("mediacentre for %s in %s: exit %d\n%s\n%s", user, uai, code, mcOut, mcErr)
	}
	if code, _, _ := runCLI(t, "mediacentre", "--config", e.cfg, "--uai", uai, "--user", "nobody-here"); code != exitProblems {
		t.Errorf("mediacentre for an unknown user: exit %d", code)
	}

	// IDO now: stamped like the newest integrated archive.
	code, out, errs = runCLI(t, "ido", "--config", e.cfg, "--mapping", mapping)
	if code != exitOK {
		t.Fatalf("ido: exit %d\n%s", code, errs)
	}
	n, _ := gar.ParseName(integrated)
	csv := "ZZ_GAR-ENT_Transfert_" + n.Timestamp.Format(gar.TimestampLayout) + ".csv"
	got, err := os.ReadFile(filepath.Join(e.root, gar.FolderMigrationIDO, "ZZ", csv))
	if err != nil || string(got) != "old-1;AB;new-1;ZZ\r\nold-2;AB;new-2;ZZ\r\n" {
		t.Errorf("IDO file %s: %q %v (output %s)", csv, got, err, out)
	}
	bad := writeFile(t, e.dir, "bad.csv", "old-1;AB;new-1\nold-1;AB;new-2\n")
	if code, _, errs := runCLI(t, "ido", "--config", e.cfg, "--mapping", bad); code != exitProblems || !strings.Contains(errs, "line 2: person old-1 of AB is already mapped on line 1") {
		t.Errorf("ido with a bad mapping: exit %d, %s", code, errs)
	}

	// A delivery GAR integrates in part: an unknown establishment.
	time.Sleep(1100 * time.Millisecond) // a new archive stamp
	ts := time.Now()
	src := archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: "ZZ", Degree: gar.D1, Time: ts})
	partial := filepath.Join(t.TempDir(), filepath.Base(src))
	archivetest.Rewrite(t, src, partial, func(name string, data []byte) (string, []byte) {
		if strings.Contains(name, "_Eleve_0000") {
			open := []byte("<men:GARPersonProfils>")
			i := bytes.Index(data, open)
			j := i + bytes.Index(data[i:], []byte("</men:GARStructureUAI>"))
			k := i + bytes.Index(data[i:], []byte("<men:GARStructureUAI>")) + len("<men:GARStructureUAI>")
			data = append(append(append([]byte{}, data[:k]...), "0000000X"...), data[j:]...)
		}
		return name, data
	})
	if code, _, errs := runCLI(t, "upload", "--config", e.cfg, partial); code != 0 {
		t.Fatalf("upload: exit %d\n%s", code, errs)
	}
	code, out, _ = runCLI(t, "results", "--config", e.cfg, "--wait", "30s")
	if code != exitProblems || !strings.Contains(out, "SUCCES_PARTIEL, integrated in part") ||
		!strings.Contains(out, "element(s) rejected") || !strings.Contains(out, "ref.etab") ||
		!strings.Contains(out, "_Eleve_0000.xml:") || !strings.Contains(out, "0000000X") {
		t.Errorf("results after a partial delivery: exit %d\n%s", code, out)
	}

	// analyse --deposit: refused without a terminal (go test has none),
	// done with --force; the local verdict still gives the exit code.
	if code, _, errs := runCLI(t, "analyse", partial, "--deposit", "--config", e.cfg); code != exitUsage || !strings.Contains(errs, "§5.8") {
		t.Errorf("analyse --deposit without a terminal: exit %d, %s", code, errs)
	}
	code, out, errs = runCLI(t, "analyse", partial, "--deposit", "--force", "--config", e.cfg)
	if code != exitProblems || !strings.Contains(out, "deposited ANALYSEUR/"+filepath.Base(partial)) {
		t.Errorf("analyse --deposit --force: exit %d\n%s\n%s", code, out, errs)
	}
	// garsim analyses it and removes it.
	waitFor(t, func() bool {
		_, err := os.Stat(filepath.Join(e.root, gar.FolderAnalyseur, filepath.Base(partial)))
		return os.IsNotExist(err)
	})

	// Metrics of every job.
	sum, err := metrics.Load(filepath.Join(e.dir, "entgar.json"))
	if err != nil {
		t.Fatal(err)
	}
	for job, want := range map[string]string{"export": metrics.OutcomeSuccess, "upload": metrics.OutcomeSuccess, "results": metrics.OutcomePartial} {
		if j := sum.Jobs[job]; j == nil || j.LastOutcome != want {
			t.Errorf("metrics %s: %+v, want outcome %s", job, j, want)
		}
	}
	if j := sum.Jobs["export"]; j == nil || j.Bytes == 0 || j.LastSuccess.IsZero() {
		t.Errorf("export metrics %+v", j)
	}
	prom, _ := os.ReadFile(filepath.Join(e.dir, "entgar.prom"))
	if !bytes.Contains(prom, []byte(`entgar_last_outcome{job="results",outcome="partial"} 1`)) {
		t.Errorf("textfile:\n%s", prom)
	}

	// garsim stops cleanly; results then cannot reach it: exit 3.
	if code, errs := e.stop(); code != 0 {
		t.Errorf("garsim exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "results", "--config", e.cfg); code != exitEnv {
		t.Errorf("results with garsim down: exit %d\n%s", code, errs)
	}
	sum, _ = metrics.Load(filepath.Join(e.dir, "entgar.json"))
	if j := sum.Jobs["results"]; j == nil || j.LastOutcome != metrics.OutcomeFailure {
		t.Errorf("results metrics after a failure: %+v", j)
	}
}

// TestResultsRejected: an archive with a bad MD5 lands in ERREUR; results
// exits 1 and shows the MD5 control from the error report.
func TestResultsRejected(t *testing.T) {
	e := startSFTPSim(t)
	t.Setenv("ENTGAR_EXPORT_DEGREES", "2D")
	a := archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: "ZZ", Degree: gar.D2, Time: time.Now()})
	// A connector that writes a wrong checksum, straight into ENTRANT.
	os.WriteFile(gar.MD5Name(a), []byte(strings.Repeat("0", 32)), 0o644)
	archivetest.Copy(t, a, filepath.Join(e.root, gar.FolderEntrant, "ZZ"))
	code, out, errs := runCLI(t, "results", "--config", e.cfg, "--wait", "30s")
	if code != exitProblems || !strings.Contains(out, "ERREUR, rejected") || !strings.Contains(out, "Contrôle de conformité du MD5") ||
		!strings.Contains(errs, "last delivery not fully integrated") {
		t.Errorf("results: exit %d\n%s\n%s", code, out, errs)
	}
}

// firstPupil returns the GARPersonIdentifiant and the UAI of the first
// pupil's profile in an archive.
func firstPupil(t *testing.T, archive string) (id, uai string) {
	t.Helper()
	re := regexp.MustCompile(`<men:GAREleve>\s*<men:GARPersonIdentifiant>([^<]+)</men:GARPersonIdentifiant>[\s\S]*?<men:GARPersonProfils>\s*<men:GARStructureUAI>([^<]+)</men:GARStructureUAI>`)
	archivetest.Rewrite(t, archive, filepath.Join(t.TempDir(), filepath.Base(archive)), func(name string, data []byte) (string, []byte) {
		if id == "" && strings.Contains(name, "_Eleve_") {
			if m := re.FindSubmatch(data); m != nil {
				id, uai = string(m[1]), string(m[2])
			}
		}
		return name, data
	})
	if id == "" {
		t.Fatalf("no pupil in %s", archive)
	}
	return id, uai
}

// TestResultsPending: the collecte has not run; after --wait the archive is
// still in ENTRANT, which is not a success.
func TestResultsPending(t *testing.T) {
	e := startSFTPSimEvery(t, "1h")
	t.Setenv("ENTGAR_EXPORT_DEGREES", "1D")
	a := archivetest.Build(t, t.TempDir(), archivetest.Spec{Ident: "ZZ", Degree: gar.D1, Time: time.Now()})
	if code, _, errs := runCLI(t, "upload", "--config", e.cfg, a); code != 0 {
		t.Fatalf("upload: %s", errs)
	}
	start := time.Now()
	code, out, _ := runCLI(t, "results", "--config", e.cfg, "--wait", "2s", "--json")
	var st results.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != exitProblems || !st.Pending || st.Succeeded || st.Latest[0].Outcome != results.Pending || st.Latest[0].Name != filepath.Base(a) {
		t.Errorf("exit %d, status %+v", code, st)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("returned after %s, before --wait elapsed", waited)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestGarsimCommandConfiguration(t *testing.T) {
	t.Setenv("ENTGAR_LOG_LEVEL", "error")
	dir := t.TempDir()
	cases := []struct {
		name, config string
		code         int
		want         string
	}{
		{"no idENT", "garsim: {root: " + dir + "/r}\n", exitUsage, "no idENT to serve"},
		{"host key inside the root", "ent: {id: ZZ}\ngarsim: {root: " + dir + "/r, host_key_file: " + dir + "/r/hk}\n", exitUsage, "inside garsim.root"},
		{"bad listen", "ent: {id: ZZ}\ngarsim: {sftp_listen: nowhere}\n", exitUsage, "garsim.sftp_listen"},
		{"bad checker", "ent: {id: ZZ}\ngarsim: {checker: strict}\n", exitUsage, "garsim.checker"},
		{"no authorized keys", "ent: {id: ZZ}\ngarsim: {root: " + dir + "/r, host_key_file: " + dir + "/hk, authorized_keys: " + dir + "/none, sftp_listen: '127.0.0.1:0'}\n", exitEnv, "authorized keys"},
	}
	for _, c := range cases {
		cfg := writeFile(t, dir, "c.yaml", c.config)
		code, _, errs := runCLI(t, "garsim", "--config", cfg)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %s; want %d and %q", c.name, code, errs, c.code, c.want)
		}
	}
}
