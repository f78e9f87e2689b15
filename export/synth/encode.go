package synth

import (
	"unicode/utf8"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// The encoders below write exactly what encoding/json.Marshal writes for the
// record types (field order, omitempty, HTML-safe escaping), without
// reflection or allocation: pupils and staff are most of the run time.
// synth_test.go checks the equivalence on every generated line.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped the way encoding/json
// escapes it by default.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendField appends ,"key":"value"; key is a literal without escapes.
func appendField(b []byte, key, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// appendOpt is appendField for an omitempty field.
func appendOpt(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendField(b, key, v)
}

// appendList appends ,"key":[...]: null for a nil slice, as encoding/json.
func appendList(b []byte, key string, vs []string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendStrings(b, vs)
}

// appendListOpt is appendList for an omitempty field.
func appendListOpt(b []byte, key string, vs []string) []byte {
	if len(vs) == 0 {
		return b
	}
	return appendList(b, key, vs)
}

func appendStrings(b []byte, vs []string) []byte {
	if vs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendEstablishment(b []byte, e *source.Establishment) []byte {
	b = append(b, `{"uai":`...)
	b = appendString(b, e.UAI)
	b = appendField(b, "degree", e.Degree.String())
	b = appendField(b, "name", e.Name)
	if e.GAREnabled {
		b = append(b, `,"gar_enabled":true`...)
	} else {
		b = append(b, `,"gar_enabled":false`...)
	}
	b = appendOpt(b, "contract", e.Contract)
	b = appendOpt(b, "phone", e.Phone)
	b = appendOpt(b, "email", e.Email)
	b = appendOpt(b, "functional_attachment", e.FunctionalAttachment)
	return append(b, '}', '\n')
}

func appendMEF(b []byte, m *source.MEF) []byte {
	b = append(b, `{"uai":`...)
	b = appendString(b, m.UAI)
	b = appendField(b, "code", m.Code)
	b = appendField(b, "label", m.Label)
	b = appendOpt(b, "attachment", m.Attachment)
	b = appendOpt(b, "mefstat11", m.MEFSTAT11)
	return append(b, '}', '\n')
}

func appendSubject(b []byte, s *source.Subject) []byte {
	b = append(b, `{"uai":`...)
	b = appendString(b, s.UAI)
	b = appendField(b, "code", s.Code)
	b = appendField(b, "label", s.Label)
	return append(b, '}', '\n')
}

func appendGroup(b []byte, g *source.Group) []byte {
	b = append(b, `{"uai":`...)
	b = appendString(b, g.UAI)
	b = appendField(b, "code", g.Code)
	b = appendField(b, "label", g.Label)
	b = appendField(b, "status", g.Status)
	b = appendListOpt(b, "divisions", g.Divisions)
	return append(b, '}', '\n')
}

// appendIdentity appends the fields of an Identity without the closing
// brace: Pupil and Staff embed it and go on with their own fields.
func appendIdentity(b []byte, id *source.Identity) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id.ID)
	b = appendOpt(b, "secondary_id", id.SecondaryID)
	b = appendField(b, "last_name", id.LastName)
	b = appendOpt(b, "birth_name", id.BirthName)
	b = appendField(b, "first_name", id.FirstName)
	b = appendListOpt(b, "other_first_names", id.OtherFirstNames)
	b = appendOpt(b, "civility", id.Civility)
	b = appendOpt(b, "birth_date", id.BirthDate)
	return appendOpt(b, "attachment_uai", id.AttachmentUAI)
}

func appendPupil(b []byte, p *source.Pupil) []byte {
	b = appendIdentity(b, &p.Identity)
	b = append(b, `,"schools":`...)
	if p.Schools == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Schools {
			s := &p.Schools[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"uai":`...)
			b = appendString(b, s.UAI)
			b = appendListOpt(b, "mefs", s.MEFs)
			b = appendListOpt(b, "mefstat4", s.MEFSTAT4)
			b = appendListOpt(b, "subjects", s.Subjects)
			b = appendListOpt(b, "groups", s.Groups)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}', '\n')
}

func appendProfiles(b []byte, ps []gar.Profile) []byte {
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(p))
	}
	return append(b, ']')
}

func appendStaff(b []byte, st *source.Staff) []byte {
	b = appendIdentity(b, &st.Identity)
	b = appendListOpt(b, "mails", st.Mails)
	b = append(b, `,"schools":`...)
	if st.Schools == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range st.Schools {
			s := &st.Schools[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"uai":`...)
			b = appendString(b, s.UAI)
			b = append(b, `,"profiles":`...)
			b = appendProfiles(b, s.Profiles)
			b = appendListOpt(b, "disciplines", s.Disciplines)
			b = appendListOpt(b, "mefs", s.MEFs)
			b = appendListOpt(b, "mefstat4", s.MEFSTAT4)
			b = appendListOpt(b, "groups", s.Groups)
			if len(s.Teaching) > 0 {
				b = append(b, `,"teaching":[`...)
				for j := range s.Teaching {
					t := &s.Teaching[j]
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, `{"group":`...)
					b = appendString(b, t.Group)
					b = appendList(b, "subjects", t.Subjects)
					b = append(b, '}')
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}', '\n')
}

func appendRespAff(b []byte, ra *source.RespAff) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, ra.ID)
	b = appendField(b, "last_name", ra.LastName)
	b = appendField(b, "first_name", ra.FirstName)
	b = appendOpt(b, "civility", ra.Civility)
	b = appendList(b, "mails", ra.Mails)
	b = appendList(b, "establishments", ra.Establishments)
	return append(b, '}', '\n')
}
