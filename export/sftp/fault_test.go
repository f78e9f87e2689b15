package sftp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/faultsftp"
)

// faultArchiveSize spans several 32 KiB SFTP writes, so that a drop can
// strike the first write, a middle one, the last one, and their edges.
const faultArchiveSize = 300<<10 + 123

func startFaultServer(t *testing.T) *faultsftp.Server {
	t.Helper()
	s, err := faultsftp.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func faultConfig(s *faultsftp.Server) Config {
	return Config{
		Host: s.Host, Port: s.Port, User: "ent", KeyFile: s.ClientKey, KnownHosts: s.KnownHosts,
		Root: "/", ConnectTimeout: 5 * time.Second, IOTimeout: 700 * time.Millisecond,
		KeepAlive: 200 * time.Millisecond, Retries: 4, RetryBackoff: 5 * time.Millisecond,
	}
}

// TestFaults runs a delivery against a server that fails in each way the
// network and GAR's server can, and checks the promises of Upload: nothing
// partial under a final name, never an MD5 before its archive, and either
// a complete delivery after retries or a clear error.
func TestFaults(t *testing.T) {
	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	archive := gar.ArchiveName("ZZ", stamp, gar.D2)
	md5Name := gar.MD5Name(archive)
	type tc struct {
		fault  faultsftp.Fault
		ok     bool   // the delivery must succeed
		errMsg string // else its error must say this
		// ioTimeout, when set, replaces faultConfig's 700ms.
		ioTimeout time.Duration
	}
	var cases []tc
	for _, off := range []int64{0, 1, 4095, 32767, 32768, 32769, 65536, 100000, 150001, 200000, 262144, faultArchiveSize - 1} {
		cases = append(cases, tc{fault: faultsftp.Fault{Kind: faultsftp.DropAt, File: archive, Offset: off, Times: 1}, ok: true})
	}
	for _, off := range []int64{0, 1, 16, 31} {
		cases = append(cases, tc{fault: faultsftp.Fault{Kind: faultsftp.DropAt, File: md5Name, Offset: off, Times: 1}, ok: true})
	}
	cases = append(cases,
		// Three drops in a row at the same place: still within 4 retries.
		tc{fault: faultsftp.Fault{Kind: faultsftp.DropAt, File: archive, Offset: 100000, Times: 3}, ok: true},
		// A drop on every connection exhausts the retries.
		tc{fault: faultsftp.Fault{Kind: faultsftp.DropAt, File: archive, Offset: 100000}, errMsg: "gave up after 5 attempts"},
		tc{fault: faultsftp.Fault{Kind: faultsftp.DropAt, File: md5Name, Offset: 16}, errMsg: "gave up after 5 attempts"},
		// A server that stops answering: the IO timeout cuts it off.
		tc{fault: faultsftp.Fault{Kind: faultsftp.StallAt, File: archive, Offset: 70000, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.StallAt, File: md5Name, Offset: 0, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.StallAt, File: archive, Offset: 70000}, errMsg: "no progress for 700ms"},
		// A full disk, once (space freed meanwhile) or for good.
		tc{fault: faultsftp.Fault{Kind: faultsftp.NoSpaceAt, File: archive, Offset: 100000, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.NoSpaceAt, File: archive, Offset: 100000}, errMsg: "no space left on device"},
		tc{fault: faultsftp.Fault{Kind: faultsftp.NoSpaceAt, File: md5Name, Offset: 0}, errMsg: "no space left on device"},
		// Renames refused, or cut before or after they happen.
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameFails, File: archive, Times: 2}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameFails, File: md5Name, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameFails, File: archive}, errMsg: "rename refused by fault injection"},
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameDropBefore, File: archive, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameDropAfter, File: archive, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameDropBefore, File: md5Name, Times: 1}, ok: true},
		tc{fault: faultsftp.Fault{Kind: faultsftp.RenameDropAfter, File: md5Name, Times: 1}, ok: true},
		// A slow server that keeps answering is waited for.
		// 250 ms per write, one at a time: the archive's ten writes take
		// 2.5 s, more than the 1 s IO timeout, but each makes progress:
		// slow, not dead.
		tc{fault: faultsftp.Fault{Kind: faultsftp.SlowWrites, File: archive, Delay: 250 * time.Millisecond}, ok: true, ioTimeout: time.Second},
	)
	t.Logf("%d fault cases", len(cases))
	for _, c := range cases {
		t.Run(c.fault.String(), func(t *testing.T) {
			t.Parallel()
			s := startFaultServer(t)
			dir := filepath.Join(s.Root, "ENTRANT", "ZZ")
			os.MkdirAll(dir, 0o755)
			// An older archive of ours sits in ENTRANT: it must go.
			older := gar.ArchiveName("ZZ", stamp.Add(-24*time.Hour), gar.D2)
			os.WriteFile(filepath.Join(dir, older), []byte("old"), 0o644)
			os.WriteFile(filepath.Join(dir, gar.MD5Name(older)), []byte("0123456789abcdef0123456789abcdef"), 0o644)

			local := writeArchive(t, t.TempDir(), "ZZ", stamp, gar.D2, faultArchiveSize)
			content, _ := os.ReadFile(local)
			sum, _ := os.ReadFile(filepath.Join(filepath.Dir(local), md5Name))
			s.Expect(archive, content)
			s.Expect(md5Name, sum)
			s.Inject(c.fault)

			ctx := context.Background()
			cfg := faultConfig(s)
			if c.ioTimeout > 0 {
				cfg.IOTimeout = c.ioTimeout
			}
			cl, err := Dial(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			d, err := cl.Upload(ctx, local)
			if s.Struck() == 0 {
				t.Fatal("the fault never struck: the case proves nothing")
			}
			for _, v := range s.Violations() {
				t.Errorf("violation: %s", v)
			}
			// Whatever happened, a final name holds complete content.
			if got, rerr := os.ReadFile(filepath.Join(dir, archive)); rerr == nil && !bytes.Equal(got, content) {
				t.Errorf("%s holds %d bytes, not the archive", archive, len(got))
			}
			if got, rerr := os.ReadFile(filepath.Join(dir, md5Name)); rerr == nil {
				if !bytes.Equal(got, sum) {
					t.Errorf("%s holds %q", md5Name, got)
				}
				if a, _ := os.ReadFile(filepath.Join(dir, archive)); !bytes.Equal(a, content) {
					t.Errorf("%s present without its complete archive", md5Name)
				}
			}
			if !c.ok {
				if err == nil {
					t.Fatalf("delivery succeeded, want an error saying %q", c.errMsg)
				}
				if !strings.Contains(err.Error(), c.errMsg) || !strings.Contains(err.Error(), "upload "+archive) {
					t.Fatalf("error %q, want it to name the archive and say %q", err, c.errMsg)
				}
				// A transfer that never completed leaves the previous
				// delivery in place.
				if c.fault.File == archive && c.fault.Kind != faultsftp.RenameFails {
					if _, err := os.Stat(filepath.Join(dir, older)); err != nil {
						t.Errorf("the older archive was removed by a failed delivery: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("delivery failed: %v", err)
			}
			if d.Archive != path.Join("ENTRANT", "ZZ", archive) || len(d.Removed) != 1 {
				t.Errorf("delivery %+v", d)
			}
			t.Logf("delivered over %d connection(s), %d resumed transfer(s)", s.Connections(), d.Resumed)
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if strings.Join(names, " ") != md5Name+" "+archive && strings.Join(names, " ") != archive+" "+md5Name {
				t.Errorf("ENTRANT/ZZ holds %v, want the archive and its MD5 only", names)
			}
		})
	}
}

// TestPlainRename delivers through the plain SFTP rename, which fails over
// an existing file, as to a server without posix-rename@openssh.com: a
// stale archive of the same name (wrong size) is replaced.
func TestPlainRename(t *testing.T) {
	s := startFaultServer(t)
	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	dir := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(dir, 0o755)
	local := writeArchive(t, t.TempDir(), "ZZ", stamp, gar.D1, 100000)
	name := filepath.Base(local)
	os.WriteFile(filepath.Join(dir, name), []byte("truncated by an old tool"), 0o644)
	content, _ := os.ReadFile(local)
	s.Expect(name, content)
	cl, err := Dial(context.Background(), faultConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sess, err := cl.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sess.posix = false
	if _, err := cl.Upload(context.Background(), local); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, name))
	if !bytes.Equal(got, content) {
		t.Fatal("the archive was not replaced")
	}
	for _, v := range s.Violations() {
		t.Error(v)
	}
}

func FuzzTempName(f *testing.F) {
	for _, s := range []string{"ZZ_GAR-ENT_Complet_20261123_010203_2D.tar.gz", "a", ".", "..part", ".x.part", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		tmp := TempName(name)
		if name != "" && (!IsTempName(tmp) || finalOf(tmp) != name) {
			t.Fatalf("%q: temp %q, final %q", name, tmp, finalOf(tmp))
		}
		if IsTempName(name) && (strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".MD5")) {
			t.Fatalf("%q is taken for a temporary name but GAR would pick it up", name)
		}
	})
}

