package gar

import "fmt"

// Degree is a teaching degree: GAR keeps primary schools (1D) and secondary
// establishments (2D) in separate archives with separate grammars.
type Degree int

const (
	// D1 is the first degree ("premier degré"): primary schools.
	D1 Degree = 1
	// D2 is the second degree ("second degré"): collèges and lycées.
	D2 Degree = 2
)

// Degrees lists both degrees in the order entgar processes them.
var Degrees = []Degree{D1, D2}

// String returns "1D" or "2D", the spelling used in GAR file names.
func (d Degree) String() string {
	switch d {
	case D1:
		return "1D"
	case D2:
		return "2D"
	}
	return fmt.Sprintf("Degree(%d)", int(d))
}

// Valid reports whether d is D1 or D2.
func (d Degree) Valid() bool { return d == D1 || d == D2 }

// ParseDegree accepts "1D" or "2D" (case-insensitive).
func ParseDegree(s string) (Degree, error) {
	switch s {
	case "1D", "1d":
		return D1, nil
	case "2D", "2d":
		return D2, nil
	}
	return 0, fmt.Errorf("unknown degree %q (want 1D or 2D)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (d Degree) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("invalid degree %d", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Degree) UnmarshalText(b []byte) error {
	v, err := ParseDegree(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Namespace returns the target namespace of the degree's GAR-ENT grammar.
func (d Degree) Namespace() string {
	if d == D1 {
		return "http://data.education.fr/ns/gar/1d"
	}
	return "http://data.education.fr/ns/gar"
}

// GrammarVersion is the version of the GAR-ENT grammar entgar writes for the
// degree (2D v1.7, 1D v1.4). It is written in the root's required Version
// attribute, which the grammar types as a free string.
func (d Degree) GrammarVersion() string {
	if d == D1 {
		return "1.4"
	}
	return "1.7"
}
