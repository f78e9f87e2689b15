package garsim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/gar"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// server is a running SFTPServer with a client key it authorizes.
type server struct {
	root, addr string
	hostKey    ssh.Signer
	clientKey  ssh.Signer
	keyFile    string // the client key in OpenSSH format, for sftp(1)
	knownHosts string
}

func genKey(t *testing.T, dir, name string) (ssh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func startServer(t *testing.T) *server { return startServerIdle(t, 0) }

func startServerIdle(t *testing.T, idle time.Duration) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{root: filepath.Join(dir, "root")}
	var err error
	s.hostKey, err = LoadOrCreateHostKey(filepath.Join(dir, "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	s.clientKey, s.keyFile = genKey(t, dir, "id_ent")
	auth := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(auth, ssh.MarshalAuthorizedKey(s.clientKey.PublicKey()), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := NewSFTPServer(SFTPOptions{Root: s.root, Idents: []string{ident}, HostKey: s.hostKey, AuthorizedKeys: auth, ShutdownGrace: time.Second, IdleTimeout: idle})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.knownHosts = filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(s.knownHosts, []byte(KnownHostsLine(s.addr, s.hostKey.PublicKey())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return s
}

func (s *server) dial(t *testing.T, key ssh.Signer) (*sftp.Client, error) {
	t.Helper()
	hk, err := knownhosts.New(s.knownHosts)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ssh.Dial("tcp", s.addr, &ssh.ClientConfig{
		User: "ent", Auth: []ssh.AuthMethod{ssh.PublicKeys(key)}, HostKeyCallback: hk, Timeout: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c, nil
}

func isDenied(err error) bool {
	// The client maps SSH_FX_PERMISSION_DENIED to fs.ErrPermission.
	var se *sftp.StatusError
	return errors.Is(err, os.ErrPermission) || errors.As(err, &se) && se.FxCode() == sftp.ErrSSHFxPermissionDenied
}

func put(c *sftp.Client, p string, data []byte) error {
	f, err := c.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func TestSFTPLayoutAndPermissions(t *testing.T) {
	s := startServer(t)
	c, err := s.dial(t, s.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	top, err := c.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range top {
		names = append(names, fi.Name())
	}
	if got := strings.Join(names, ","); got != "ANALYSEUR,ENTRANT,ERREUR,IGNORE,MIGRATION_IDO,SUCCES,SUCCES_PARTIEL" {
		t.Errorf("root lists %s", got)
	}
	// Deposit under a temporary name, rename, remove: allowed in ENTRANT.
	if err := put(c, "/ENTRANT/ZZ/.a.part", []byte("data")); err != nil {
		t.Fatalf("put in ENTRANT: %v", err)
	}
	if err := c.Rename("/ENTRANT/ZZ/.a.part", "/ENTRANT/ZZ/a"); err != nil {
		t.Fatalf("rename in ENTRANT: %v", err)
	}
	if err := put(c, "/ENTRANT/ZZ/b", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("/ENTRANT/ZZ/b", "/ENTRANT/ZZ/a"); err == nil {
		t.Error("plain rename over an existing file succeeded")
	}
	if err := c.PosixRename("/ENTRANT/ZZ/b", "/ENTRANT/ZZ/a"); err != nil {
		t.Errorf("posix-rename over an existing file: %v", err)
	}
	if err := c.Remove("/ENTRANT/ZZ/a"); err != nil {
		t.Errorf("remove in ENTRANT: %v", err)
	}
	for _, p := range []string{"/MIGRATION_IDO/ZZ/t.csv", "/ANALYSEUR/x.tar.gz"} {
		if err := put(c, p, []byte("x")); err != nil {
			t.Errorf("put %s: %v", p, err)
		}
	}
	// Read-only folders, unknown idENTs, folders themselves.
	if err := os.WriteFile(filepath.Join(s.root, gar.FolderSucces, ident, "done.tar.gz"), []byte("ok"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{gar.FolderSucces, gar.FolderSuccesPartiel, gar.FolderErreur, gar.FolderIgnore} {
		if err := put(c, "/"+f+"/ZZ/x", []byte("x")); !isDenied(err) {
			t.Errorf("write in %s: %v, want permission denied", f, err)
		}
	}
	for _, p := range []string{"/x", "/ENTRANT/x", "/ENTRANT/OTHER/x", "/ENTRANT/ZZ/sub/x"} {
		if err := put(c, p, []byte("x")); !isDenied(err) {
			t.Errorf("write %s: %v, want permission denied", p, err)
		}
	}
	if err := c.Remove("/SUCCES/ZZ/done.tar.gz"); !isDenied(err) {
		t.Errorf("remove in SUCCES: %v, want permission denied", err)
	}
	if err := c.Rename("/SUCCES/ZZ/done.tar.gz", "/ENTRANT/ZZ/done.tar.gz"); !isDenied(err) {
		t.Errorf("rename out of SUCCES: %v, want permission denied", err)
	}
	if err := c.Mkdir("/ENTRANT/ZZ/sub"); !isDenied(err) {
		t.Errorf("mkdir: %v, want permission denied", err)
	}
	if err := c.Symlink("/SUCCES/ZZ/done.tar.gz", "/ENTRANT/ZZ/link"); !isDenied(err) {
		t.Errorf("symlink: %v, want permission denied", err)
	}
	// Reading the read-only folders works.
	f, err := c.Open("/SUCCES/ZZ/done.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if string(data) != "ok" {
		t.Errorf("read %q", data)
	}
}

func TestSFTPConfinement(t *testing.T) {
	s := startServer(t)
	c, err := s.dial(t, s.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(s.root), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	// ".." stops at the root, as in a chroot: these name files inside it,
	// which do not exist.
	for _, p := range []string{"../secret", "/../secret", "/ENTRANT/../../secret", "../../../../../etc/passwd"} {
		f, err := c.Open(p)
		if err == nil {
			data, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("open %s read %q from outside the root", p, data)
		}
	}
	if err := put(c, "/ENTRANT/ZZ/../../../secret", []byte("overwritten")); err == nil {
		t.Error("write through .. succeeded")
	}
	// Symbolic links planted in the root (by someone with shell access)
	// must not lead outside it, relative or absolute.
	links := map[string]string{
		"abs":  outside,
		"rel":  "../../../secret",
		"dir":  filepath.Dir(s.root),
		"etcd": "/etc",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(s.root, gar.FolderEntrant, ident, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/ENTRANT/ZZ/abs", "/ENTRANT/ZZ/rel", "/ENTRANT/ZZ/dir/secret", "/ENTRANT/ZZ/etcd/passwd"} {
		if f, err := c.Open(p); err == nil {
			data, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("open %s read %q through a symlink", p, data)
		}
		if _, err := c.Stat(p); err == nil {
			t.Errorf("stat %s succeeded through a symlink", p)
		}
	}
	if _, err := c.ReadDir("/ENTRANT/ZZ/dir"); err == nil {
		t.Error("listing through a symlink to the parent succeeded")
	}
	if err := put(c, "/ENTRANT/ZZ/abs", []byte("overwritten")); err == nil {
		t.Error("write through an absolute symlink succeeded")
	}
	if data, _ := os.ReadFile(outside); string(data) != "secret" {
		t.Errorf("the file outside the root now holds %q", data)
	}
}

func TestSFTPRefusesUnknownKey(t *testing.T) {
	s := startServer(t)
	other, _ := genKey(t, t.TempDir(), "other")
	if _, err := s.dial(t, other); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("dial with an unknown key: %v", err)
	}
}

func TestHostKeyPersisted(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hk")
	a, err := LoadOrCreateHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.PublicKey().Marshal(), b.PublicKey().Marshal()) {
		t.Error("host key changed across loads")
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v", st.Mode().Perm())
	}
	pub, _ := os.ReadFile(p + ".pub")
	if !bytes.HasPrefix(pub, []byte("ssh-ed25519 ")) {
		t.Errorf(".pub holds %q", pub)
	}
}

// requireTool skips without the tool, or fails under CI=true.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (make test installs openssh-client)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// TestOpenSSHClient drives garsim with OpenSSH's own sftp(1), strict host
// key checking on, as an ENT operator would by hand.
func TestOpenSSHClient(t *testing.T) {
	sftpBin := requireTool(t, "sftp")
	s := startServer(t)
	host, port, _ := net.SplitHostPort(s.addr)
	local := t.TempDir()
	archive := filepath.Join(local, "ZZ_GAR-ENT_Complet_20261123_013000_2D.tar.gz")
	if err := os.WriteFile(archive, bytes.Repeat([]byte("GAR"), 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(batch string, knownHosts string) (string, error) {
		bf := filepath.Join(t.TempDir(), "batch")
		os.WriteFile(bf, []byte(batch), 0o644)
		cmd := exec.Command(sftpBin, "-b", bf, "-F", "/dev/null", "-i", s.keyFile, "-P", port,
			"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+knownHosts,
			"-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
			"ent@"+host)
		cmd.Dir = local
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(strings.Join([]string{
		"cd /ENTRANT/ZZ",
		"put " + filepath.Base(archive) + " .upload.part",
		"rename .upload.part " + filepath.Base(archive),
		"ls -l",
		"get " + filepath.Base(archive) + " back.tar.gz",
		"rm " + filepath.Base(archive),
		"ls /SUCCES/ZZ",
		"",
	}, "\n"), s.knownHosts)
	if err != nil {
		t.Fatalf("sftp batch: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(archive)
	if got, _ := os.ReadFile(filepath.Join(local, "back.tar.gz")); !bytes.Equal(got, want) {
		t.Errorf("downloaded %d bytes, uploaded %d", len(got), len(want))
	}
	if _, err := os.Stat(filepath.Join(s.root, "ENTRANT", "ZZ", filepath.Base(archive))); !os.IsNotExist(err) {
		t.Errorf("rm left the archive: %v", err)
	}
	// A write to a read-only folder fails the batch with OpenSSH's message.
	out, err = run("put "+filepath.Base(archive)+" /SUCCES/ZZ/x\n", s.knownHosts)
	if err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("put in SUCCES: err %v, output:\n%s", err, out)
	}
	// A known_hosts with another key for this address: OpenSSH refuses.
	other, _ := LoadOrCreateHostKey(filepath.Join(t.TempDir(), "other"))
	bad := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(bad, []byte(KnownHostsLine(s.addr, other.PublicKey())+"\n"), 0o644)
	out, err = run("ls\n", bad)
	if err == nil || !strings.Contains(out, "HOST IDENTIFICATION HAS CHANGED") {
		t.Errorf("host key mismatch: err %v, output:\n%s", err, out)
	}
}

func TestSFTPIdleTimeout(t *testing.T) {
	s := startServerIdle(t, 300*time.Millisecond)
	c, err := s.dial(t, s.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	// Busy for longer than the idle timeout: every request resets it.
	for range 6 {
		if _, err := c.ReadDir("/"); err != nil {
			t.Fatalf("active session closed: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if _, err := c.ReadDir("/"); err == nil {
		t.Error("idle session still open after the idle timeout")
	}
}

// TestSFTPKeyConfinedToIdent: a key whose authorized_keys line says
// environment="GARSIM_IDENT=ZZ" sees and writes only ZZ's folders, as a GAR
// account does; an unconfined key sees every idENT.
func TestSFTPKeyConfinedToIdent(t *testing.T) {
	dir := t.TempDir()
	hostKey, err := LoadOrCreateHostKey(filepath.Join(dir, "hk"))
	if err != nil {
		t.Fatal(err)
	}
	zz, _ := genKey(t, dir, "zz")
	all, _ := genKey(t, dir, "all")
	elsewhere, _ := genKey(t, dir, "elsewhere")
	auth := filepath.Join(dir, "authorized_keys")
	lines := `environment="GARSIM_IDENT=zz" ` + string(ssh.MarshalAuthorizedKey(zz.PublicKey())) +
		string(ssh.MarshalAuthorizedKey(all.PublicKey())) +
		`environment="GARSIM_IDENT=XY" ` + string(ssh.MarshalAuthorizedKey(elsewhere.PublicKey()))
	os.WriteFile(auth, []byte(lines), 0o644)
	root := filepath.Join(dir, "root")
	srv, err := NewSFTPServer(SFTPOptions{Root: root, Idents: []string{"ZZ", "AB"}, HostKey: hostKey, AuthorizedKeys: auth, ShutdownGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done; srv.Close() }()
	s := &server{root: root, addr: ln.Addr().String(), knownHosts: filepath.Join(dir, "kh")}
	os.WriteFile(s.knownHosts, []byte(KnownHostsLine(s.addr, hostKey.PublicKey())+"\n"), 0o644)

	c, err := s.dial(t, zz)
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ReadDir("/ENTRANT")
	if err != nil || len(list) != 1 || list[0].Name() != "ZZ" {
		t.Errorf("confined key lists ENTRANT as %v, %v", list, err)
	}
	if _, err := c.ReadDir("/SUCCES/AB"); !isDenied(err) {
		t.Errorf("confined key lists SUCCES/AB: %v", err)
	}
	if err := put(c, "/ENTRANT/AB/x.tar.gz", []byte("x")); !isDenied(err) {
		t.Errorf("confined key writes ENTRANT/AB: %v", err)
	}
	if err := put(c, "/ENTRANT/ZZ/x.tar.gz", []byte("x")); err != nil {
		t.Errorf("confined key writes its own ENTRANT: %v", err)
	}
	if err := put(c, "/ANALYSEUR/x.tar.gz", []byte("x")); err != nil {
		t.Errorf("confined key writes ANALYSEUR: %v", err)
	}
	c2, err := s.dial(t, all)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c2.ReadDir("/ENTRANT"); err != nil || len(list) != 2 {
		t.Errorf("unconfined key lists ENTRANT as %v, %v", list, err)
	}
	if err := put(c2, "/ENTRANT/AB/y.tar.gz", []byte("y")); err != nil {
		t.Errorf("unconfined key writes ENTRANT/AB: %v", err)
	}
	if _, err := s.dial(t, elsewhere); err == nil {
		t.Error("a key confined to an idENT not served got in")
	}
}

func TestReadAuthorizedKeysOptions(t *testing.T) {
	dir := t.TempDir()
	k, _ := genKey(t, dir, "k")
	pub := string(ssh.MarshalAuthorizedKey(k.PublicKey()))
	for _, c := range []struct {
		line, want string
	}{
		{`from="10.0.0.1" ` + pub, "not supported"},
		{`environment="PATH=/bin" ` + pub, "not supported"},
		{`environment="GARSIM_IDENT=a b" ` + pub, "not allowed"},
		{"# comment only\n", "no key"},
		{"ssh-ed25519 AAAA-not-base64\n", "authorized keys"},
	} {
		p := filepath.Join(dir, "ak")
		os.WriteFile(p, []byte(c.line), 0o644)
		if _, err := ReadAuthorizedKeys(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.line, err, c.want)
		}
	}
}
