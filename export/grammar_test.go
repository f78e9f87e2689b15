package export

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/xmllint"
	"github.com/entgar/entgar/xsd"
)

// mustValidate checks files against the project's grammar (package xsd,
// the single source of truth, whose own tests prove it equal to the
// official XSDs), each against the root of the type its name says, then
// with xmllint against the official XSD when it is at hand.
func mustValidate(t *testing.T, d gar.Degree, paths ...string) {
	t.Helper()
	g := xsd.For(d)
	for _, p := range paths {
		n, err := gar.ParseName(filepath.Base(p))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := g.Validate(context.Background(), f, xsd.Options{Type: n.Type})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !res.Valid() {
			t.Fatalf("%s breaks the GAR-ENT %s grammar: %v", filepath.Base(p), d, res.Errors)
		}
	}
	xmllint.MustValidate(t, xmllint.Schema(t, d), paths...)
}
