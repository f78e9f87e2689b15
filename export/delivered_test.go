package export

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// TestRetentionKeepsDelivered: the last delivered archive of a degree
// survives retention however many newer exports follow.
func TestRetentionKeepsDelivered(t *testing.T) {
	src, _ := source.OpenDir(baseFixture().write(t))
	o := testOptions(t.TempDir())
	o.Keep = 1
	var delivered string
	for i := range 4 {
		o.Time = stamp.Add(time.Duration(i) * time.Minute)
		sum, err := Run(context.Background(), src, o)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// An upload checkpoint goes with its archive.
			for _, a := range sum.Archives {
				os.WriteFile(filepath.Join(o.Out, "."+filepath.Base(a.Path)+".sent"), []byte("{}"), 0o644)
			}
		}
		if i == 1 {
			for _, a := range sum.Archives {
				if a.Degree != gar.D2 {
					continue
				}
				delivered = filepath.Base(a.Path)
				err := RecordDelivery(o.Out, Delivered{Ident: "ZZ", Degree: gar.D2, Archive: delivered, Stamp: stampOf(delivered), MD5: a.MD5, Bytes: a.Bytes})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, p := range []string{delivered, gar.MD5Name(delivered)} {
		if _, err := os.Stat(filepath.Join(o.Out, p)); err != nil {
			t.Errorf("the delivered %s was pruned: %v", p, err)
		}
	}
	// The 1D archive of the same stamp was not delivered: it went.
	if _, err := os.Stat(filepath.Join(o.Out, strings.Replace(delivered, "_2D.", "_1D.", 1))); err == nil {
		t.Errorf("an undelivered old 1D archive was kept")
	}
	if ents, _ := filepath.Glob(filepath.Join(o.Out, ".*.sent")); len(ents) != 0 {
		t.Errorf("checkpoints of pruned archives left: %v", ents)
	}
	rec, ok, err := LastDelivered(o.Out, "ZZ", gar.D2)
	if err != nil || !ok || rec.Archive != delivered || rec.Path(o.Out) != filepath.Join(o.Out, delivered) {
		t.Fatalf("LastDelivered: %+v %v %v", rec, ok, err)
	}
	if _, ok, _ := LastDelivered(o.Out, "ZZ", gar.D1); ok {
		t.Error("a 1D delivery was recorded")
	}
}

func TestRecordDeliveryReplaces(t *testing.T) {
	out := t.TempDir()
	a := gar.ArchiveName("ZZ", stamp, gar.D1)
	b := gar.ArchiveName("ZZ", stamp.Add(time.Hour), gar.D1)
	c := gar.ArchiveName("ZZ", stamp, gar.D2)
	for _, name := range []string{a, b, c} {
		n, _ := gar.ParseName(name)
		if err := RecordDelivery(out, Delivered{Ident: "ZZ", Degree: n.Degree, Archive: name}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := Deliveries(out)
	if err != nil || len(all) != 2 || all[0].Archive != b || all[1].Archive != c {
		t.Fatalf("%+v %v", all, err)
	}
	// A damaged record is an error naming the file, not silence.
	os.WriteFile(filepath.Join(out, DeliveredFile), []byte(`{"last":[{"archive":"../etc/passwd"}]}`), 0o644)
	if _, err := Deliveries(out); err == nil || !strings.Contains(err.Error(), DeliveredFile) {
		t.Fatalf("damaged record: %v", err)
	}
}

// TestDeliveryLock: a second delivery is refused while the first runs, and
// the record left by a killed one is reported as stale.
func TestDeliveryLock(t *testing.T) {
	out := t.TempDir()
	l, err := LockDelivery(out)
	if err != nil {
		t.Fatal(err)
	}
	if l.Stale != "" {
		t.Errorf("fresh lock reported stale: %q", l.Stale)
	}
	_, err = LockDelivery(out)
	if err == nil || !strings.Contains(err.Error(), "in use by another upload (pid="+itoa(os.Getpid())+" host=") {
		t.Fatalf("second lock: %v", err)
	}
	l.Release()
	l, err = LockDelivery(out)
	if err != nil || l.Stale != "" {
		t.Fatalf("after release: %v, stale %q", err, l.Stale)
	}
	l.Release()

	// A killed run leaves its record in the file; the kernel dropped its
	// flock.
	os.WriteFile(filepath.Join(out, deliveryLockName), []byte("pid=4242 host=cron1 started=2026-11-23T01:00:00Z\n"), 0o644)
	l, err = LockDelivery(out)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if l.Stale != "pid=4242 host=cron1 started=2026-11-23T01:00:00Z" {
		t.Fatalf("stale %q", l.Stale)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestDeliveryLockKilledHolder takes the lock in a child process, kills
// it, and checks that the lock is free and reported stale.
func TestDeliveryLockKilledHolder(t *testing.T) {
	if dir := os.Getenv("TEST_HOLD_DELIVERY_LOCK"); dir != "" {
		if _, err := LockDelivery(dir); err != nil {
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeliveryLockKilledHolder$")
	cmd.Env = append(os.Environ(), "TEST_HOLD_DELIVERY_LOCK="+out)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q", line)
	}
	if _, err := LockDelivery(out); err == nil || !strings.Contains(err.Error(), "pid="+strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("while the child holds it: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := LockDelivery(out)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if !strings.HasPrefix(l.Stale, "pid="+strconv.Itoa(cmd.Process.Pid)+" ") {
		t.Fatalf("stale %q", l.Stale)
	}
}

// FuzzDeliveries: whatever the record file holds, Deliveries returns an
// error or entries naming archives in the out directory.
func FuzzDeliveries(f *testing.F) {
	f.Add([]byte(`{"last":[{"ident":"ZZ","degree":"2D","archive":"ZZ_GAR-ENT_Complet_20261123_010203_2D.tar.gz"}]}`))
	f.Add([]byte(`{"last":[{"archive":"../x.tar.gz"}]}`))
	f.Add([]byte(`{"last":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := t.TempDir()
		if err := os.WriteFile(filepath.Join(out, DeliveredFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		all, err := Deliveries(out)
		if err != nil {
			return
		}
		for _, d := range all {
			if filepath.Dir(d.Path(out)) != out {
				t.Fatalf("%q escapes the out directory", d.Archive)
			}
			if _, err := gar.ParseName(d.Archive); err != nil {
				t.Fatal(err)
			}
		}
	})
}
