package xsd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// tokKind is the kind of a token the scanner returns.
type tokKind int

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
)

// attr is a raw attribute: qualified name and unescaped value.
type attr struct {
	name  []byte
	value []byte
}

// maxDepth bounds the nesting of elements. GAR documents are four levels
// deep; without a bound a hostile document of nested start tags (a few
// bytes each, a gzip bomb once compressed) grows the scanner's and the
// validator's stacks with its size.
const maxDepth = 256

// maxAttrs bounds the attributes of one element. GAR's roots carry a few;
// the checks for repeated attributes are quadratic, so a hostile tag of
// 100,000 attributes would otherwise take a minute.
const maxAttrs = 256

// maxToken bounds the size of one token (a tag or a run of text) so that a
// hostile document cannot make the scanner buffer grow without limit.
const maxToken = 1 << 20

// scanner is a small, fast XML tokenizer for the documents GAR exchanges:
// UTF-8, no DTD. It checks well-formedness (names, nesting, references,
// characters, one root) and tracks line and column. Returned slices are only
// valid until the next call.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int // next byte to read in buf
	end  int // end of valid data in buf
	eof  bool
	rerr error

	line    int // line of buf[pos]
	lineOff int // offset in the stream of the first byte of the current line
	off     int // offset in the stream of buf[pos]

	// Token.
	kind    tokKind
	name    []byte
	attrs   []attr
	text    []byte // unescaped text, CR/LF normalised
	empty   bool   // the start tag was <a/>: an end token follows
	tokLine int
	tokCol  int

	stack      [][]byte // open element names
	names      []byte   // backing store of stack names
	nameEnd    []int
	seenRoot   bool
	pendingEnd bool

	scratch []byte
	attrBuf []byte
	start   int // stream offset after the byte order mark, if any
	known   map[string]struct{}
	inPlace bool // buf is the caller's document
}

func newScanner(r io.Reader, buf []byte) *scanner {
	if cap(buf) < 64<<10 {
		buf = make([]byte, 64<<10)
	}
	return &scanner{r: r, buf: buf[:cap(buf)], line: 1}
}

// reset prepares the scanner for another document, keeping its memory.
func (s *scanner) reset(r io.Reader, buf []byte) {
	if cap(buf) < 64<<10 && !s.inPlace {
		buf = s.buf
	}
	if cap(buf) < 64<<10 {
		buf = make([]byte, 64<<10)
	}
	*s = scanner{r: r, buf: buf[:cap(buf)], line: 1,
		attrs: s.attrs[:0], stack: s.stack[:0], names: s.names[:0], nameEnd: s.nameEnd[:0],
		scratch: s.scratch[:0], attrBuf: s.attrBuf[:0], known: s.known}
}

// resetBytes prepares the scanner for a document held in memory: it is
// scanned in place, without copying.
func (s *scanner) resetBytes(doc []byte) {
	*s = scanner{buf: doc, end: len(doc), eof: true, inPlace: true, line: 1,
		attrs: s.attrs[:0], stack: s.stack[:0], names: s.names[:0], nameEnd: s.nameEnd[:0],
		scratch: s.scratch[:0], attrBuf: s.attrBuf[:0], known: s.known}
}

// SyntaxError is a well-formedness error.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

func (s *scanner) errAt(line, col int, format string, args ...any) error {
	return &syntaxError{line, col, fmt.Sprintf(format, args...)}
}

func (s *scanner) errf(format string, args ...any) error {
	return s.errAt(s.line, s.off-s.lineOff+1, format, args...)
}

// fill makes at least n bytes available at buf[pos:], unless the input ends.
// It reports whether they are.
func (s *scanner) fill(n int) bool {
	for s.end-s.pos < n {
		if s.eof {
			return false
		}
		if s.pos > 0 {
			copy(s.buf, s.buf[s.pos:s.end])
			s.end -= s.pos
			s.pos = 0
		}
		if s.end == len(s.buf) {
			if len(s.buf) >= maxToken+64<<10 {
				return false
			}
			nb := make([]byte, 2*len(s.buf))
			copy(nb, s.buf[:s.end])
			s.buf = nb
		}
		m, err := s.r.Read(s.buf[s.end:])
		s.end += m
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
		}
	}
	return true
}

