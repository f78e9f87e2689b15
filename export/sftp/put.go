package sftp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"time"
)

// TempSuffix ends the name of every file being uploaded.
const TempSuffix = ".part"

// TempName returns the name under which the file name is written before
// being renamed into place: a leading dot and a .part suffix. GAR's collecte
// only picks up names ending in .tar.gz or .MD5 that follow the naming rule
// of reference §5.2.2.1, which starts with the idENT; this name does neither,
// and a dot file is hidden from the usual listings.
func TempName(name string) string { return "." + name + TempSuffix }

// IsTempName reports whether name is a temporary name made by TempName, so
// that a server (such as the GAR simulator) or a listing can skip it.
func IsTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, TempSuffix) && len(name) > 1+len(TempSuffix)
}

// finalOf returns the final name of a temporary name.
func finalOf(temp string) string {
	return strings.TrimSuffix(strings.TrimPrefix(temp, "."), TempSuffix)
}

// Put writes everything r yields to dir/name atomically: under TempName in
// dir, then, once the size written is checked on the server, renamed to
// name (replacing an existing file when the server supports
// posix-rename@openssh.com). A failed attempt is retried from the start:
// when r is not an io.ReadSeeker, Put first reads it all into memory for
// that, so use it for small files (IDO files, reports) and PutFile, which
// also resumes, for archives.
func (c *Client) Put(ctx context.Context, dir, name string, r io.Reader) error {
	if err := checkName(name); err != nil {
		return err
	}
	rs, seekable := r.(io.ReadSeeker)
	if !seekable {
		buf := new(bytes.Buffer)
		if _, err := io.Copy(buf, r); err != nil {
			return &localError{fmt.Errorf("put %s: read the content: %w", name, err)}
		}
		rs = bytes.NewReader(buf.Bytes())
	}
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return &localError{fmt.Errorf("put %s: %w", name, err)}
	}
	t := &transfer{dir: dir, name: name, src: readerAt{rs}, size: size}
	if err := c.send(ctx, t); err != nil {
		return err
	}
	return nil
}

// PutFile puts the local file at local as dir/name, as Put does, resuming
// an interrupted transfer where the server acknowledged it.
func (c *Client) PutFile(ctx context.Context, dir, name, local string) error {
	f, err := os.Open(local)
	if err != nil {
		return &localError{fmt.Errorf("put %s: %w", name, err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &localError{fmt.Errorf("put %s: %w", name, err)}
	}
	return c.send(ctx, &transfer{dir: dir, name: name, src: f, size: fi.Size()})
}

func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return &permanentError{fmt.Errorf("put: %q is not a file name", name)}
	}
	return nil
}

// readerAt adapts an io.ReadSeeker to io.ReaderAt for the single-goroutine
// reads of a transfer.
type readerAt struct{ r io.ReadSeeker }

func (r readerAt) ReadAt(b []byte, off int64) (int, error) {
	if _, err := r.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(r.r, b)
}

// transfer is one file being put, with what earlier attempts achieved.
type transfer struct {
	dir, name string
	src       io.ReaderAt
	size      int64

	// acked is the length of the prefix of the temporary file that the
	// server acknowledged in an earlier attempt of this run: every write
	// below it got a success status. Concurrent writes can leave data
	// beyond it (and holes before that data), never gaps below it.
	acked int64
	// renaming is set once a rename was sent, whose answer may be lost.
	renaming bool
	// resumed counts the attempts that resumed rather than restarted.
	resumed int
	// modTime is the server's modification time of the final file.
	modTime time.Time
	// sent is the offset the transfer has read the local file up to.
	sent atomic.Int64
	// checkpoint, when set, is called after each segment but the last with
	// the length of the prefix the server acknowledged (and, when durable
	// is set, flushed to its disk).
	checkpoint func(acked int64, durable bool)
	// check, when set, is called with the temporary file's modification
	// time once its size is right; an error stops before the rename.
	check func(tempMod time.Time) error
}

func (t *transfer) temp() string  { return path.Join(t.dir, TempName(t.name)) }
func (t *transfer) final() string { return path.Join(t.dir, t.name) }

// defaultSegment is the length of the segments a transfer is sent in: the
// pipeline of writes drains at the end of each (costing little at this
// size), and a checkpoint records the prefix acknowledged.
const defaultSegment = 64 << 20

// tailCheck is how much of the acknowledged prefix is read back before
// resuming, to catch a server that lost acknowledged data in a crash.
const tailCheck = 64 << 10

