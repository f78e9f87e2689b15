package main

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/internal/faultsftp"
	"github.com/entgar/entgar/internal/sshd"
)

func setSFTPEnv(t *testing.T, host string, port int, user, key, knownHosts, root string) {
	t.Setenv("ENTGAR_SFTP_HOST", host)
	t.Setenv("ENTGAR_SFTP_PORT", strconv.Itoa(port))
	t.Setenv("ENTGAR_SFTP_USER", user)
	t.Setenv("ENTGAR_SFTP_KEY_FILE", key)
	t.Setenv("ENTGAR_SFTP_KNOWN_HOSTS", knownHosts)
	t.Setenv("ENTGAR_SFTP_ROOT", root)
	t.Setenv("ENTGAR_SFTP_RETRIES", "1")
	t.Setenv("ENTGAR_SFTP_RETRY_BACKOFF", "10ms")
}

// TestExportUpload runs `entgar export --upload` then `entgar upload`
// against a real OpenSSH server.
func TestExportUpload(t *testing.T) {
	t.Setenv("ENTGAR_LOG_LEVEL", "error")
	s := sshd.StartT(t, sshd.Options{})
	entrant := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(entrant, 0o755)
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	if code, _, errs := runCLI(t, "gen", "--out", data, "--students", "200", "--seed", "3"); code != 0 {
		t.Fatal(errs)
	}
	// Without the sftp keys, --upload fails at once, before exporting.
	code, _, errs := runCLI(t, "export", "--ident", "ZZ", "--source", data, "--out", out, "--upload")
	if code != exitUsage || !strings.Contains(errs, "--upload: configuration: sftp.user: no SFTP user name") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the export ran although the upload could not")
	}

	setSFTPEnv(t, s.Host, s.Port, s.User, s.ClientKey, s.KnownHosts, s.Root)
	code, stdout, errs := runCLI(t, "export", "--ident", "ZZ", "--source", data, "--out", out, "--upload")
	if code != 0 {
		t.Fatalf("export --upload: exit %d: %s", code, errs)
	}
	if strings.Count(stdout, "delivered: ENTRANT/ZZ/ZZ_GAR-ENT_Complet_") != 2 {
		t.Fatalf("output:\n%s", stdout)
	}
	ents, _ := os.ReadDir(entrant)
	if len(ents) != 4 {
		t.Fatalf("ENTRANT/ZZ holds %d files", len(ents))
	}
	for _, e := range ents {
		local, err := os.ReadFile(filepath.Join(out, e.Name()))
		remote, _ := os.ReadFile(filepath.Join(entrant, e.Name()))
		if err != nil || string(local) != string(remote) {
			t.Errorf("%s differs from the local file (%v)", e.Name(), err)
		}
	}
	// `entgar upload` alone delivers the newest archives of out: already
	// there.
	code, stdout, errs = runCLI(t, "upload", "--ident", "ZZ", "--out", out)
	if code != 0 || strings.Count(stdout, "already in place") != 2 {
		t.Fatalf("upload: exit %d\n%s\n%s", code, stdout, errs)
	}
	code, stdout, errs = runCLI(t, "upload", "--out", out, "--json", filepath.Join(out, ents[1].Name()))
	if code != 0 || !strings.Contains(stdout, `"already_there": true`) {
		t.Fatalf("upload --json: exit %d\n%s\n%s", code, stdout, errs)
	}

	// A source that lost most of its pupils: the mass-deletion guard of
	// export --upload compares with the last delivery (even with
	// analyse.after_export off) and nothing is delivered until
	// --allow-mass-deletion says the deletions are real.
	small := filepath.Join(dir, "small")
	if code, _, errs := runCLI(t, "gen", "--out", small, "--students", "20", "--seed", "3"); code != 0 {
		t.Fatal(errs)
	}
	time.Sleep(1100 * time.Millisecond) // a new archive stamp
	t.Setenv("ENTGAR_ANALYSE_AFTER_EXPORT", "false")
	t.Setenv("ENTGAR_LOG_FORMAT", "text")
	code, _, errs = runCLI(t, "export", "--ident", "ZZ", "--source", small, "--out", out, "--upload")
	if code != exitProblems || !strings.Contains(errs, "diff.mass_deletion=1") || !strings.Contains(errs, "--allow-mass-deletion") || !strings.Contains(errs, "nothing delivered") {
		t.Fatalf("export --upload of a mass deletion: exit %d: %s", code, errs)
	}
	if now, _ := os.ReadDir(entrant); len(now) != 4 || now[0].Name() != ents[0].Name() {
		t.Fatalf("ENTRANT changed after a refused delivery: %v", now)
	}
	// The refused archives were set aside: upload still takes the last
	// good ones.
	if code, stdout, errs := runCLI(t, "upload", "--ident", "ZZ", "--out", out); code != 0 || strings.Count(stdout, "already in place") != 2 {
		t.Fatalf("upload after a refused export: exit %d\n%s\n%s", code, stdout, errs)
	}
	if refused, _ := filepath.Glob(filepath.Join(out, "refused", "*.tar.gz")); len(refused) != 2 {
		t.Fatalf("set aside: %v", refused)
	}
	time.Sleep(1100 * time.Millisecond)
	t.Setenv("ENTGAR_LOG_LEVEL", "warn")
	code, stdout, errs = runCLI(t, "export", "--ident", "ZZ", "--source", small, "--out", out, "--upload", "--allow-mass-deletion")
	if code != 0 || strings.Count(stdout, "delivered: ENTRANT/ZZ/") != 2 || !strings.Contains(errs, "mass deletion allowed") {
		t.Fatalf("export --upload --allow-mass-deletion: exit %d\n%s\n%s", code, stdout, errs)
	}
	if now, _ := os.ReadDir(entrant); len(now) != 4 || now[0].Name() == ents[0].Name() {
		t.Fatalf("ENTRANT after the allowed delivery: %v", now)
	}
}