// advance consumes n bytes, counting lines.
func (s *scanner) advance(n int) {
	seg := s.buf[s.pos : s.pos+n]
	if c := bytes.Count(seg, nl); c > 0 {
		s.line += c
		s.lineOff = s.off + bytes.LastIndexByte(seg, '\n') + 1
	}
	s.pos += n
	s.off += n
}

var nl = []byte{'\n'}

// find returns the index from pos of sep, filling the buffer as needed, or
// -1 when the input ends (or the token is too long) first.
func (s *scanner) find(sep []byte, from int) int {
	for {
		if i := bytes.Index(s.buf[s.pos+from:s.end], sep); i >= 0 {
			return from + i
		}
		have := s.end - s.pos
		if s.eof || have > maxToken {
			return -1
		}
		if have-len(sep)+1 > from {
			from = have - len(sep) + 1
		}
		s.fill(have + 1)
	}
}

func (s *scanner) tooLong() error {
	if s.rerr != nil {
		return s.rerr
	}
	if s.end-s.pos > maxToken {
		return s.errf("token longer than %d bytes", maxToken)
	}
	return nil
}

// next reads the next token.
func (s *scanner) next() error {
	if s.off == 0 && s.fill(3) && bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xEF\xBB\xBF")) {
		s.pos, s.off, s.lineOff, s.start = 3, 3, 3, 3
	}
	if s.pendingEnd {
		s.pendingEnd = false
		s.kind = tokEnd
		return s.pop()
	}
	for {
		if !s.fill(1) {
			if s.rerr != nil {
				return s.rerr
			}
			if len(s.stack) > 0 {
				return s.errf("unexpected end of document: element <%s> not closed", s.stack[len(s.stack)-1])
			}
			if !s.seenRoot {
				return s.errf("document has no root element")
			}
			s.kind = tokEOF
			return nil
		}
		if s.buf[s.pos] != '<' {
			if err := s.readText(); err != nil {
				return err
			}
			if len(s.stack) == 0 {
				if !isSpace(s.text) {
					return s.errAt(s.tokLine, s.tokCol, "text outside the root element")
				}
				continue
			}
			s.kind = tokText
			return nil
		}
		if !s.fill(2) {
			return s.errf("unexpected end of document after '<'")
		}
		switch c := s.buf[s.pos+1]; {
		case c == '/':
			return s.readEnd()
		case c == '?':
			if err := s.readPI(); err != nil {
				return err
			}
		case c == '!':
			s.fill(9)
			rest := s.buf[s.pos:s.end]
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				if err := s.readComment(); err != nil {
					return err
				}
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				if len(s.stack) == 0 {
					return s.errf("CDATA section outside the root element")
				}
				if err := s.readCDATA(); err != nil {
					return err
				}
				s.kind = tokText
				return nil
			case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
				return s.errf("DOCTYPE declarations are not allowed in GAR files")
			default:
				return s.errf("invalid markup after '<!'")
			}
		default:
			return s.readStart()
		}
	}
}

func (s *scanner) mark() {
	s.tokLine = s.line
	s.tokCol = s.off - s.lineOff + 1
}

// readText reads character data up to the next '<'.
func (s *scanner) readText() error {
	s.mark()
	i := s.find([]byte{'<'}, 0)
	if i < 0 {
		if err := s.tooLong(); err != nil {
			return err
		}
		i = s.end - s.pos
	}
	raw := s.buf[s.pos : s.pos+i]
	if bytes.Contains(raw, []byte("]]>")) {
		return s.errf("']]>' is not allowed in text")
	}
	t, err := s.unescape(s.scratch[:0], raw, false)
	if err != nil {
		return err
	}
	s.scratch, s.text = t, t
	s.advance(i)
	return nil
}

func (s *scanner) readCDATA() error {
	s.mark()
	i := s.find([]byte("]]>"), 9)
	if i < 0 {
		if err := s.tooLong(); err != nil {
			return err
		}
		return s.errf("unterminated CDATA section")
	}
	raw := s.buf[s.pos+9 : s.pos+i]
	t := s.scratch[:0]
	if err := checkChars(raw); err != nil {
		return s.errf("%v", err)
	}
	t = appendNormalized(t, raw)
	s.scratch, s.text = t, t
	s.advance(i + 3)
	return nil
}

