package results

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// latin1Reader lets Parse read a report declared in ISO-8859-1, which a
// Java service may emit, by converting it to UTF-8 as it goes.
func latin1Reader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "iso-8859-15":
		return &latin1{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported charset %q (want UTF-8 or ISO-8859-1)", charset)
}

type latin1 struct {
	r   *bufio.Reader
	buf [utf8.UTFMax]byte
	n   int // pending bytes of buf not yet returned
	off int
}

func (l *latin1) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if l.off < l.n {
			c := copy(p[n:], l.buf[l.off:l.n])
			l.off += c
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		l.n = utf8.EncodeRune(l.buf[:], rune(b))
		l.off = 0
	}
	return n, nil
}
