package analyse

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// caseHints finds, for the person references about to be reported, a
// person of the archive whose identifier differs only by case: GAR's
// identifiers are case-sensitive, so "e1" does not refer to "E1". Persons
// are kept as fingerprints, so this reads the Eleve and Enseignant files
// again, and only when such references exist. It returns lower-cased
// identifier -> identifier as the archive defines it.
func (a *analysis) caseHints(ctx context.Context, path string, shown []pendingExample) (map[string]string, error) {
	want := map[string]string{}
	for _, e := range shown {
		if e.control == CtlRefPerson {
			want[strings.ToLower(e.msg.args[0])] = e.msg.args[0]
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	found := map[string]string{}
	_, _, _, _, err = readTar(f, a.opts.Limits, func(e entry) error {
		n, err := gar.ParseName(e.Name)
		if err != nil || n.Kind != gar.KindXML || (n.Type != gar.FileEleve && n.Type != gar.FileEnseignant) {
			_, err := io.Copy(io.Discard, e.Body)
			return err
		}
		_, err = a.grammar.Validate(ctx, e.Body, xsd.Options{OnNode: func(node *xsd.Node) {
			if node.Name != "GAREleve" && node.Name != "GAREnseignant" {
				return
			}
			id := node.Get("GARPersonIdentifiant")
			lower := strings.ToLower(string(id))
			if orig, ok := want[lower]; ok && orig != string(id) {
				found[lower] = string(id)
			}
		}})
		return err
	})
	return found, err
}