func (s *scanner) readComment() error {
	i := s.find([]byte("--"), 4)
	if i < 0 {
		if err := s.tooLong(); err != nil {
			return err
		}
		return s.errf("unterminated comment")
	}
	if !s.fill(i+3) || s.buf[s.pos+i+2] != '>' {
		return s.errf("'--' is not allowed inside a comment")
	}
	if err := checkChars(s.buf[s.pos+4 : s.pos+i]); err != nil {
		return s.errf("%v", err)
	}
	s.advance(i + 3)
	return nil
}

func (s *scanner) readPI() error {
	atStart := s.off == s.start
	i := s.find([]byte("?>"), 2)
	if i < 0 {
		if err := s.tooLong(); err != nil {
			return err
		}
		return s.errf("unterminated processing instruction")
	}
	body := s.buf[s.pos+2 : s.pos+i]
	n := 0
	for n < len(body) && !isSpaceByte(body[n]) {
		n++
	}
	target := body[:n]
	if n == 0 || !validName(target) {
		return s.errf("invalid processing instruction target")
	}
	if err := checkChars(body); err != nil {
		return s.errf("%v", err)
	}
	if bytes.EqualFold(target, []byte("xml")) {
		if !atStart || string(target) != "xml" {
			return s.errf("XML declaration allowed only at the start of the document")
		}
		if err := checkDecl(body[n:]); err != nil {
			return s.errf("XML declaration: %v", err)
		}
	}
	s.advance(i + 2)
	return nil
}

// checkDecl checks version="1.0" [encoding="UTF-8"] [standalone=...].
func checkDecl(b []byte) error {
	type kv struct{ k, v string }
	var got []kv
	for {
		b = trimSpaceLeft(b)
		if len(b) == 0 {
			break
		}
		eq := bytes.IndexByte(b, '=')
		if eq <= 0 {
			return errors.New("malformed pseudo-attribute")
		}
		k := string(bytes.TrimRight(b[:eq], " \t\r\n"))
		b = trimSpaceLeft(b[eq+1:])
		if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
			return errors.New("pseudo-attribute value must be quoted")
		}
		end := bytes.IndexByte(b[1:], b[0])
		if end < 0 {
			return errors.New("unterminated pseudo-attribute value")
		}
		got = append(got, kv{k, string(b[1 : 1+end])})
		b = b[end+2:]
		if len(b) > 0 && !isSpaceByte(b[0]) {
			return errors.New("missing space between pseudo-attributes")
		}
	}
	order := []string{"version", "encoding", "standalone"}
	j := 0
	for i, p := range got {
		for j < len(order) && order[j] != p.k {
			j++
		}
		if j == len(order) {
			return fmt.Errorf("unexpected pseudo-attribute %q", p.k)
		}
		switch p.k {
		case "version":
			if i != 0 || p.v != "1.0" {
				return fmt.Errorf("version must be 1.0, got %q", p.v)
			}
		case "encoding":
			if !bytes.EqualFold([]byte(p.v), []byte("UTF-8")) {
				return fmt.Errorf("encoding %q: GAR files are UTF-8", p.v)
			}
		case "standalone":
			if p.v != "yes" && p.v != "no" {
				return fmt.Errorf("standalone must be yes or no")
			}
		}
		j++
	}
	if len(got) == 0 || got[0].k != "version" {
		return errors.New("version is required")
	}
	return nil
}

func (s *scanner) readEnd() error {
	s.mark()
	i := s.find([]byte{'>'}, 2)
	if i < 0 {
		if err := s.tooLong(); err != nil {
			return err
		}
		return s.errf("unterminated end tag")
	}
	name := trimSpaceRight(s.buf[s.pos+2 : s.pos+i])
	if len(s.stack) == 0 {
		return s.errf("end tag </%s> without a start tag", name)
	}
	top := s.stack[len(s.stack)-1]
	if !bytes.Equal(name, top) {
		return s.errf("end tag </%s> does not match <%s>", name, top)
	}
	s.advance(i + 1)
	s.kind = tokEnd
	return s.pop()
}