// TestCancel: an interrupted delivery (SIGINT, SIGTERM) stops promptly,
// publishes nothing and leaves no temporary file.
func TestCancel(t *testing.T) {
	s := startFaultServer(t)
	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	dir := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(dir, 0o755)
	local := writeArchive(t, t.TempDir(), "ZZ", stamp, gar.D2, faultArchiveSize)
	s.Inject(faultsftp.Fault{Kind: faultsftp.SlowWrites, Delay: 300 * time.Millisecond})
	cfg := faultConfig(s)
	cfg.IOTimeout = 5 * time.Second
	cl, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = cl.Upload(ctx, local)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		t.Errorf("%s left in ENTRANT", e.Name())
	}
}

// TestReadStall: a server that stops answering a read fails it after the
// IO timeout; Download reconnects and gets the file.
func TestReadStall(t *testing.T) {
	s := startFaultServer(t)
	os.MkdirAll(filepath.Join(s.Root, "ERREUR", "ZZ"), 0o755)
	content := bytes.Repeat([]byte("rapport "), 10000)
	os.WriteFile(filepath.Join(s.Root, "ERREUR", "ZZ", "r.tar.gz"), content, 0o644)
	cl, err := Dial(context.Background(), faultConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	s.Inject(faultsftp.Fault{Kind: faultsftp.StallReads, File: "r.tar.gz", Times: 1})
	r, err := cl.Open(context.Background(), "ERREUR/ZZ/r.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	r.Close()
	if err == nil || !strings.Contains(err.Error(), "read ERREUR/ZZ/r.tar.gz on "+s.Addr+": no progress for 700ms") {
		t.Fatalf("error %v", err)
	}

	s.Inject(faultsftp.Fault{Kind: faultsftp.StallReads, File: "r.tar.gz", Times: 1})
	local := filepath.Join(t.TempDir(), "r.tar.gz")
	n, err := cl.Download(context.Background(), "ERREUR/ZZ/r.tar.gz", local)
	if err != nil || n != int64(len(content)) {
		t.Fatalf("download: %d %v", n, err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, content) {
		t.Fatal("downloaded content differs")
	}
	if s.Connections() != 3 {
		t.Errorf("%d connections, want 3 (one cut by each stall)", s.Connections())
	}
}

// TestDeliverOneDegreeFails: a degree that fails does not stop the other,
// and only the delivered one is recorded.
func TestDeliverOneDegreeFails(t *testing.T) {
	s := startFaultServer(t)
	os.MkdirAll(filepath.Join(s.Root, "ENTRANT", "ZZ"), 0o755)
	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	out := t.TempDir()
	a1 := writeArchive(t, out, "ZZ", stamp, gar.D1, 5000)
	a2 := writeArchive(t, out, "ZZ", stamp, gar.D2, 5000)
	s.Inject(faultsftp.Fault{Kind: faultsftp.DeniedWrites, File: filepath.Base(a1)})
	res, err := Deliver(context.Background(), faultConfig(s), out, []string{a2, a1})
	if err == nil || !strings.Contains(err.Error(), "upload "+filepath.Base(a1)) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("error %v", err)
	}
	if len(res.Deliveries) != 1 || res.Deliveries[0].Degree != gar.D2 {
		t.Fatalf("result %+v", res)
	}
	if _, ok, _ := export.LastDelivered(out, "ZZ", gar.D1); ok {
		t.Error("the failed 1D delivery was recorded")
	}
	if d, ok, _ := export.LastDelivered(out, "ZZ", gar.D2); !ok || d.Archive != filepath.Base(a2) || d.Server != s.Addr {
		t.Errorf("2D record %+v %v", d, ok)
	}
}

// TestOtherDegreeTempKept: the partial upload of one degree, kept so that
// the next run resumes it, survives the delivery of the other degree that
// runs first; an older partial upload of the same degree goes.
func TestOtherDegreeTempKept(t *testing.T) {
	s := startFaultServer(t)
	dir := filepath.Join(s.Root, "ENTRANT", "ZZ")
	os.MkdirAll(dir, 0o755)
	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	other := filepath.Join(dir, TempName(gar.ArchiveName("ZZ", stamp, gar.D2)))
	stale := filepath.Join(dir, TempName(gar.ArchiveName("ZZ", stamp.Add(-24*time.Hour), gar.D1)))
	for _, p := range []string{other, stale} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a1 := writeArchive(t, t.TempDir(), "ZZ", stamp, gar.D1, 5000)
	c, err := Dial(context.Background(), faultConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Upload(context.Background(), a1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the 2D partial upload was removed by the 1D delivery: %v", err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the older 1D partial upload is still there: %v", err)
	}
}
