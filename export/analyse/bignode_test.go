package analyse

import (
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
)

// A node of more values than the analyser keeps is valid for the grammar:
// the archive stays clean, and the report says which checks were partial.
func TestTruncatedNodeWarns(t *testing.T) {
	d := base2D()
	profils := el("GARPersonProfils", leaf("GARStructureUAI", uai), leaf("GARPersonProfil", "National_elv"))
	big := strings.Replace(pupil("E2", uai), profils, strings.Repeat(profils, 10_000), 1)
	rep := analyseFiles(t, d.archiveName(), mutate(d, func(d *docs) { replaceNode(d, gar.FileEleve, 1, big) }), Options{})
	fs := findingsOf(rep, CtlRefUnchecked)
	if rep.Verdict != Clean || len(fs) != 1 || fs[0].Element != "GAREleve" || fs[0].Line == 0 {
		t.Fatalf("want clean with one ref.unchecked warning on the GAREleve, got\n%s", dump(rep))
	}
}
