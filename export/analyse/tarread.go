package analyse

import (
	"archive/tar"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Limits bound what the archive reader accepts, so that a hostile archive
// (a gzip bomb, a huge entry) ends with a clear finding instead of
// exhausting time or memory. The reader never holds an entry in memory, so
// memory is bounded whatever the limits; they bound the work.
type Limits struct {
	// MaxEntryBytes bounds one entry, uncompressed (default 1 GiB; a
	// 10,000-node GAR file is a few MB).
	MaxEntryBytes int64
	// MaxTotalBytes bounds the whole uncompressed tar (default 64 GiB).
	MaxTotalBytes int64
	// MaxEntries bounds the number of entries (default 60,000; at most
	// 65,535 XML files are told apart in the key records).
	MaxEntries int
}

func (l Limits) withDefaults() Limits {
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = 1 << 30
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = 64 << 30
	}
	if l.MaxEntries <= 0 || l.MaxEntries > 0xFFFF {
		l.MaxEntries = 60_000
	}
	return l
}

// limitError is a breach of Limits.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// countingReader counts the bytes read through it and fails past a limit.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
	what  string
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, &limitError{fmt.Sprintf("%s is larger than the limit of %d bytes", c.what, c.limit)}
	}
	if int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n+1]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, &limitError{fmt.Sprintf("%s is larger than the limit of %d bytes", c.what, c.limit)}
	}
	return n, err
}

// entry is one member of the tar handed to the visitor.
type entry struct {
	Name string
	Size int64
	Body io.Reader
}

// tarProblem is an archive-level finding raised while reading.
type tarProblem struct {
	control string
	file    string
	msg     string
}

// readTar reads a gzip-compressed tar from r, checks each header (flat,
// regular files) and hands acceptable entries to visit. It returns the MD5
// of the compressed bytes, the compressed and uncompressed sizes, the
// problems found, and an error only when visit fails. Reading stops at the
// first unreadable byte or breached limit, which becomes a problem.
func readTar(r io.Reader, lim Limits, visit func(entry) error) (sum string, zbytes, xbytes int64, problems []tarProblem, err error) {
	lim = lim.withDefaults()
	h := md5.New()
	compressed := &countingReader{r: io.TeeReader(r, h), limit: 1 << 62, what: "archive"}
	defer func() { sum, zbytes = finish(h, compressed) }()
	zr, zerr := gzip.NewReader(compressed)
	if zerr != nil {
		problems = append(problems, tarProblem{CtlArchiveRead, "", fmt.Sprintf("not a gzip file: %v", zerr)})
		return
	}
	total := &countingReader{r: zr, limit: lim.MaxTotalBytes, what: "the uncompressed archive"}
	tr := tar.NewReader(total)
	seen := map[string]bool{}
	for n := 0; ; n++ {
		hdr, terr := tr.Next()
		if terr == io.EOF {
			break
		}
		if terr != nil {
			problems = append(problems, readProblem(terr, "read the tar"))
			break
		}
		if n >= lim.MaxEntries {
			problems = append(problems, tarProblem{CtlArchiveLimit, "", fmt.Sprintf("more than %d entries in the archive", lim.MaxEntries)})
			break
		}
		name := hdr.Name
		switch {
		case hdr.Typeflag == tar.TypeDir:
			problems = append(problems, tarProblem{CtlArchiveEntry, name, fmt.Sprintf("directory %q in the archive: GAR wants the XML files at the top level", name)})
			continue
		case hdr.Typeflag != tar.TypeReg:
			problems = append(problems, tarProblem{CtlArchiveEntry, name, fmt.Sprintf("entry %q is not a regular file (type %q)", name, hdr.Typeflag)})
			continue
		case strings.Contains(name, "/") || strings.Contains(name, "\\") || name == ".." || name == "." || name == "":
			problems = append(problems, tarProblem{CtlArchiveEntry, name, fmt.Sprintf("entry %q is not at the top level of the archive (cleaned path %q)", name, path.Clean("/"+name))})
			continue
		case seen[name]:
			problems = append(problems, tarProblem{CtlArchiveEntry, name, fmt.Sprintf("entry %q appears twice in the archive", name)})
			continue
		case !strings.HasSuffix(name, ".xml"):
			problems = append(problems, tarProblem{CtlArchiveEntry, name, fmt.Sprintf("unexpected file %q: the archive holds only the .xml files", name)})
			continue
		case hdr.Size > lim.MaxEntryBytes:
			problems = append(problems, tarProblem{CtlArchiveLimit, name, fmt.Sprintf("entry %q declares %d bytes, more than the limit of %d", name, hdr.Size, lim.MaxEntryBytes)})
			return
		}
		seen[name] = true
		body := &countingReader{r: tr, limit: lim.MaxEntryBytes, what: "entry " + name}
		if verr := visit(entry{Name: name, Size: hdr.Size, Body: body}); verr != nil {
			var le *limitError
			if errors.As(verr, &le) {
				problems = append(problems, tarProblem{CtlArchiveLimit, name, le.msg})
				return
			}
			if isReadError(verr) {
				problems = append(problems, readProblem(verr, "read "+name))
				return
			}
			err = verr
			return
		}
	}
	// Drain the gzip stream so that the MD5 covers the whole file and a
	// corrupt trailer is seen.
	if _, derr := io.Copy(io.Discard, total); derr != nil {
		problems = append(problems, readProblem(derr, "read the end of the archive"))
	}
	xbytes = total.n
	return
}

func finish(h hash.Hash, c *countingReader) (string, int64) {
	// Whatever was not read (after an error) still counts for the MD5: the
	// tee hashes it on its way to the discard.
	if n, err := io.Copy(io.Discard, c.r); err == nil {
		c.n += n
	}
	return hex.EncodeToString(h.Sum(nil)), c.n
}

func readProblem(err error, what string) tarProblem {
	var le *limitError
	if errors.As(err, &le) {
		return tarProblem{CtlArchiveLimit, "", le.msg}
	}
	return tarProblem{CtlArchiveRead, "", fmt.Sprintf("%s: %v", what, err)}
}

// readErr marks an error of the archive's bytes (corrupt gzip or tar) met
// while a visitor consumed an entry.
type readErr struct{ err error }

func (e *readErr) Error() string { return e.err.Error() }
func (e *readErr) Unwrap() error { return e.err }

func isReadError(err error) bool {
	var re *readErr
	return errors.As(err, &re) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, gzip.ErrHeader) || errors.Is(err, tar.ErrHeader)
}
