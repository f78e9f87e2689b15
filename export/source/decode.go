package source

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/entgar/entgar/gar"
)

// This file decodes the records of this package without encoding/json: a
// cursor walks the line once and a switch on each member name stores the
// value in place. It accepts and rejects exactly what decodeJSON does and
// stores the same values, including encoding/json's less obvious rules:
//
//   - member names match their field exactly, else case-insensitively with
//     encoding/json's folding (which also maps U+017F to "s" and U+212A to
//     "k");
//   - null leaves a string, bool or degree untouched and sets a slice to nil;
//   - a repeated member decodes again into the same field: an array reuses
//     the elements already there (a null element keeps the old value, an
//     object element is merged into the old one), an empty array gives an
//     empty non-nil slice;
//   - invalid UTF-8 and lone UTF-16 surrogates in strings become U+FFFD;
//   - errors rank as encoding/json ranks them: any syntax error in the object
//     first, then the first error from gar.Degree's UnmarshalText (which stops
//     encoding/json), then the first unknown member or type mismatch, and only
//     then what follows the object (nothing, or a ']' or '}', which
//     json.Decoder.More does not count as another value).
//
// Syntax errors have their own wording, starting with "invalid JSON"; every
// other error has the wording decodeJSON gives.

// decodeRecord decodes the JSON object in data into v, which points to one
// of the record types of this package; any other type goes through
// decodeJSON, as does data that does not start with an object.
func decodeRecord(data []byte, v any) error {
	d := decoder{data: data}
	if d.peek() != '{' {
		return decodeJSON(data, v)
	}
	switch v := v.(type) {
	case *Establishment:
		d.open()
		d.establishment(v)
	case *MEF:
		d.open()
		d.mef(v)
	case *Subject:
		d.open()
		d.subject(v)
	case *Group:
		d.open()
		d.group(v)
	case *Pupil:
		d.open()
		d.pupil(v)
	case *Staff:
		d.open()
		d.staff(v)
	case *RespAff:
		d.open()
		d.respAff(v)
	default:
		return decodeJSON(data, v)
	}
	return d.finish()
}

// maxDepth is how deeply encoding/json lets arrays and objects nest.
const maxDepth = 10000

// decoder is a cursor over one JSON text.
type decoder struct {
	data  []byte
	pos   int // next byte to read
	depth int // arrays and objects open at pos

	syntax error // first syntax error: parsing stops there
	text   error // first error of gar.Degree.UnmarshalText
	saved  error // first unknown member or type mismatch

	buf []byte // unescaped strings, reused
}

// finish returns the error of a decoded object, or checks what follows it.
func (d *decoder) finish() error {
	switch {
	case d.syntax != nil:
		return d.syntax
	case d.text != nil:
		return d.text
	case d.saved != nil:
		return d.saved
	}
	if d.peek(); d.pos < len(d.data) {
		return fmt.Errorf("more than one JSON value on the line")
	}
	return nil
}

// peek skips white space and returns the byte at the cursor, or 0 at the
// end of the data.
func (d *decoder) peek() byte {
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return c
		}
	}
	return 0
}

// fail records a syntax error at the cursor; context says what was expected.
func (d *decoder) fail(context string) {
	if d.syntax != nil {
		return
	}
	if d.pos >= len(d.data) {
		d.syntax = fmt.Errorf("invalid JSON at byte %d: unexpected EOF", len(d.data))
		return
	}
	r, _ := utf8.DecodeRune(d.data[d.pos:])
	d.syntax = fmt.Errorf("invalid JSON at byte %d: invalid character %q %s", d.pos+1, r, context)
}

// mismatch skips a value that cannot be stored in a field of type typ and
// records the type error. path names the field as decodeJSON does.
func (d *decoder) mismatch(path, typ string) {
	kind := d.skip()
	if d.syntax == nil && d.saved == nil {
		d.saved = fmt.Errorf("field %q: %s is not a %s", path, kind, typ)
	}
}

// unknown records an unknown member name and skips its value.
func (d *decoder) unknown(name []byte) {
	if d.saved == nil {
		d.saved = fmt.Errorf("json: unknown field %q", name)
	}
	d.skip()
}

// open consumes the '[' or '{' at the cursor.
func (d *decoder) open() {
	d.pos++
	d.depth++
	if d.depth > maxDepth {
		d.pos--
		if d.syntax == nil {
			d.syntax = fmt.Errorf("invalid JSON at byte %d: exceeded max depth", d.pos+1)
		}
	}
}

