package export

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/atomicfile"
)

// dirLock keeps two runs of one kind (export, delivery) from working in
// the same directory at once. The kernel releases a flock when its process
// dies, so a killed run never leaves a lock that blocks the next one; the
// lock file records who holds it, and a record found when taking the lock
// is what a killed run left behind.
type dirLock struct {
	f *os.File
	// stale describes the run that held the lock last and did not release
	// it (killed, or its machine crashed); empty otherwise.
	stale string
}

const lockName = ".entgar-export.lock"

func lockDir(dir string) (*dirLock, error) { return acquireLock(dir, lockName, "export") }

// acquireLock takes the lock file name in dir for a run of the given kind.
func acquireLock(dir, name, kind string) (*dirLock, error) {
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: lock %s: %w", kind, path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("%s: %s is in use by another %s (%s): %w", kind, dir, kind, describeOwner(owner), err)
	}
	prev, _ := os.ReadFile(path)
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid=%d host=%s started=%s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))), 0)
	l := &dirLock{f: f}
	if len(strings.TrimSpace(string(prev))) > 0 {
		l.stale = describeOwner(prev)
	}
	return l, nil
}

// describeOwner turns a lock file's record into words; older versions
// recorded the pid alone.
func describeOwner(rec []byte) string {
	s := strings.TrimSpace(string(rec))
	if _, err := strconv.Atoi(s); err == nil {
		return "pid " + s
	}
	if s == "" {
		return "owner unknown"
	}
	return s
}

func (l *dirLock) release() {
	l.f.Truncate(0)
	l.f.Close()
}

// removeStale deletes the temporary files of a run that was killed. It is
// called with the directory locked, so they cannot belong to a live run.
func removeStale(dir string, log *slog.Logger) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if isPartial(e.Name()) {
			log.Warn("removing a temporary file left by an interrupted export", "file", e.Name())
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// writeFileAtomic writes data to a temporary file, syncs it and renames it
// to path.
func writeFileAtomic(path string, data []byte) error {
	_, err := atomicfile.Write(path, bytes.NewReader(data))
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// prune keeps the opts.Keep newest archives of each degree of this idENT
// (with their MD5 and rejects files) and removes older ones. Files that are
// not ours are never touched.
func (r *run) prune() {
	ents, err := os.ReadDir(r.opts.Out)
	if err != nil {
		return
	}
	byDegree := map[gar.Degree][]string{}
	for _, e := range ents {
		n, err := gar.ParseName(e.Name())
		if err != nil || n.Kind != gar.KindArchive || n.Ident != r.opts.Ident {
			continue
		}
		byDegree[n.Degree] = append(byDegree[n.Degree], e.Name())
	}
	// The last delivered archives stay whatever their age: they are what
	// the next run is compared with.
	ds, err := Deliveries(r.opts.Out)
	if err != nil {
		r.log.Warn("cannot read the delivery record; pruning nothing", "error", err)
		return
	}
	delivered := map[string]bool{}
	for _, d := range ds {
		delivered[d.Archive] = true
	}
	kept := map[string]bool{} // stamps still present
	for _, names := range byDegree {
		sort.Sort(sort.Reverse(sort.StringSlice(names))) // same prefix: the stamp orders them
		for i, name := range names {
			stamp := stampOf(name)
			if i < r.opts.Keep || delivered[name] {
				kept[stamp] = true
				continue
			}
			// With the archive go its MD5 and the checkpoint of an upload
			// of it (export/sftp).
			for _, p := range []string{name, gar.MD5Name(name), "." + name + ".sent"} {
				if err := os.Remove(filepath.Join(r.opts.Out, p)); err == nil && !strings.HasSuffix(p, ".sent") {
					r.log.Info("removed old archive", "file", p)
				}
			}
		}
	}
	for _, e := range ents {
		name := e.Name()
		prefix := rejectsPrefix + r.opts.Ident + "_"
		if stamp, ok := strings.CutPrefix(name, prefix); ok && strings.HasSuffix(name, ".jsonl") && !kept[strings.TrimSuffix(stamp, ".jsonl")] {
			os.Remove(filepath.Join(r.opts.Out, name))
		}
	}
}

// stampOf returns the AAAAMMJJ_HHMMSS part of one of our file names.
func stampOf(name string) string {
	i := strings.Index(name, "_GAR-ENT_Complet_")
	if i < 0 {
		return ""
	}
	rest := name[i+len("_GAR-ENT_Complet_"):]
	if len(rest) < len(gar.TimestampLayout) {
		return ""
	}
	return rest[:len(gar.TimestampLayout)]
}
