package sftp

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/sshd"
	"github.com/entgar/entgar/internal/sshkeys"
)

// writeArchive writes a fake archive of size random bytes named for ident,
// stamp and degree in dir, with its MD5 file, and returns its path.
func writeArchive(t testing.TB, dir, ident string, stamp time.Time, d gar.Degree, size int) string {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	name := gar.ArchiveName(ident, stamp, d)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(b)
	if err := os.WriteFile(filepath.Join(dir, gar.MD5Name(name)), []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sshdConfig(s *sshd.Server) Config {
	return Config{
		Host: s.Host, Port: s.Port, User: s.User, KeyFile: s.ClientKey, KnownHosts: s.KnownHosts,
		Root: s.Root, ConnectTimeout: 10 * time.Second, IOTimeout: 20 * time.Second,
		KeepAlive: 5 * time.Second, Retries: 2, RetryBackoff: 50 * time.Millisecond,
	}
}

func sameFile(t *testing.T, local, remote string) {
	t.Helper()
	want, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(remote)
	if err != nil {
		t.Fatalf("remote file: %v", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s holds %d bytes that differ from %s", remote, len(got), local)
	}
}

var stamp0 = time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)

// TestDeliverToOpenSSH delivers both degrees to a real OpenSSH server
// twice: the second run, with newer archives, removes the older ones; a
// third run with the same archives sends nothing.
func TestDeliverToOpenSSH(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	entrant := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(entrant, 0o755)
	// Files that are not ours stay.
	os.WriteFile(filepath.Join(entrant, "OTHER_GAR-ENT_Complet_20260101_000000_2D.tar.gz"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(entrant, "notes.txt"), []byte("x"), 0o644)
	out := t.TempDir()
	ctx := context.Background()

	var first []string
	for _, d := range []gar.Degree{gar.D1, gar.D2} {
		first = append(first, writeArchive(t, out, "ZZ", stamp0, d, 1<<20+int(d)))
	}
	res, err := Deliver(ctx, sshdConfig(s), out, first)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deliveries) != 2 || res.StaleLock != "" {
		t.Fatalf("result %+v", res)
	}
	for _, p := range first {
		sameFile(t, p, filepath.Join(entrant, filepath.Base(p)))
		sameFile(t, gar.MD5Name(p), filepath.Join(entrant, gar.MD5Name(filepath.Base(p))))
	}

	// Newer archives, one given twice and an older one given along: only
	// the newest of each degree goes, and the first ones are removed.
	later := stamp0.Add(24 * time.Hour)
	var second []string
	for _, d := range []gar.Degree{gar.D1, gar.D2} {
		second = append(second, writeArchive(t, t.TempDir(), "ZZ", later, d, 2<<20+int(d)))
	}
	res, err = Deliver(ctx, sshdConfig(s), out, append(second, first[0], second[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deliveries) != 2 || len(res.Skipped) != 1 || res.Skipped[0] != first[0] {
		t.Fatalf("result %+v", res)
	}
	ents, _ := os.ReadDir(entrant)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{
		"OTHER_GAR-ENT_Complet_20260101_000000_2D.tar.gz",
		"ZZ_GAR-ENT_Complet_20261124_010203_1D.MD5", "ZZ_GAR-ENT_Complet_20261124_010203_1D.tar.gz",
		"ZZ_GAR-ENT_Complet_20261124_010203_2D.MD5", "ZZ_GAR-ENT_Complet_20261124_010203_2D.tar.gz",
		"notes.txt",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("ENTRANT/ZZ holds\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	// Archives from elsewhere were staged in out, and recorded.
	for _, d := range []gar.Degree{gar.D1, gar.D2} {
		rec, ok, err := export.LastDelivered(out, "ZZ", d)
		if err != nil || !ok || rec.Stamp != "20261124_010203" {
			t.Fatalf("record of %s: %+v %v %v", d, rec, ok, err)
		}
		sameFile(t, rec.Path(out), filepath.Join(entrant, rec.Archive))
	}

	// Again: everything is in place, nothing is sent.
	res, err = Deliver(ctx, sshdConfig(s), out, second)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Deliveries {
		if !d.AlreadyThere {
			t.Errorf("%s sent again", d.Archive)
		}
	}
}

// TestNewerArchiveRefused: delivering an archive older than one of ours in
// ENTRANT would have GAR ignore it.
func TestNewerArchiveRefused(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	entrant := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(entrant, 0o755)
	newer := gar.ArchiveName("ZZ", stamp0.Add(time.Hour), gar.D2)
	os.WriteFile(filepath.Join(entrant, newer), []byte("x"), 0o644)
	arch := writeArchive(t, t.TempDir(), "ZZ", stamp0, gar.D2, 1000)
	c, err := Dial(context.Background(), sshdConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Upload(context.Background(), arch)
	var ne *NewerArchiveError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), newer+" is newer than") {
		t.Fatalf("error %v", err)
	}
}

// TestWindowRedo: an archive left in ENTRANT by an earlier run more than
// two hours ago, without its MD5, is uploaded again before the MD5.
func TestWindowRedo(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	entrant := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(entrant, 0o755)
	arch := writeArchive(t, t.TempDir(), "ZZ", stamp0, gar.D2, 5000)
	remote := filepath.Join(entrant, filepath.Base(arch))
	b, _ := os.ReadFile(arch)
	os.WriteFile(remote, b, 0o644)
	old := time.Now().Add(-3 * time.Hour)
	os.Chtimes(remote, old, old)
	c, err := Dial(context.Background(), sshdConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Upload(context.Background(), arch)
	if err != nil {
		t.Fatal(err)
	}
	if gap := d.MD5Time.Sub(d.ArchiveTime); gap < 0 || gap > time.Minute || time.Since(d.ArchiveTime) > time.Minute {
		t.Fatalf("archive at %s, MD5 at %s", d.ArchiveTime, d.MD5Time)
	}
	fi, _ := os.Stat(remote)
	if time.Since(fi.ModTime()) > time.Minute {
		t.Fatalf("the archive was not uploaded again: mtime %s", fi.ModTime())
	}

	// An archive in place for an hour with its MD5 is left alone.
	hourAgo := time.Now().Add(-time.Hour)
	os.Chtimes(remote, hourAgo, hourAgo)
	os.Chtimes(remote[:len(remote)-len(".tar.gz")]+".MD5", hourAgo, hourAgo)
	d, err = c.Upload(context.Background(), arch)
	if err != nil || !d.AlreadyThere {
		t.Fatalf("second upload: %+v %v", d, err)
	}
}

// TestErrorsAgainstOpenSSH checks the message of each configuration and
// server problem an operator meets.
func TestErrorsAgainstOpenSSH(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	ro := sshd.StartT(t, sshd.Options{ReadOnly: true})
	os.MkdirAll(filepath.Join(s.Root, "ENTRANT", "ZZ"), 0o755)
	os.MkdirAll(filepath.Join(ro.Root, "ENTRANT", "ZZ"), 0o755)
	dir := t.TempDir()
	arch := writeArchive(t, dir, "ZZ", stamp0, gar.D2, 1000)
	arch1D := writeArchive(t, dir, "YY", stamp0, gar.D1, 1000)

	key := func(name string, kind sshkeys.Kind, bits int, pass string) string {
		p := filepath.Join(dir, name)
		if _, err := sshkeys.Write(p, kind, bits, pass); err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherHost := filepath.Join(dir, "other_host")
	otherPub, _ := sshkeys.Write(otherHost, sshkeys.Ed25519, 0, "")
	mismatch := filepath.Join(dir, "known_hosts_mismatch")
	sshkeys.WriteKnownHosts(mismatch, s.Addr, otherPub)
	unknown := filepath.Join(dir, "known_hosts_unknown")
	sshkeys.WriteKnownHosts(unknown, "[gar.example]:22", s.HostKey)
	os.WriteFile(filepath.Join(dir, "pass"), []byte("correct horse\n"), 0o600)
	t.Setenv("TEST_ENTGAR_PASSPHRASE", "correct horse")

	cases := []struct {
		name   string
		edit   func(c *Config)
		upload string // archive to upload once connected
		srv    *sshd.Server
		want   string // in the error; "" means success
		config bool   // a *ConfigError
	}{
		{name: "host key mismatch", edit: func(c *Config) { c.KnownHosts = mismatch },
			want: "host key verification failed: " + s.Addr + " presented ssh-ed25519 SHA256:"},
		{name: "host key mismatch names the expected key", edit: func(c *Config) { c.KnownHosts = mismatch },
			want: "expects ssh-ed25519 SHA256:"},
		{name: "unknown host", edit: func(c *Config) { c.KnownHosts = unknown },
			want: "host key verification failed: " + s.Addr + " is not in " + unknown},
		{name: "unknown host says ssh-keyscan", edit: func(c *Config) { c.KnownHosts = unknown },
			want: "ssh-keyscan -p " + strings.TrimPrefix(s.Addr, "127.0.0.1:") + " 127.0.0.1 >> " + unknown},
		{name: "no known_hosts file", edit: func(c *Config) { c.KnownHosts = filepath.Join(dir, "nope") },
			want: "sftp.known_hosts: known_hosts file: stat " + filepath.Join(dir, "nope") + ": no such file", config: true},
		{name: "wrong key", edit: func(c *Config) { c.KeyFile = key("stranger", sshkeys.Ed25519, 0, "") },
			want: "authentication to " + s.Addr + ` as "` + s.User + `" refused for key ` + filepath.Join(dir, "stranger")},
		{name: "weak RSA key", edit: func(c *Config) { c.KeyFile = key("weak", sshkeys.RSA, 1024, "") },
			want: "sftp.key_file: " + filepath.Join(dir, "weak") + ": RSA key of 1024 bits is too weak: at least 2048 bits are required", config: true},
		{name: "missing key file", edit: func(c *Config) { c.KeyFile = filepath.Join(dir, "absent") },
			want: "sftp.key_file: read private key: open " + filepath.Join(dir, "absent"), config: true},
		{name: "encrypted key without passphrase", edit: func(c *Config) { c.KeyFile = key("enc0", sshkeys.Ed25519, 0, "correct horse") },
			want: "is encrypted: set sftp.key_passphrase_file or sftp.key_passphrase_env", config: true},
		{name: "wrong passphrase", edit: func(c *Config) {
			c.KeyFile = key("enc1", sshkeys.Ed25519, 0, "other")
			c.KeyPassphraseFile = filepath.Join(dir, "pass")
		}, want: "sftp.key_passphrase_file: the passphrase does not decrypt", config: true},
		{name: "passphrase env not set", edit: func(c *Config) {
			c.KeyFile = key("enc2", sshkeys.Ed25519, 0, "correct horse")
			c.KeyPassphraseEnv = "TEST_ENTGAR_UNSET"
		}, want: "the environment variable TEST_ENTGAR_UNSET is not set", config: true},
		{name: "missing ENTRANT folder", upload: arch1D,
			want: "stat " + filepath.Join(s.Root, "ENTRANT", "YY") + " on " + s.Addr + ": file does not exist (check sftp.root"},
		{name: "permission denied", srv: ro, upload: arch,
			want: "create " + filepath.Join(ro.Root, "ENTRANT", "ZZ", TempName(filepath.Base(arch))) + ": permission denied (refused by the server"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := s
			if c.srv != nil {
				srv = c.srv
			}
			cfg := sshdConfig(srv)
			cfg.Retries = 0
			if c.edit != nil {
				c.edit(&cfg)
			}
			cl, err := Dial(context.Background(), cfg)
			if err == nil {
				defer cl.Close()
				if c.upload == "" {
					t.Fatalf("connected, want %q", c.want)
				}
				_, err = cl.Upload(context.Background(), c.upload)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
			var ce *ConfigError
			if errors.As(err, &ce) != c.config {
				t.Errorf("ConfigError: %v, want %v", !c.config, c.config)
			}
			t.Log(err)
		})
	}

	// Encrypted keys with their passphrase, from a file or the
	// environment, and a plain RSA key; each must be authorized first.
	auth, _ := os.OpenFile(filepath.Join(s.Dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0)
	good := []Config{}
	for i, k := range []struct {
		kind              sshkeys.Kind
		bits              int
		passFile, passEnv string
	}{
		{sshkeys.Ed25519, 0, filepath.Join(dir, "pass"), ""},
		{sshkeys.RSA, 2048, "", "TEST_ENTGAR_PASSPHRASE"},
		{sshkeys.RSA, 2048, "", ""},
	} {
		pass := ""
		if k.passFile != "" || k.passEnv != "" {
			pass = "correct horse"
		}
		p := key("good"+string(rune('0'+i)), k.kind, k.bits, pass)
		pub, _ := os.ReadFile(p + ".pub")
		auth.Write(pub)
		cfg := sshdConfig(s)
		cfg.KeyFile, cfg.KeyPassphraseFile, cfg.KeyPassphraseEnv = p, k.passFile, k.passEnv
		good = append(good, cfg)
	}
	auth.Close()
	for _, cfg := range good {
		cl, err := Dial(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg.KeyFile, err)
		}
		if _, err := cl.ReadDir(context.Background(), "ENTRANT"); err != nil {
			t.Fatal(err)
		}
		cl.Close()
	}
}

// TestRSAHostKey: a server with an RSA host key, recorded as such, is
// accepted although Go prefers ed25519 keys; so is a hashed known_hosts
// entry (ssh-keyscan -H).
func TestRSAHostKey(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{HostKey: sshkeys.RSA})
	cl, err := Dial(context.Background(), sshdConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	hashed := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.HashHostname(knownhosts.Normalize(s.Addr))}, s.HostKey)
	os.WriteFile(hashed, []byte("# a comment\n"+line+"\n"), 0o644)
	cfg := sshdConfig(s)
	cfg.KnownHosts = hashed
	cl, err = Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
}

// cutProxy forwards TCP connections to target and cuts the first one after
// it has carried limit bytes from the client.
type cutProxy struct {
	ln    net.Listener
	cuts  atomic.Int32
	limit int64
}

func startCutProxy(t *testing.T, target string, limit int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, limit: limit}
	t.Cleanup(func() { ln.Close() })
	go func() {
		first := true
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			cut := first
			first = false
			go func() {
				defer c.Close()
				defer s.Close()
				if cut {
					io.CopyN(s, c, p.limit)
					p.cuts.Add(1)
					return
				}
				io.Copy(s, c)
			}()
			go func() {
				defer c.Close()
				defer s.Close()
				io.Copy(c, s)
			}()
		}
	}()
	return p
}

// TestResumeWithOpenSSH cuts the TCP connection to a real sshd in the
// middle of an archive: the delivery reconnects, resumes from the prefix
// the server acknowledged, and the file on the server is the archive.
func TestResumeWithOpenSSH(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	entrant := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(entrant, 0o755)
	p := startCutProxy(t, s.Addr, 3<<20)
	cfg := sshdConfig(s)
	cfg.Port = p.ln.Addr().(*net.TCPAddr).Port
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	sshkeys.WriteKnownHosts(cfg.KnownHosts, p.ln.Addr().String(), s.HostKey)
	arch := writeArchive(t, t.TempDir(), "ZZ", stamp0, gar.D2, 8<<20)
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Upload(context.Background(), arch)
	if err != nil {
		t.Fatal(err)
	}
	if p.cuts.Load() != 1 || d.Resumed < 1 {
		t.Fatalf("cuts %d, resumed %d: the case proves nothing", p.cuts.Load(), d.Resumed)
	}
	sameFile(t, arch, filepath.Join(entrant, filepath.Base(arch)))
	sameFile(t, gar.MD5Name(arch), filepath.Join(entrant, gar.MD5Name(filepath.Base(arch))))
	ents, _ := os.ReadDir(entrant)
	if len(ents) != 2 {
		t.Fatalf("ENTRANT/ZZ holds %d files", len(ents))
	}
}

// TestResumeAcrossRuns: a run cut off for good (here: no retries) leaves
// its partial archive and a checkpoint; the next run, a new client knowing
// nothing else, resumes from the checkpoint against the real OpenSSH
// server, which offers fsync@openssh.com.
func TestResumeAcrossRuns(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	entrant := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(entrant, 0o755)
	p := startCutProxy(t, s.Addr, 3<<20)
	cfg := sshdConfig(s)
	cfg.Port = p.ln.Addr().(*net.TCPAddr).Port
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	cfg.Retries = 0
	cfg.segment = 1 << 20
	sshkeys.WriteKnownHosts(cfg.KnownHosts, p.ln.Addr().String(), s.HostKey)
	arch := writeArchive(t, t.TempDir(), "ZZ", stamp0, gar.D2, 8<<20)
	name := filepath.Base(arch)

	c, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Upload(context.Background(), arch)
	c.Close()
	if err == nil {
		t.Fatal("the first run went through the cut")
	}
	if _, err := os.Stat(filepath.Join(entrant, name)); err == nil {
		t.Fatal("a partial archive is under its final name")
	}
	part, err := os.Stat(filepath.Join(entrant, TempName(name)))
	if err != nil {
		t.Fatalf("the partial archive was not kept: %v", err)
	}
	acked := c.loadCheckpoint(arch, mustStat(t, arch), filepath.Join(s.Root, "ENTRANT", "ZZ", TempName(name)))
	if acked < 1<<20 || acked > part.Size() {
		t.Fatalf("checkpoint at %d, partial file of %d bytes", acked, part.Size())
	}

	c, err = Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Upload(context.Background(), arch)
	if err != nil {
		t.Fatal(err)
	}
	if d.Resumed != 1 {
		t.Fatalf("resumed %d times, want once from the checkpoint", d.Resumed)
	}
	sameFile(t, arch, filepath.Join(entrant, name))
	if _, err := os.Stat(checkpointPath(arch)); err == nil {
		t.Error("the checkpoint outlived the delivery")
	}
}

func mustStat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}