// send runs the transfer with retries.
func (c *Client) send(ctx context.Context, t *transfer) error {
	if t.size >= progressMin {
		// Under cron nobody watches a bar: a line every few seconds says
		// the upload is alive and how fast it goes.
		stop := make(chan struct{})
		defer close(stop)
		go c.logProgress(t, stop)
	}
	err := c.retry(ctx, "put "+t.final(), func(ctx context.Context) error {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		err = c.sendOnce(ctx, s, t)
		if err != nil && brokenConn(err) {
			c.drop(s)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("put %s on %s: %w", c.remote(t.final()), c.addr, describe(err))
	}
	return nil
}

// sendOnce is one attempt: (re)write the temporary file, check its size,
// rename it. Every step first looks at what the server holds, so that an
// attempt picks up after whatever the previous one did.
func (c *Client) sendOnce(ctx context.Context, s *session, t *transfer) error {
	tmp, final := c.remote(t.temp()), c.remote(t.final())
	if t.renaming {
		// The last attempt sent the rename: it may have happened.
		var done bool
		err := c.watch(ctx, s, nil, func() error {
			_, terr := s.sftp.Stat(tmp)
			fi, ferr := s.sftp.Stat(final)
			if errors.Is(terr, fs.ErrNotExist) && ferr == nil && fi.Size() == t.size {
				done, t.modTime = true, fi.ModTime()
				return nil
			}
			if terr != nil && !errors.Is(terr, fs.ErrNotExist) {
				return terr
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
	p := new(progress)
	return c.watch(ctx, s, p, func() error {
		start, err := c.resumePoint(s, t, tmp)
		if err != nil {
			return err
		}
		flags := os.O_WRONLY | os.O_CREATE
		if start == 0 {
			flags |= os.O_TRUNC
		} else {
			t.resumed++
			c.log.Info("resuming an interrupted upload", "file", t.final(), "offset", start, "size", t.size)
		}
		f, err := s.sftp.OpenFile(tmp, flags)
		if err != nil {
			return fmt.Errorf("create %s: %w", tmp, err)
		}
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			f.Close()
			return err
		}
		// The file goes in segments: at the end of each, every write so far
		// is acknowledged, which a checkpoint can record for a later run.
		seg := c.cfg.segment
		if seg <= 0 {
			seg = defaultSegment
		}
		for pos := start; pos < t.size; {
			end := min(pos+seg, t.size)
			src := &progressReader{r: io.NewSectionReader(t.src, pos, end-pos), p: p, sent: &t.sent, base: pos}
			if _, err := f.ReadFromWithConcurrency(src, 0); err != nil {
				if off, serr := f.Seek(0, io.SeekCurrent); serr == nil && off >= start && off <= t.size {
					t.acked = off
				}
				f.Close()
				if src.err != nil {
					return &localError{fmt.Errorf("read the local file: %w", src.err)}
				}
				return fmt.Errorf("write %s: %w", tmp, err)
			}
			t.acked, pos = end, end
			if t.checkpoint != nil && end < t.size {
				// A checkpoint promises durable data: without fsync the
				// server might lose acknowledged bytes in a crash.
				if s.fsync {
					if err := f.Sync(); err != nil {
						f.Close()
						return fmt.Errorf("fsync %s: %w", tmp, err)
					}
				}
				t.checkpoint(end, s.fsync)
			}
		}
		t.acked = t.size
		if s.fsync {
			// Ask the server to make the data durable before the rename
			// publishes it; a crash of the server must not leave a final
			// name over a file of zeros.
			if err := f.Sync(); err != nil {
				f.Close()
				return fmt.Errorf("fsync %s: %w", tmp, err)
			}
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", tmp, err)
		}
		fi, err := s.sftp.Stat(tmp)
		if err != nil {
			return fmt.Errorf("stat %s: %w", tmp, err)
		}
		if fi.Size() != t.size {
			t.acked = 0
			return fmt.Errorf("%s holds %d bytes after the upload, want %d; starting over", tmp, fi.Size(), t.size)
		}
		if t.check != nil {
			if err := t.check(fi.ModTime()); err != nil {
				return err
			}
		}
		if !s.posix {
			// Plain SFTP rename fails over an existing file.
			if err := s.sftp.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove the previous %s: %w", final, err)
			}
		}
		t.renaming = true
		if err := c.rename(s, t.temp(), t.final()); err != nil {
			return fmt.Errorf("rename %s to %s: %w", tmp, final, err)
		}
		fi, err = s.sftp.Stat(final)
		if err != nil {
			return fmt.Errorf("stat %s: %w", final, err)
		}
		if fi.Size() != t.size {
			return &permanentError{fmt.Errorf("%s holds %d bytes after the rename, want %d: something else writes there", final, fi.Size(), t.size)}
		}
		t.modTime = fi.ModTime()
		return nil
	})
}

// resumePoint returns where to resume writing tmp: the acknowledged prefix
// when the file still holds it unchanged, else 0.
func (c *Client) resumePoint(s *session, t *transfer, tmp string) (int64, error) {
	if t.acked == 0 {
		return 0, nil
	}
	fi, err := s.sftp.Stat(tmp)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", tmp, err)
	}
	if fi.Size() < t.acked || fi.Size() > t.size {
		return 0, nil
	}
	n := min(int64(tailCheck), t.acked)
	remote := make([]byte, n)
	local := make([]byte, n)
	f, err := s.sftp.Open(tmp)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", tmp, err)
	}
	_, err = f.ReadAt(remote, t.acked-n)
	f.Close()
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("read back %s: %w", tmp, err)
	}
	if _, err := t.src.ReadAt(local, t.acked-n); err != nil && err != io.EOF {
		return 0, &localError{fmt.Errorf("read the local file: %w", err)}
	}
	if !bytes.Equal(remote, local) {
		c.log.Warn("the partial upload differs from the local file; starting over", "file", tmp)
		return 0, nil
	}
	return t.acked, nil
}

// progressReader reports progress on each read and keeps the local read
// error apart from the server's.
type progressReader struct {
	r    io.Reader
	p    *progress
	err  error
	sent *atomic.Int64 // offset reached, for the progress log
	base int64
	n    int64
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.n += int64(n)
	r.sent.Store(r.base + r.n)
	r.p.touch()
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// progressMin is the size from which a transfer logs its progress, and
// progressEvery how often.
const (
	progressMin   = 16 << 20
	progressEvery = 10 * time.Second
)

func (c *Client) logProgress(t *transfer, stop <-chan struct{}) {
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	start, last := time.Now(), int64(0)
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		sent := t.sent.Load()
		c.log.Info("uploading", "file", t.final(), "sent", sent, "size", t.size,
			"percent", 100*sent/max(t.size, 1),
			"mib_per_s", float64(sent-last)/(1<<20)/progressEvery.Seconds(),
			"elapsed", time.Since(start).Round(time.Second).String())
		last = sent
	}
}