func (s *scanner) pop() error {
	s.name = s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	n := len(s.nameEnd) - 1
	s.nameEnd = s.nameEnd[:n]
	if n > 0 {
		s.names = s.names[:s.nameEnd[n-1]]
	} else {
		s.names = s.names[:0]
	}
	return nil
}

func (s *scanner) readStart() error {
	s.mark()
	if len(s.stack) == 0 && s.seenRoot {
		return s.errf("content after the root element")
	}
	// Find the end of the tag, skipping '>' inside quoted values.
	i := 1
	var quote byte
	for {
		if s.pos+i >= s.end {
			if s.end-s.pos > maxToken || !s.fill(i+1) {
				if err := s.tooLong(); err != nil {
					return err
				}
				return s.errf("unterminated start tag")
			}
		}
		c := s.buf[s.pos+i]
		if quote != 0 {
			if c == quote {
				quote = 0
			} else if c == '<' {
				return s.errf("'<' is not allowed in an attribute value")
			}
		} else if c == '"' || c == '\'' {
			quote = c
		} else if c == '>' {
			break
		}
		i++
	}
	tag := s.buf[s.pos+1 : s.pos+i]
	s.empty = len(tag) > 0 && tag[len(tag)-1] == '/'
	if s.empty {
		tag = tag[:len(tag)-1]
	}
	n := 0
	for n < len(tag) && !isSpaceByte(tag[n]) {
		n++
	}
	name := tag[:n]
	if !s.validName(name) {
		return s.errf("invalid element name %q", name)
	}
	s.attrs = s.attrs[:0]
	s.attrBuf = s.attrBuf[:0]
	rest := tag[n:]
	type span struct{ n0, n1, v0, v1 int }
	var spans [8]span
	sp := spans[:0]
	for {
		had := len(rest) > 0 && isSpaceByte(rest[0])
		rest = trimSpaceLeft(rest)
		if len(rest) == 0 {
			break
		}
		if !had {
			return s.errf("missing space before attribute in <%s>", name)
		}
		if len(sp) == maxAttrs {
			return s.errf("more than %d attributes in <%s>", maxAttrs, name)
		}
		eq := bytes.IndexByte(rest, '=')
		if eq <= 0 {
			return s.errf("malformed attribute in <%s>", name)
		}
		an := trimSpaceRight(rest[:eq])
		if !s.validName(an) {
			return s.errf("invalid attribute name %q in <%s>", an, name)
		}
		rest = trimSpaceLeft(rest[eq+1:])
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return s.errf("attribute %s of <%s> must be quoted", an, name)
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return s.errf("unterminated attribute value in <%s>", name)
		}
		raw := rest[1 : 1+end]
		rest = rest[end+2:]
		n0 := len(s.attrBuf)
		s.attrBuf = append(s.attrBuf, an...)
		n1 := len(s.attrBuf)
		var err error
		s.attrBuf, err = s.unescape(s.attrBuf, raw, true)
		if err != nil {
			return err
		}
		sp = append(sp, span{n0, n1, n1, len(s.attrBuf)})
	}
	for _, a := range sp {
		at := attr{s.attrBuf[a.n0:a.n1], s.attrBuf[a.v0:a.v1]}
		for _, b := range s.attrs {
			if bytes.Equal(b.name, at.name) {
				return s.errf("attribute %s repeated in <%s>", at.name, name)
			}
		}
		s.attrs = append(s.attrs, at)
	}
	if len(s.nameEnd) >= maxDepth {
		return s.errf("elements nested deeper than %d levels", maxDepth)
	}
	s.names = append(s.names, name...)
	s.nameEnd = append(s.nameEnd, len(s.names))
	s.stack = s.stack[:0]
	start := 0
	for _, e := range s.nameEnd {
		s.stack = append(s.stack, s.names[start:e])
		start = e
	}
	s.name = s.stack[len(s.stack)-1]
	s.seenRoot = true
	s.advance(i + 1)
	s.kind = tokStart
	s.pendingEnd = s.empty
	return nil
}

