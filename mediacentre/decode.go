package mediacentre

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// A bodyFormat is the syntax of an answer's body.
type bodyFormat int

const (
	formatUnknown bodyFormat = iota
	formatJSON
	formatXML
)

// cappedReader reads at most max bytes from r and fails with ErrBodyTooLarge,
// rather than stopping silently at the limit as io.LimitReader does, when r
// holds more: a truncated answer must never pass for a complete one.
type cappedReader struct {
	r    io.Reader
	left int64
	what string // "answer" or "decompressed answer", for the error
	max  int64
}

func newCappedReader(r io.Reader, max int64, what string) *cappedReader {
	return &cappedReader{r: r, left: max, what: what, max: max}
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One more byte tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s over %d bytes: %w", c.what, c.max, ErrBodyTooLarge)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// decodedBody returns a reader of the body decompressed as Content-Encoding
// says (gzip, deflate, identity, or a comma-separated list of them applied in
// order, as RFC 9110 §8.4 defines), reading at most max bytes from body and
// yielding at most max decompressed bytes. gzips, when not nil, keeps gzip
// readers for reuse (each holds tens of kilobytes of state). The release
// function gives the decompressors back.
func decodedBody(body io.Reader, contentEncoding string, max int64, gzips *sync.Pool) (io.Reader, func(), error) {
	var r io.Reader = newCappedReader(body, max, "answer")
	if contentEncoding == "" {
		return r, func() {}, nil
	}
	var release []func()
	releaseAll := func() {
		for _, f := range release {
			f()
		}
	}
	codings := strings.Split(contentEncoding, ",")
	// The list names the codings in the order they were applied: undo the
	// last first.
	for i := len(codings) - 1; i >= 0; i-- {
		switch c := strings.ToLower(strings.TrimSpace(codings[i])); c {
		case "", "identity":
		case "gzip", "x-gzip":
			zr, err := newGzipReader(r, gzips)
			if err != nil {
				releaseAll()
				return nil, nil, fmt.Errorf("read gzip answer: %w", err)
			}
			release = append(release, func() {
				zr.Close()
				if gzips != nil {
					gzips.Put(zr)
				}
			})
			r = zr
		case "deflate":
			dr, err := newDeflateReader(r)
			if err != nil {
				releaseAll()
				return nil, nil, err
			}
			release = append(release, func() { dr.Close() })
			r = dr
		default:
			releaseAll()
			return nil, nil, fmt.Errorf("answer has Content-Encoding %q, not gzip, deflate or identity", c)
		}
	}
	return newCappedReader(r, max, "decompressed answer"), releaseAll, nil
}

// newGzipReader returns a gzip reader of r, reused from pool when it holds
// one. Concatenated gzip members decode as one stream (RFC 1952); anything
// else after the last member is an error.
func newGzipReader(r io.Reader, pool *sync.Pool) (*gzip.Reader, error) {
	if pool != nil {
		if zr, ok := pool.Get().(*gzip.Reader); ok {
			if err := zr.Reset(r); err != nil {
				pool.Put(zr)
				return nil, err
			}
			return zr, nil
		}
	}
	return gzip.NewReader(r)
}

// newDeflateReader reads HTTP "deflate": RFC 9110 says zlib (RFC 1950), but
// servers have long sent raw deflate (RFC 1951) under that name, so the zlib
// header is detected rather than assumed.
func newDeflateReader(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 512)
	hdr, err := br.Peek(2)
	if err != nil && len(hdr) < 2 {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read deflate answer: %w", err)
	}
	if hdr[0]&0x0f == 8 && hdr[0]>>4 <= 7 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read deflate (zlib) answer: %w", err)
		}
		return zr, nil
	}
	return flate.NewReader(br), nil
}

// formatOf returns the body syntax named by a Content-Type header:
// application/json, text/json or any +json type is JSON; application/xml,
// text/xml or any +xml type is XML. Anything else, or no header, is
// formatUnknown and the body is sniffed.
func formatOf(contentType string) bodyFormat {
	if contentType == "" {
		return formatUnknown
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return formatUnknown
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return formatJSON
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return formatXML
	}
	return formatUnknown
}

// sniff returns the syntax of a body from its first significant byte: '{'
// or '[' is JSON, '<' is XML.
func sniff(body []byte) bodyFormat {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 {
		return formatUnknown
	}
	switch b[0] {
	case '{', '[':
		return formatJSON
	case '<':
		return formatXML
	}
	return formatUnknown
}

// decodeResources decodes a listeRessources or ressourcesDiffusables body,
// already decompressed and read, in the syntax its Content-Type names,
// sniffing when the header names none. xmlRoot is the root element required
// of an XML body ("" for any). Decoded strings never share body's memory,
// so the caller may reuse it.
func decodeResources(body []byte, contentType, xmlRoot string) ([]Resource, error) {
	// A UTF-8 byte order mark is legal before XML but not before JSON, and
	// some servers write one before either.
	body = bytes.TrimPrefix(body, []byte(utf8BOM))
	f := formatOf(contentType)
	if f == formatUnknown {
		if f = sniff(body); f == formatUnknown {
			return nil, fmt.Errorf("answer with Content-Type %q is neither JSON nor XML", contentType)
		}
	}
	if f == formatJSON {
		return decodeResourcesJSON(body)
	}
	return decodeResourcesXML(body, xmlRoot)
}

const utf8BOM = "\xEF\xBB\xBF"
