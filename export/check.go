package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
)

// fieldError is the reason a value cannot be exported, naming the field as
// the source spells it.
type fieldError struct {
	field  string
	reason string
}

func (e *fieldError) Error() string { return fmt.Sprintf("field %q: %s", e.field, e.reason) }

// text returns v trimmed, after checking it is valid XML text of at most
// max characters. A required field that ends up empty is an error.
func text(field, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			return "", &fieldError{field, "missing or empty"}
		}
		return "", nil
	}
	if err := checkXMLText(v); err != nil {
		return "", &fieldError{field, err.Error()}
	}
	if gar.TooLong(v, max) {
		return "", &fieldError{field, fmt.Sprintf("longer than %d characters (%d)", max, len([]rune(v)))}
	}
	return v, nil
}

// code is text for the four case-insensitive keys, normalised upper-case
// without accents as §5.3 recommends.
func code(field, v string, max int, required bool) (string, error) {
	v, err := text(field, v, max, required)
	if err != nil || v == "" {
		return v, err
	}
	v = gar.NormalizeCode(v)
	if gar.TooLong(v, max) {
		return "", &fieldError{field, fmt.Sprintf("longer than %d characters once normalised", max)}
	}
	return v, nil
}

// key checks a case-sensitive identifier (GARPersonIdentifiant): it is sent
// exactly as given, so surrounding spaces are an error rather than trimmed
// away into a different key.
func key(field, v string, max int) (string, error) {
	if v == "" {
		return "", &fieldError{field, "missing or empty"}
	}
	if strings.TrimSpace(v) != v {
		return "", &fieldError{field, "has leading or trailing spaces (identifiers are sent as they are)"}
	}
	if err := checkXMLText(v); err != nil {
		return "", &fieldError{field, err.Error()}
	}
	if gar.TooLong(v, max) {
		return "", &fieldError{field, fmt.Sprintf("longer than %d characters (%d)", max, len([]rune(v)))}
	}
	return v, nil
}

func date(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", &fieldError{field, fmt.Sprintf("%q is not a date YYYY-MM-DD", v)}
	}
	return v, nil
}

// texts checks a list, dropping empty entries and repeats.
func texts(field string, vs []string, max int, norm bool) ([]string, error) {
	var out []string
	for _, v := range vs {
		var err error
		if norm {
			v, err = code(field, v, max, false)
		} else {
			v, err = text(field, v, max, false)
		}
		if err != nil {
			return nil, err
		}
		if v != "" && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
