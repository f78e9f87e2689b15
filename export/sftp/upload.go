package sftp

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
)

// windowMargin is kept below gar.DepositWindow, for clock granularity and for the
// time the MD5 takes to be renamed after its mtime is read.
const windowMargin = 5 * time.Minute

// Delivery describes an archive put in ENTRANT with its MD5.
type Delivery struct {
	// Archive and MD5File are the remote paths, relative to Config.Root.
	Archive string `json:"archive"`
	MD5File string `json:"md5_file"`
	// Degree is the archive's degree.
	Degree gar.Degree `json:"degree"`
	// Bytes is the archive's size; MD5 its checksum in lower-case hex.
	Bytes int64  `json:"bytes"`
	MD5   string `json:"md5"`
	// ArchiveTime and MD5Time are the server's modification times of the
	// two files once in place.
	ArchiveTime time.Time `json:"archive_time"`
	MD5Time     time.Time `json:"md5_time"`
	// Removed lists older archives of ours (and their MD5) removed from
	// ENTRANT first, so that GAR does not move them to IGNORE.
	Removed []string `json:"removed,omitempty"`
	// AlreadyThere is set when the archive and its MD5 were already in
	// place (an earlier run delivered them) and nothing was sent.
	AlreadyThere bool `json:"already_there"`
	// Resumed counts transfers resumed after an interruption.
	Resumed int `json:"resumed"`
	// Seconds is the duration of the delivery.
	Seconds float64 `json:"seconds"`
}

// errTooLate stops the MD5's rename when it would land outside gar.DepositWindow.
var errTooLate = &permanentError{errors.New("the MD5 would arrive more than " + (gar.DepositWindow - windowMargin).String() + " after its archive")}

// NewerArchiveError reports an archive of ours for the same degree, newer
// than the one being delivered, already in ENTRANT: GAR would process that
// one and move ours to IGNORE.
type NewerArchiveError struct{ Archive, Newer string }

func (e *NewerArchiveError) Error() string {
	return fmt.Sprintf("%s is newer than %s and already in ENTRANT: GAR would take it and ignore this one; deliver the newest archive", e.Newer, e.Archive)
}

// Upload delivers the export archive at localArchive and the .MD5 file next
// to it (same name, .MD5 instead of .tar.gz) to ENTRANT/{idENT}, idENT
// being the one in the archive's name:
//
//   - it checks locally that the MD5 file holds the archive's checksum;
//   - it removes the temporary files of earlier runs from ENTRANT, and
//     refuses when a newer archive of ours for the degree is there;
//   - it puts the archive under a temporary name and checks its size on
//     the server; only then does it remove the older archives of this
//     idENT and degree with their MD5 (MD5 first) and rename the new one
//     into place, so that a failed delivery leaves the previous one;
//   - it does the same for the MD5, checking on the server's clock that it
//     lands within gar.DepositWindow of its archive, and uploads the archive again
//     when it would not.
//
// A run interrupted by a network failure reconnects and resumes where the
// server acknowledged the data. Calling Upload again after success finds
// both files in place and sends nothing.
func (c *Client) Upload(ctx context.Context, localArchive string) (*Delivery, error) {
	d, resumable, err := c.upload(ctx, localArchive)
	if err != nil && d != nil {
		// Leave no temporary file behind when the server is still there
		// (a full disk, a refused rename), except a partial archive that a
		// checkpoint lets the next run resume after a network failure or
		// an interruption; the next run removes the others too.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.IOTimeout)
		defer cancel()
		temps := []string{d.MD5File}
		if !resumable {
			temps = append(temps, d.Archive)
			removeCheckpoint(localArchive)
		}
		for _, p := range temps {
			tmp := path.Join(path.Dir(p), TempName(path.Base(p)))
			if c.removeOnce(cctx, tmp) == nil {
				c.log.Info("removed the temporary file of the failed upload", "file", tmp)
			}
		}
		return nil, err
	}
	return d, err
}

// removeOnce removes p without retrying.
func (c *Client) removeOnce(ctx context.Context, p string) error {
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	return c.watch(ctx, s, nil, func() error { return s.sftp.Remove(c.remote(p)) })
}