// member moves to the next member of the open object and returns its name,
// or false at the object's end or on a syntax error. first is true for the
// call just after the '{'. The name is valid until the next string is read.
func (d *decoder) member(first bool) ([]byte, bool) {
	if d.syntax != nil {
		return nil, false
	}
	c := d.peek()
	switch {
	case c == '}':
		d.pos++
		d.depth--
		return nil, false
	case first:
	case c == ',':
		d.pos++
		c = d.peek()
	default:
		d.fail("after object key:value pair")
		return nil, false
	}
	if c != '"' {
		d.fail("looking for beginning of object key string")
		return nil, false
	}
	name, ok := d.readString()
	if !ok {
		return nil, false
	}
	if d.peek() != ':' {
		d.fail("after object key")
		return nil, false
	}
	d.pos++
	return name, true
}

// element reports whether the open array has another element, consuming
// the ',' before it or the array's ']'. first is true for the call just
// after the '['.
func (d *decoder) element(first bool) bool {
	if d.syntax != nil {
		return false
	}
	c := d.peek()
	switch {
	case c == ']':
		d.pos++
		d.depth--
		return false
	case first:
		return true // the element's decoder checks its syntax
	case c == ',':
		d.pos++
		return true
	}
	d.fail("after array element")
	return false
}

// plain marks the bytes that stand for themselves in a JSON string: ASCII
// that is neither a control character, '"' nor '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// readString reads the string at the cursor and returns its content, unescaped
// and made valid UTF-8 as encoding/json does. The result aliases d.data or
// d.buf: it is valid until the next string is read.
func (d *decoder) readString() ([]byte, bool) {
	data := d.data
	start := d.pos + 1
	for i := start; i < len(data); {
		c := data[i]
		if plain[c] {
			i++
			continue
		}
		if c == '"' {
			d.pos = i + 1
			return data[start:i], true
		}
		if c < utf8.RuneSelf {
			break // escape or control character
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return d.unquote(start)
}

// unquote is readString's slow path: it decodes escapes and replaces invalid
// UTF-8, checking the syntax as it goes.
func (d *decoder) unquote(start int) ([]byte, bool) {
	data := d.data
	b := d.buf[:0]
	i := start
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = b
			return b, true
		case c < 0x20:
			d.pos = i
			d.fail("in string literal")
			return nil, false
		case c < utf8.RuneSelf && c != '\\':
			b = append(b, c)
			i++
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(data[i:])
			b = utf8.AppendRune(b, r)
			i += n
		default: // backslash
			i++
			if i >= len(data) {
				d.pos = i
				d.fail("")
				return nil, false
			}
			switch e := data[i]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(data[i+1:])
				if r < 0 {
					// Point at the first byte that is not a hex digit.
					d.pos = i + 1
					for d.pos < len(data) && d.pos < i+5 && isHex(data[d.pos]) {
						d.pos++
					}
					d.fail("in \\u hexadecimal character escape")
					return nil, false
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A pair decodes to one rune; anything else to U+FFFD.
					r2 := rune(-1)
					if i+2 < len(data) && data[i+1] == '\\' && data[i+2] == 'u' {
						r2 = hex4(data[i+3:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				d.pos = i
				d.fail("in string escape code")
				return nil, false
			}
			i++
		}
	}
	d.pos = i
	d.fail("")
	return nil, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hex4 returns the value of the four hex digits that b starts with, or -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// literal consumes the literal word (true, false or null) at the cursor.
func (d *decoder) literal(word string) bool {
	for i := 0; i < len(word); i++ {
		if d.pos+i >= len(d.data) || d.data[d.pos+i] != word[i] {
			d.pos += i
			d.fail("in literal " + word)
			return false
		}
	}
	d.pos += len(word)
	return true
}

// number consumes the number at the cursor.
func (d *decoder) number() {
	data, i := d.data, d.pos
	digits := func() {
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	digit := func() bool { return i < len(data) && '0' <= data[i] && data[i] <= '9' }
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case digit():
		digits()
	default:
		d.pos = i
		d.fail("in numeric literal")
		return
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digit() {
			d.pos = i
			d.fail("after decimal point in numeric literal")
			return
		}
		digits()
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digit() {
			d.pos = i
			d.fail("in exponent of numeric literal")
			return
		}
		digits()
	}
	d.pos = i
}

// skip consumes a value of any type, checking its syntax, and returns its
// kind as encoding/json names it in type errors.
func (d *decoder) skip() string {
	switch c := d.peek(); c {
	case '{':
		d.open()
		for first := true; ; first = false {
			if _, ok := d.member(first); !ok {
				break
			}
			d.skip()
		}
		return "object"
	case '[':
		d.open()
		for n := 0; d.element(n == 0); n++ {
			d.skip()
		}
		return "array"
	case '"':
		d.readString()
		return "string"
	case 't':
		d.literal("true")
		return "bool"
	case 'f':
		d.literal("false")
		return "bool"
	case 'n':
		d.literal("null")
		return "null"
	default:
		if c == '-' || '0' <= c && c <= '9' {
			d.number()
			return "number"
		}
		d.fail("looking for beginning of value")
		return ""
	}
}

// str decodes a string field of type typ.
func (d *decoder) str(dst *string, path, typ string) {
	switch d.peek() {
	case '"':
		if s, ok := d.readString(); ok {
			*dst = string(s)
		}
	case 'n':
		d.literal("null")
	default:
		d.mismatch(path, typ)
	}
}

// boolean decodes a bool field.
func (d *decoder) boolean(dst *bool, path string) {
	switch d.peek() {
	case 't':
		if d.literal("true") {
			*dst = true
		}
	case 'f':
		if d.literal("false") {
			*dst = false
		}
	case 'n':
		d.literal("null")
	default:
		d.mismatch(path, "bool")
	}
}

// degree decodes a gar.Degree field through its UnmarshalText.
func (d *decoder) degree(dst *gar.Degree, path string) {
	switch d.peek() {
	case '"':
		if s, ok := d.readString(); ok {
			if err := dst.UnmarshalText(s); err != nil && d.text == nil {
				d.text = err
			}
		}
	case 'n':
		d.literal("null")
	default:
		d.mismatch(path, "gar.Degree")
	}
}

// object reports whether the next value is an object to decode into a
// struct of type typ, consuming its '{'. It consumes a null (which leaves
// the struct as it is) and skips any other value as a type mismatch.
func (d *decoder) object(path, typ string) bool {
	switch d.peek() {
	case '{':
		d.open()
		return true
	case 'n':
		d.literal("null")
	default:
		d.mismatch(path, typ)
	}
	return false
}

// elem is what a decoded slice holds.
type elem interface {
	string | gar.Profile | PupilSchool | StaffSchool | Teaching
}

// decodeSlice decodes a slice field of type sliceTyp whose elements are of
// type elemTyp.
func decodeSlice[T elem](d *decoder, dst *[]T, path, sliceTyp, elemTyp string) {
	switch d.peek() {
	case '[':
		d.open()
		if cap(*dst) == 0 {
			*dst = newSlice[T](d, path, elemTyp)
		} else {
			*dst = reuseSlice(d, *dst, path, elemTyp)
		}
	case 'n':
		if d.literal("null") {
			*dst = nil
		}
	default:
		d.mismatch(path, sliceTyp)
	}
}

// newSlice decodes the elements of the open array into a new slice of the
// right size, collecting them on the stack first.
func newSlice[T elem](d *decoder, path, elemTyp string) []T {
	var tmp [8]T
	s := tmp[:0]
	for n := 0; d.element(n == 0); n++ {
		var zero T
		s = append(s, zero)
		decodeElem(d, &s[n], path, elemTyp)
	}
	if d.syntax != nil {
		return nil
	}
	out := make([]T, len(s))
	copy(out, s)
	return out
}

// reuseSlice decodes the elements of the open array into s as encoding/json
// does when a member is repeated: over the elements s already has, including
// those past its length that an earlier array left in its capacity.
func reuseSlice[T elem](d *decoder, s []T, path, elemTyp string) []T {
	n := 0
	for ; d.element(n == 0); n++ {
		switch {
		case n < len(s):
		case n < cap(s):
			s = s[:n+1]
		default:
			var zero T
			s = append(s, zero)
		}
		decodeElem(d, &s[n], path, elemTyp)
	}
	if n == 0 {
		return []T{}
	}
	return s[:n]
}

// decodeElem decodes one array element.
func decodeElem[T elem](d *decoder, p *T, path, typ string) {
	switch p := any(p).(type) {
	case *string:
		d.str(p, path, typ)
	case *gar.Profile:
		s := string(*p)
		d.str(&s, path, typ)
		*p = gar.Profile(s)
	case *PupilSchool:
		if d.object(path, typ) {
			d.pupilSchool(p)
		}
	case *StaffSchool:
		if d.object(path, typ) {
			d.staffSchool(p)
		}
	case *Teaching:
		if d.object(path, typ) {
			d.teaching(p)
		}
	}
}

// field identifies a member name of the records.
type field uint8

const (
	fUnknown field = iota
	fAttachment
	fAttachmentUAI
	fBirthDate
	fBirthName
	fCivility
	fCode
	fContract
	fDegree
	fDisciplines
	fDivisions
	fEmail
	fEstablishments
	fFirstName
	fFunctionalAttachment
	fGAREnabled
	fGroup
	fGroups
	fID
	fLabel
	fLastName
	fMails
	fMEFs
	fMEFSTAT11
	fMEFSTAT4
	fName
	fOtherFirstNames
	fPhone
	fProfiles
	fSchools
	fSecondaryID
	fStatus
	fSubjects
	fTeaching
	fUAI
)

// maxName is the length of the longest member name.
const maxName = len("functional_attachment")

// lookup returns the field a member name designates, matching as
// encoding/json does: exactly, else without regard to case.
func lookup(name []byte) field {
	if f := exact(name); f != fUnknown {
		return f
	}
	var buf [maxName]byte
	folded, ok := fold(buf[:0], name)
	if !ok {
		return fUnknown
	}
	return exact(folded)
}

// fold appends to b the member name folded to lower case the way
// encoding/json folds names, where U+017F (long s) folds with "s" and U+212A
// (Kelvin sign) with "k". It returns false for a name that cannot match
// any field (too long, or holding another non-ASCII character).
func fold(b, name []byte) ([]byte, bool) {
	for i := 0; i < len(name); {
		if len(b) == cap(b) {
			return nil, false
		}
		c := name[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(name[i:])
		switch r {
		case '\u017f':
			b = append(b, 's')
		case '\u212a':
			b = append(b, 'k')
		default:
			return nil, false
		}
		i += n
	}
	return b, true
}

func exact(name []byte) field {
	switch string(name) {
	case "attachment":
		return fAttachment
	case "attachment_uai":
		return fAttachmentUAI
	case "birth_date":
		return fBirthDate
	case "birth_name":
		return fBirthName
	case "civility":
		return fCivility
	case "code":
		return fCode
	case "contract":
		return fContract
	case "degree":
		return fDegree
	case "disciplines":
		return fDisciplines
	case "divisions":
		return fDivisions
	case "email":
		return fEmail
	case "establishments":
		return fEstablishments
	case "first_name":
		return fFirstName
	case "functional_attachment":
		return fFunctionalAttachment
	case "gar_enabled":
		return fGAREnabled
	case "group":
		return fGroup
	case "groups":
		return fGroups
	case "id":
		return fID
	case "label":
		return fLabel
	case "last_name":
		return fLastName
	case "mails":
		return fMails
	case "mefs":
		return fMEFs
	case "mefstat11":
		return fMEFSTAT11
	case "mefstat4":
		return fMEFSTAT4
	case "name":
		return fName
	case "other_first_names":
		return fOtherFirstNames
	case "phone":
		return fPhone
	case "profiles":
		return fProfiles
	case "schools":
		return fSchools
	case "secondary_id":
		return fSecondaryID
	case "status":
		return fStatus
	case "subjects":
		return fSubjects
	case "teaching":
		return fTeaching
	case "uai":
		return fUAI
	}
	return fUnknown
}

// The methods below decode the members of an object whose '{' has been
// consumed. Error paths are those decodeJSON reports: JSON names joined
// with dots, without array indexes or embedded structs.

func (d *decoder) establishment(e *Establishment) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fUAI:
			d.str(&e.UAI, "uai", "string")
		case fDegree:
			d.degree(&e.Degree, "degree")
		case fName:
			d.str(&e.Name, "name", "string")
		case fGAREnabled:
			d.boolean(&e.GAREnabled, "gar_enabled")
		case fContract:
			d.str(&e.Contract, "contract", "string")
		case fPhone:
			d.str(&e.Phone, "phone", "string")
		case fEmail:
			d.str(&e.Email, "email", "string")
		case fFunctionalAttachment:
			d.str(&e.FunctionalAttachment, "functional_attachment", "string")
		default:
			d.unknown(name)
		}
	}
}

func (d *decoder) mef(m *MEF) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fUAI:
			d.str(&m.UAI, "uai", "string")
		case fCode:
			d.str(&m.Code, "code", "string")
		case fLabel:
			d.str(&m.Label, "label", "string")
		case fAttachment:
			d.str(&m.Attachment, "attachment", "string")
		case fMEFSTAT11:
			d.str(&m.MEFSTAT11, "mefstat11", "string")
		default:
			d.unknown(name)
		}
	}
}

