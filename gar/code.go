package gar

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeCode returns s the way the reference asks ENTs to send the four
// case-insensitive keys (GARStructureUAI, GARGroupeCode, GARMatiereCode and
// GARMEFCode, §5.3): upper-case, without accents, surrounding spaces removed.
// Ligatures are spelled out (œ -> OE) rather than dropped, so that two
// different codes never collapse into one.
func NormalizeCode(s string) string {
	s = strings.TrimSpace(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'œ', 'Œ':
			b.WriteString("OE")
		case 'æ', 'Æ':
			b.WriteString("AE")
		case 'ß':
			b.WriteString("SS")
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return norm.NFC.String(b.String())
}

// NormalizeIdent returns the idENT as GAR expects it in every file name:
// upper-case. It fails when the id is empty or holds characters that would
// make the names ambiguous or unsafe as paths (only A-Z, 0-9 and '-').
func NormalizeIdent(id string) (string, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if id == "" {
		return "", fmt.Errorf("empty idENT")
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return "", fmt.Errorf("idENT %q: character %q not allowed (A-Z, 0-9, '-')", id, r)
		}
	}
	return id, nil
}
