package sftp

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/sshd"
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
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func TestUploadToOpenSSH(t *testing.T) {
	s := sshd.StartT(t, sshd.Options{})
	os.MkdirAll(filepath.Join(s.Root, "ENTRANT", "ZZ"), 0o755)
	local := t.TempDir()
	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	arch := writeArchive(t, local, "ZZ", stamp, gar.D2, 3<<20+17)
	ctx := context.Background()
	c, err := Dial(ctx, sshdConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Upload(ctx, arch)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", d)
	want, _ := os.ReadFile(arch)
	got, err := os.ReadFile(filepath.Join(s.Root, d.Archive))
	if err != nil || string(got) != string(want) {
		t.Fatalf("remote archive differs (%v)", err)
	}
}