func (d *decoder) subject(s *Subject) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fUAI:
			d.str(&s.UAI, "uai", "string")
		case fCode:
			d.str(&s.Code, "code", "string")
		case fLabel:
			d.str(&s.Label, "label", "string")
		default:
			d.unknown(name)
		}
	}
}

func (d *decoder) group(g *Group) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fUAI:
			d.str(&g.UAI, "uai", "string")
		case fCode:
			d.str(&g.Code, "code", "string")
		case fLabel:
			d.str(&g.Label, "label", "string")
		case fStatus:
			d.str(&g.Status, "status", "string")
		case fDivisions:
			decodeSlice(d, &g.Divisions, "divisions", "[]string", "string")
		default:
			d.unknown(name)
		}
	}
}

// identity decodes f if it is a field of Identity, and reports whether it
// was.
func (d *decoder) identity(f field, id *Identity) bool {
	switch f {
	case fID:
		d.str(&id.ID, "id", "string")
	case fSecondaryID:
		d.str(&id.SecondaryID, "secondary_id", "string")
	case fLastName:
		d.str(&id.LastName, "last_name", "string")
	case fBirthName:
		d.str(&id.BirthName, "birth_name", "string")
	case fFirstName:
		d.str(&id.FirstName, "first_name", "string")
	case fOtherFirstNames:
		decodeSlice(d, &id.OtherFirstNames, "other_first_names", "[]string", "string")
	case fCivility:
		d.str(&id.Civility, "civility", "string")
	case fBirthDate:
		d.str(&id.BirthDate, "birth_date", "string")
	case fAttachmentUAI:
		d.str(&id.AttachmentUAI, "attachment_uai", "string")
	default:
		return false
	}
	return true
}