// unescape appends raw to dst with references replaced, line ends
// normalised and, in attribute values, whitespace characters replaced by
// spaces. It checks that every character is allowed in XML.
func (s *scanner) unescape(dst, raw []byte, inAttr bool) ([]byte, error) {
	for len(raw) > 0 {
		i := 0
		for i < len(raw) {
			c := raw[i]
			if c == '&' || c == '\r' || c >= 0x80 || c < 0x20 {
				break
			}
			i++
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if len(raw) == 0 {
			break
		}
		c := raw[0]
		switch {
		case c == '&':
			semi := bytes.IndexByte(raw, ';')
			if semi < 0 {
				return dst, s.errf("'&' must start a reference (write &amp;)")
			}
			ref := raw[1:semi]
			switch string(ref) {
			case "lt":
				dst = append(dst, '<')
			case "gt":
				dst = append(dst, '>')
			case "amp":
				dst = append(dst, '&')
			case "apos":
				dst = append(dst, '\'')
			case "quot":
				dst = append(dst, '"')
			default:
				r, ok := charRef(ref)
				if !ok {
					return dst, s.errf("undefined or invalid reference &%s;", ref)
				}
				dst = utf8.AppendRune(dst, r)
			}
			raw = raw[semi+1:]
		case c == '\r':
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			if inAttr {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, '\n')
			}
		case c < 0x20:
			if c != '\t' && c != '\n' {
				return dst, s.errf("character U+%04X is not allowed in XML", c)
			}
			if inAttr {
				c = ' '
			}
			dst = append(dst, c)
			raw = raw[1:]
		default:
			r, size := utf8.DecodeRune(raw)
			if r == utf8.RuneError && size <= 1 || !xmlChar(r) {
				return dst, s.errf("invalid UTF-8 or character not allowed in XML")
			}
			dst = append(dst, raw[:size]...)
			raw = raw[size:]
		}
	}
	return dst, nil
}

func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	// Leading zeros are allowed in any number; past them, eight digits
	// hold every character without overflowing a rune.
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) > 8 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*rune(base) + d
	}
	return r, xmlChar(r)
}

func xmlChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

func checkChars(b []byte) error {
	for len(b) > 0 {
		c := b[0]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return fmt.Errorf("character U+%04X is not allowed in XML", c)
			}
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 || !xmlChar(r) {
			return errors.New("invalid UTF-8 or character not allowed in XML")
		}
		b = b[size:]
	}
	return nil
}

func appendNormalized(dst, raw []byte) []byte {
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\r')
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		dst = append(dst, '\n')
		raw = raw[i+1:]
		if len(raw) > 0 && raw[0] == '\n' {
			raw = raw[1:]
		}
	}
	return dst
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isSpace(b []byte) bool {
	for _, c := range b {
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}

func trimSpaceRight(b []byte) []byte {
	for len(b) > 0 && isSpaceByte(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// validName is validName with a cache of the names already checked: a
// document repeats a few dozen names millions of times.
func (s *scanner) validName(b []byte) bool {
	if _, ok := s.known[string(b)]; ok {
		return true
	}
	if !validName(b) {
		return false
	}
	if s.known == nil {
		s.known = map[string]struct{}{}
	}
	if len(s.known) < 256 {
		s.known[string(b)] = struct{}{}
	}
	return true
}

func trimSpaceLeft(b []byte) []byte {
	for len(b) > 0 && isSpaceByte(b[0]) {
		b = b[1:]
	}
	return b
}

// validName checks an XML name (with at most one colon, as namespaces
// require). Non-ASCII letters are accepted as name characters.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	colons := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 || !nameRune(r, i == 0) {
				return false
			}
			i += size
			continue
		}
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
		if i > 0 {
			ok = ok || c >= '0' && c <= '9' || c == '-' || c == '.'
		}
		if !ok {
			return false
		}
		if c == ':' {
			colons++
			if i == 0 || i == len(b)-1 || colons > 1 {
				return false
			}
		}
		i++
	}
	return true
}

func nameRune(r rune, first bool) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	if first {
		return false
	}
	return r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}
