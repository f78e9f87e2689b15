package export

import (
	"fmt"
	"unicode/utf8"
)

// appendEscaped appends s to b escaped as XML character data. Tabs, line
// feeds and carriage returns are written as character references so that
// an XML parser gives back exactly the source value (a raw CR would be
// normalised away).
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// checkXMLText returns an error when s holds a character XML 1.0 cannot
// carry at all (control characters other than tab, LF and CR, U+FFFE and
// U+FFFF) or is not valid UTF-8. Such values are rejected with their record
// rather than written into a file GAR would refuse as a whole.
func checkXMLText(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return fmt.Errorf("control character U+%04X is not allowed in XML", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("invalid UTF-8 at byte %d", i+1)
		}
		if r == 0xFFFE || r == 0xFFFF {
			return fmt.Errorf("character U+%04X is not allowed in XML", r)
		}
		i += n
	}
	return nil
}

// node accumulates one top-level XML node, one element per line, so that the
// line numbers GAR reports point at a single field.
type node struct {
	b []byte
}

func (n *node) reset() { n.b = n.b[:0] }

func (n *node) open(depth int, name string) {
	n.indent(depth)
	n.b = append(n.b, "<men:"...)
	n.b = append(n.b, name...)
	n.b = append(n.b, ">\n"...)
}

func (n *node) close(depth int, name string) {
	n.indent(depth)
	n.b = append(n.b, "</men:"...)
	n.b = append(n.b, name...)
	n.b = append(n.b, ">\n"...)
}

// field writes <men:name>value</men:name> on one line.
func (n *node) field(depth int, name, value string) {
	n.indent(depth)
	n.b = append(n.b, "<men:"...)
	n.b = append(n.b, name...)
	n.b = append(n.b, '>')
	n.b = appendEscaped(n.b, value)
	n.b = append(n.b, "</men:"...)
	n.b = append(n.b, name...)
	n.b = append(n.b, ">\n"...)
}

// optional writes the field only when value is not empty.
func (n *node) optional(depth int, name, value string) {
	if value != "" {
		n.field(depth, name, value)
	}
}

func (n *node) fields(depth int, name string, values []string) {
	for _, v := range values {
		n.field(depth, name, v)
	}
}

func (n *node) indent(depth int) {
	for range depth {
		n.b = append(n.b, ' ', ' ')
	}
}