func (d *decoder) pupil(p *Pupil) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch f := lookup(name); f {
		case fSchools:
			decodeSlice(d, &p.Schools, "schools", "[]source.PupilSchool", "source.PupilSchool")
		default:
			if !d.identity(f, &p.Identity) {
				d.unknown(name)
			}
		}
	}
}

func (d *decoder) pupilSchool(s *PupilSchool) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fUAI:
			d.str(&s.UAI, "schools.uai", "string")
		case fMEFs:
			decodeSlice(d, &s.MEFs, "schools.mefs", "[]string", "string")
		case fMEFSTAT4:
			decodeSlice(d, &s.MEFSTAT4, "schools.mefstat4", "[]string", "string")
		case fSubjects:
			decodeSlice(d, &s.Subjects, "schools.subjects", "[]string", "string")
		case fGroups:
			decodeSlice(d, &s.Groups, "schools.groups", "[]string", "string")
		default:
			d.unknown(name)
		}
	}
}

func (d *decoder) staff(s *Staff) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch f := lookup(name); f {
		case fMails:
			decodeSlice(d, &s.Mails, "mails", "[]string", "string")
		case fSchools:
			decodeSlice(d, &s.Schools, "schools", "[]source.StaffSchool", "source.StaffSchool")
		default:
			if !d.identity(f, &s.Identity) {
				d.unknown(name)
			}
		}
	}
}