// TestUploadExitCodes: configuration problems exit 2, network and server
// failures 3.
func TestUploadExitCodes(t *testing.T) {
	t.Setenv("ENTGAR_LOG_LEVEL", "error")
	fs, err := faultsftp.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	os.MkdirAll(filepath.Join(fs.Root, "ENTRANT", "ZZ"), 0o755)
	dir := t.TempDir()
	name := "ZZ_GAR-ENT_Complet_20261123_010203_2D.tar.gz"
	arch := writeFile(t, dir, name, strings.Repeat("x", 100000))
	writeFile(t, dir, "ZZ_GAR-ENT_Complet_20261123_010203_2D.MD5", "a6ebd8c1a8ea6d1bac1d1c0bcd6e9a28")
	out := filepath.Join(dir, "out")
	lone := writeFile(t, dir, "ZZ_GAR-ENT_Complet_20261123_010203_1D.tar.gz", "no MD5 beside me")

	setSFTPEnv(t, fs.Host, fs.Port, "ent", fs.ClientKey, fs.KnownHosts, "/")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		err  string
	}{
		{"bad archive name", nil, []string{"upload", "--out", out, filepath.Join(dir, "notes.tar.gz")}, exitUsage, "does not start with <idENT>"},
		{"an MD5 given", nil, []string{"upload", "--out", out, filepath.Join(dir, "ZZ_GAR-ENT_Complet_20261123_010203_2D.MD5")}, exitUsage, "not an archive"},
		{"no archive no ident", nil, []string{"upload", "--out", out}, exitUsage, "no ARCHIVE and no idENT"},
		{"missing MD5", nil, []string{"upload", "--out", out, lone}, exitUsage, "ZZ_GAR-ENT_Complet_20261123_010203_1D.MD5: no such file or directory"},
		{"missing archive", nil, []string{"upload", "--out", out, filepath.Join(dir, "ZZ_GAR-ENT_Complet_20261122_010203_2D.tar.gz")}, exitUsage, "ZZ_GAR-ENT_Complet_20261122_010203_2D.tar.gz: no such file or directory"},
		{"no user", map[string]string{"ENTGAR_SFTP_USER": ""}, []string{"upload", "--out", out, arch}, exitUsage, "sftp.user: no SFTP user name"},
		{"bad key", map[string]string{"ENTGAR_SFTP_KEY_FILE": arch}, []string{"upload", "--out", out, arch}, exitUsage, "sftp.key_file: parse private key"},
		{"bad passphrase variable", map[string]string{"ENTGAR_SFTP_KEY_PASSPHRASE_ENV": "ENTGAR_X"}, []string{"upload", "--out", out, arch}, exitUsage, "sftp.key_passphrase_env: must not start with ENTGAR_"},
		{"damaged MD5", nil, []string{"upload", "--out", out, arch}, exitEnv, "the archive or its MD5 file is damaged"},
		{"server unreachable", map[string]string{"ENTGAR_SFTP_PORT": "1"}, []string{"upload", "--out", out, arch}, exitEnv, "connect to 127.0.0.1:1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, errs := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.err) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, c.code, c.err)
			}
		})
	}

	// A connection dropped on every attempt: exit 3, nothing under the
	// final names.
	writeFile(t, dir, "ZZ_GAR-ENT_Complet_20261123_010203_2D.MD5", md5hex(t, arch))
	fs.Inject(faultsftp.Fault{Kind: faultsftp.DropAt, File: name, Offset: 50000})
	code, _, errs := runCLI(t, "upload", "--out", out, arch)
	if code != exitEnv || !strings.Contains(errs, "entgar upload: upload "+name+": put /ENTRANT/ZZ/"+name+" on "+fs.Addr) || !strings.Contains(errs, "gave up after 2 attempts") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(fs.Root, "ENTRANT", "ZZ", name)); err == nil {
		t.Fatal("an archive is under its final name")
	}
	for _, v := range fs.Violations() {
		t.Error(v)
	}
}

func md5hex(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}