// upload is Upload; resumable says, on failure, whether the partial
// archive on the server is worth keeping for the next run.
func (c *Client) upload(ctx context.Context, localArchive string) (d *Delivery, resumable bool, err error) {
	started := time.Now()
	name := filepath.Base(localArchive)
	n, err := gar.ParseName(name)
	if err != nil {
		return nil, false, &permanentError{fmt.Errorf("upload %s: %w", localArchive, err)}
	}
	if n.Kind != gar.KindArchive {
		return nil, false, &permanentError{fmt.Errorf("upload %s: not an archive (want a .tar.gz)", localArchive)}
	}
	sum, size, err := checkLocal(localArchive)
	if err != nil {
		return nil, false, &localError{fmt.Errorf("upload %s: %w", localArchive, err)}
	}
	dir := path.Join(gar.FolderEntrant, n.Ident)
	md5Name := gar.MD5Name(name)
	d = &Delivery{Archive: path.Join(dir, name), MD5File: path.Join(dir, md5Name), Degree: n.Degree, Bytes: size, MD5: sum}
	log := c.log.With("archive", name)

	fi, err := c.Stat(ctx, dir)
	if err != nil {
		return d, false, fmt.Errorf("upload %s: %w", name, err)
	}
	if !fi.IsDir() {
		return d, false, fmt.Errorf("upload %s: %s on %s is not a directory", name, c.remote(dir), c.addr)
	}
	older, err := c.scanEntrant(ctx, dir, n, name)
	if err != nil {
		return d, false, fmt.Errorf("upload %s: %w", name, err)
	}

	arch := &transfer{dir: dir, name: name, size: size}
	// The older archives go once the new one is complete on the server,
	// just before its rename.
	arch.check = func(time.Time) error { return c.removeOlder(ctx, dir, older, d) }
	f, err := os.Open(localArchive)
	if err != nil {
		return d, false, &localError{fmt.Errorf("upload %s: %w", name, err)}
	}
	defer f.Close()
	arch.src = f
	lfi, err := f.Stat()
	if err != nil {
		return d, false, &localError{fmt.Errorf("upload %s: %w", name, err)}
	}
	if arch.acked = c.loadCheckpoint(localArchive, lfi, c.remote(arch.temp())); arch.acked > 0 {
		log.Info("an earlier upload of this archive was interrupted; resuming from its checkpoint", "offset", arch.acked)
	}
	arch.checkpoint = func(acked int64, durable bool) {
		if durable {
			c.saveCheckpoint(localArchive, lfi, c.remote(arch.temp()), acked)
		}
	}

	// Is the archive already in place (an earlier run)? Its size is what
	// an earlier run of ours checked before renaming; its MD5 is checked
	// below when present.
	var haveArchive bool
	if afi, err := c.Stat(ctx, d.Archive); err == nil && afi.Size() == size {
		haveArchive, arch.modTime = true, afi.ModTime()
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return d, false, fmt.Errorf("upload %s: %w", name, err)
	}
	if haveArchive {
		ok, err := c.hasMD5(ctx, d.MD5File, sum)
		if err != nil {
			return d, false, fmt.Errorf("upload %s: %w", name, err)
		}
		if ok {
			mfi, err := c.Stat(ctx, d.MD5File)
			if err != nil {
				return d, false, fmt.Errorf("upload %s: %w", name, err)
			}
			if gap := mfi.ModTime().Sub(arch.modTime); gap.Abs() <= gar.DepositWindow {
				if err := c.removeOlder(ctx, dir, older, d); err != nil {
					return d, false, fmt.Errorf("upload %s: %w", name, err)
				}
				d.AlreadyThere, d.ArchiveTime, d.MD5Time = true, arch.modTime, mfi.ModTime()
				d.Seconds = time.Since(started).Seconds()
				log.Info("archive and MD5 already in ENTRANT", "dir", dir)
				return d, false, nil
			}
		}
	}
	// An MD5 already there is wrong, too far from its archive, or without
	// its complete archive: it goes first, since an MD5 must never sit
	// beside an archive it does not match.
	if _, err := c.Stat(ctx, d.MD5File); err == nil {
		if err := c.removeIfPresent(ctx, d.MD5File); err != nil {
			return d, false, fmt.Errorf("upload %s: %w", name, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return d, false, fmt.Errorf("upload %s: %w", name, err)
	}

	md5 := &transfer{dir: dir, name: md5Name, src: strings.NewReader(sum), size: int64(len(sum))}
	// The MD5's temporary file is checked before its rename: its mtime is
	// the server's "now", compared with the archive's mtime on the same
	// clock.
	md5.check = func(now time.Time) error {
		if now.Sub(arch.modTime) > gar.DepositWindow-windowMargin {
			return errTooLate
		}
		// When the archive was already in place, the older ones may
		// still be there.
		return c.removeOlder(ctx, dir, older, d)
	}
	for round := 0; ; round++ {
		if !haveArchive {
			log.Info("uploading archive", "dir", dir, "bytes", size)
			t0 := time.Now()
			if err := c.send(ctx, arch); err != nil {
				interrupted := brokenConn(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
				return d, interrupted && arch.acked > 0, fmt.Errorf("upload %s: %w", name, err)
			}
			removeCheckpoint(localArchive)
			secs := time.Since(t0).Seconds()
			log.Info("archive in place", "bytes", size, "seconds", secs, "mib_per_s", float64(size)/(1<<20)/max(secs, 1e-9))
		}
		err := c.send(ctx, md5)
		if err == nil {
			break
		}
		if !errors.Is(err, errTooLate) {
			return d, false, fmt.Errorf("upload %s: %w", name, err)
		}
		if round > 0 {
			return d, false, &permanentError{fmt.Errorf("upload %s: the MD5 cannot be put within %s of its archive on %s (does the server's clock jump?)", name, gar.DepositWindow, c.addr)}
		}
		log.Warn("the archive has been in ENTRANT too long for its MD5 to be accepted; uploading it again", "archive_time", arch.modTime, "window", gar.DepositWindow)
		if err := c.removeIfPresent(ctx, md5.temp()); err != nil {
			return d, false, fmt.Errorf("upload %s: %w", name, err)
		}
		haveArchive = false
		arch.acked, arch.renaming = 0, false
		removeCheckpoint(localArchive)
		md5.acked, md5.renaming = 0, false
	}
	// Read the MD5 back: 32 bytes prove the server holds what GAR will
	// compare the archive with.
	ok, err := c.hasMD5(ctx, d.MD5File, sum)
	if err != nil {
		return d, false, fmt.Errorf("upload %s: %w", name, err)
	}
	if !ok {
		return d, false, &permanentError{fmt.Errorf("upload %s: %s does not read back as %s", name, d.MD5File, sum)}
	}
	d.ArchiveTime, d.MD5Time = arch.modTime, md5.modTime
	d.Resumed = arch.resumed + md5.resumed
	d.Seconds = time.Since(started).Seconds()
	log.Info("delivered", "archive", d.Archive, "md5_file", d.MD5File, "bytes", size, "seconds", d.Seconds)
	return d, false, nil
}

// scanEntrant looks at dir before a delivery of name: it removes the
// temporary files of ours for its degree left by interrupted runs, fails when a newer
// archive of ours for the degree is there, and returns the older files of
// ours for the degree (archives with their MD5, and MD5 files left alone)
// that removeOlder will take away, MD5 files first.
func (c *Client) scanEntrant(ctx context.Context, dir string, n gar.Name, name string) ([]string, error) {
	list, err := c.ReadDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	var md5s, archives []string
	for _, fi := range list {
		other := fi.Name()
		if IsTempName(other) {
			if other == TempName(name) || other == TempName(gar.MD5Name(name)) {
				continue
			}
			// Only this degree's: another degree's partial archive is
			// what its own upload, later in this run, resumes from.
			if on, err := gar.ParseName(finalOf(other)); err == nil && on.Ident == n.Ident && on.Degree == n.Degree {
				if err := c.removeIfPresent(ctx, path.Join(dir, other)); err != nil {
					return nil, err
				}
				c.log.Info("removed a temporary file left by an interrupted upload", "file", path.Join(dir, other))
			}
			continue
		}
		on, err := gar.ParseName(other)
		if err != nil || on.Ident != n.Ident || on.Degree != n.Degree || on.Kind == gar.KindXML || other == name || other == gar.MD5Name(name) {
			continue
		}
		switch {
		case on.Timestamp.After(n.Timestamp) && on.Kind == gar.KindArchive:
			return nil, &permanentError{&NewerArchiveError{Archive: name, Newer: other}}
		case !on.Timestamp.Before(n.Timestamp):
		case on.Kind == gar.KindMD5:
			md5s = append(md5s, other)
		default:
			archives = append(archives, other)
		}
	}
	// An MD5 without its archive is inert, an archive without its MD5 is
	// waited for: the MD5 files go first.
	return append(md5s, archives...), nil
}

// removeOlder removes the files scanEntrant listed, recording the archives
// in d.Removed. It runs just before the new archive is renamed into place,
// so that a delivery that fails earlier leaves the previous one untouched.
func (c *Client) removeOlder(ctx context.Context, dir string, older []string, d *Delivery) error {
	for _, o := range older {
		if err := c.removeIfPresent(ctx, path.Join(dir, o)); err != nil {
			return err
		}
		p := path.Join(dir, o)
		if strings.HasSuffix(o, ".tar.gz") && !slices.Contains(d.Removed, p) {
			d.Removed = append(d.Removed, p)
			c.log.Info("removed an older archive of ours from ENTRANT", "file", p)
		}
	}
	return nil
}

func (c *Client) removeIfPresent(ctx context.Context, p string) error {
	err := c.Remove(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// hasMD5 reports whether the remote file p exists and holds sum.
func (c *Client) hasMD5(ctx context.Context, p, sum string) (bool, error) {
	r, err := c.Open(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 1024))
	if err != nil {
		return false, err
	}
	return strings.EqualFold(strings.TrimSpace(string(b)), sum), nil
}

// checkLocal checks that the MD5 file next to archive holds the archive's
// checksum, and returns it with the archive's size.
func checkLocal(archive string) (sum string, size int64, err error) {
	md5Path := filepath.Join(filepath.Dir(archive), gar.MD5Name(filepath.Base(archive)))
	want, err := os.ReadFile(md5Path)
	if err != nil {
		return "", 0, fmt.Errorf("its MD5 file: %w", err)
	}
	ws := strings.ToLower(strings.TrimSpace(string(want)))
	if fields := strings.Fields(ws); len(fields) > 0 {
		ws = fields[0] // also accept md5sum's "<sum>  <name>"
	}
	if _, err := hex.DecodeString(ws); err != nil || len(ws) != 32 {
		return "", 0, fmt.Errorf("%s does not hold an MD5 checksum (32 hex digits)", md5Path)
	}
	f, err := os.Open(archive)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := md5.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read: %w", err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if got != ws {
		return "", 0, fmt.Errorf("its checksum is %s but %s says %s: the archive or its MD5 file is damaged; export again", got, md5Path, ws)
	}
	return got, size, nil
}