func (d *decoder) staffSchool(s *StaffSchool) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fUAI:
			d.str(&s.UAI, "schools.uai", "string")
		case fProfiles:
			decodeSlice(d, &s.Profiles, "schools.profiles", "[]gar.Profile", "gar.Profile")
		case fDisciplines:
			decodeSlice(d, &s.Disciplines, "schools.disciplines", "[]string", "string")
		case fMEFs:
			decodeSlice(d, &s.MEFs, "schools.mefs", "[]string", "string")
		case fMEFSTAT4:
			decodeSlice(d, &s.MEFSTAT4, "schools.mefstat4", "[]string", "string")
		case fGroups:
			decodeSlice(d, &s.Groups, "schools.groups", "[]string", "string")
		case fTeaching:
			decodeSlice(d, &s.Teaching, "schools.teaching", "[]source.Teaching", "source.Teaching")
		default:
			d.unknown(name)
		}
	}
}

func (d *decoder) teaching(t *Teaching) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fGroup:
			d.str(&t.Group, "schools.teaching.group", "string")
		case fSubjects:
			decodeSlice(d, &t.Subjects, "schools.teaching.subjects", "[]string", "string")
		default:
			d.unknown(name)
		}
	}
}

func (d *decoder) respAff(r *RespAff) {
	for first := true; ; first = false {
		name, ok := d.member(first)
		if !ok {
			return
		}
		switch lookup(name) {
		case fID:
			d.str(&r.ID, "id", "string")
		case fLastName:
			d.str(&r.LastName, "last_name", "string")
		case fFirstName:
			d.str(&r.FirstName, "first_name", "string")
		case fCivility:
			d.str(&r.Civility, "civility", "string")
		case fMails:
			decodeSlice(d, &r.Mails, "mails", "[]string", "string")
		case fEstablishments:
			decodeSlice(d, &r.Establishments, "establishments", "[]string", "string")
		default:
			d.unknown(name)
		}
	}
}
