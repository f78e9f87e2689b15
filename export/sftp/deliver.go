package sftp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/atomicfile"
)

// Result is what Deliver did.
type Result struct {
	// Deliveries lists the archives delivered (or found already there), in
	// degree order.
	Deliveries []*Delivery `json:"deliveries"`
	// Skipped lists archives given for a degree that also had a newer one
	// given: only the newest of each degree is delivered, since GAR would
	// move the others to IGNORE.
	Skipped []string `json:"skipped,omitempty"`
	// StaleLock describes the previous delivery from the out directory that
	// never released its lock (killed, or its machine crashed).
	StaleLock string `json:"stale_lock,omitempty"`
}

// Deliver uploads archives (paths of .tar.gz files, each with its .MD5
// beside it) to GAR with Upload, holding the delivery lock of the out
// directory out so that two deliveries never overlap. An archive outside
// out is first copied (or linked) into it, so that retention keeps it.
// Each delivered archive is recorded in out (export.RecordDelivery) as the
// last delivery of its idENT and degree. A failure of one degree does not
// stop the others; the errors are joined.
func Deliver(ctx context.Context, cfg Config, out string, archives []string) (*Result, error) {
	log := cfg.Logger
	if log == nil {
		log = discard()
	}
	if len(archives) == 0 {
		return nil, &permanentError{errors.New("deliver: no archive given")}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, &localError{fmt.Errorf("deliver: %w", err)}
	}
	lock, err := export.LockDelivery(out)
	if err != nil {
		return nil, &localError{err}
	}
	defer lock.Release()
	res := &Result{StaleLock: lock.Stale}
	if lock.Stale != "" {
		log.Warn("the previous upload did not finish (killed or crashed); its lock was stale", "previous", lock.Stale)
	}

	picked, skipped, err := newestPerDegree(archives)
	if err != nil {
		return nil, &permanentError{err}
	}
	res.Skipped = skipped
	for _, s := range skipped {
		log.Warn("not delivering an archive older than another one given for its degree", "archive", s)
	}
	for i, p := range picked {
		staged, err := stage(p, out)
		if err != nil {
			return nil, &localError{fmt.Errorf("deliver: stage %s in %s: %w", p, out, err)}
		}
		picked[i] = staged
	}

	c, err := Dial(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer c.Close()
	var errs []error
	for _, p := range picked {
		d, err := c.Upload(ctx, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res.Deliveries = append(res.Deliveries, d)
		n, _ := gar.ParseName(filepath.Base(p))
		rec := export.Delivered{
			Ident: n.Ident, Degree: n.Degree, Archive: filepath.Base(p),
			Stamp: n.Timestamp.Format(gar.TimestampLayout), MD5: d.MD5, Bytes: d.Bytes,
			Server: c.addr, Remote: d.Archive, DeliveredAt: time.Now().UTC(),
		}
		if err := export.RecordDelivery(out, rec); err != nil {
			errs = append(errs, &localError{err})
		}
	}
	return res, errors.Join(errs...)
}

// newestPerDegree keeps the newest archive of each idENT and degree among
// paths, in idENT then degree order, and returns the others as skipped.
func newestPerDegree(paths []string) (picked, skipped []string, err error) {
	type key struct {
		ident  string
		degree gar.Degree
	}
	best := map[key]string{}
	stamps := map[string]time.Time{}
	for _, p := range paths {
		n, err := gar.ParseName(filepath.Base(p))
		if err != nil {
			return nil, nil, err
		}
		if n.Kind != gar.KindArchive {
			return nil, nil, fmt.Errorf("%s: not an archive (want a .tar.gz; its .MD5 goes with it)", p)
		}
		k := key{n.Ident, n.Degree}
		stamps[p] = n.Timestamp
		switch prev, ok := best[k]; {
		case !ok:
			best[k] = p
		case n.Timestamp.After(stamps[prev]):
			skipped = append(skipped, prev)
			best[k] = p
		case filepath.Base(prev) == filepath.Base(p):
			// The same archive named twice.
		default:
			skipped = append(skipped, p)
		}
	}
	keys := make([]key, 0, len(best))
	for k := range best {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ident != keys[j].ident {
			return keys[i].ident < keys[j].ident
		}
		return keys[i].degree < keys[j].degree
	})
	for _, k := range keys {
		picked = append(picked, best[k])
	}
	return picked, skipped, nil
}

// stage returns the path of archive inside out, linking or copying it and
// its MD5 there when it lives elsewhere.
func stage(archive, out string) (string, error) {
	absA, err := filepath.Abs(filepath.Dir(archive))
	if err != nil {
		return "", err
	}
	absO, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	name := filepath.Base(archive)
	if absA == absO {
		return archive, nil
	}
	// The MD5 goes last, as in the out directory of an export: an archive
	// without MD5 is not taken for a complete one.
	for _, n := range []string{name, gar.MD5Name(name)} {
		if err := copyInto(filepath.Join(absA, n), filepath.Join(absO, n)); err != nil {
			return "", err
		}
	}
	return filepath.Join(out, name), nil
}

// copyInto makes dst a copy of src, by a hard link when possible, through a
// temporary file otherwise.
func copyInto(src, dst string) error {
	if fi, err := os.Stat(dst); err == nil {
		si, err := os.Stat(src)
		if err != nil {
			return err
		}
		if os.SameFile(fi, si) {
			return nil
		}
		os.Remove(dst)
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = atomicfile.Write(dst, in)
	return err
}

// NewestArchives returns the newest archive of ident for each degree in
// the out directory dir (those with their .MD5 beside them), in degree
// order.
func NewestArchives(dir, ident string, degrees []gar.Degree) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, e := range ents {
		present[e.Name()] = true
	}
	var paths []string
	for _, e := range ents {
		n, err := gar.ParseName(e.Name())
		if err != nil || n.Kind != gar.KindArchive || n.Ident != ident || !present[gar.MD5Name(e.Name())] {
			continue
		}
		for _, d := range degrees {
			if d == n.Degree {
				paths = append(paths, filepath.Join(dir, e.Name()))
			}
		}
	}
	picked, _, err := newestPerDegree(paths)
	return picked, err
}
