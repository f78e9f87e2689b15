package xsd_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// The grammar lets a GAREleve repeat GARPersonProfils without limit: a
// node of 200,000 of them is valid, and what the node keeps of its values
// must stay bounded (it grew with the node: 790 MB of RSS for one node of
// a 500 MB file).
func TestNodeValuesBounded(t *testing.T) {
	const profiles = 200_000
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<men:GAR-ENT-Eleve xmlns:men="http://data.education.fr/ns/gar" Version="1.7"><men:GAREleve>
<men:GARPersonIdentifiant>E1</men:GARPersonIdentifiant>`)
	for range profiles {
		b.WriteString("<men:GARPersonProfils><men:GARStructureUAI>0860003L</men:GARStructureUAI><men:GARPersonProfil>National_elv</men:GARPersonProfil></men:GARPersonProfils>\n")
	}
	b.WriteString(`<men:GARPersonNom>N</men:GARPersonNom><men:GARPersonPrenom>P</men:GARPersonPrenom><men:GARPersonAutresPrenoms>P</men:GARPersonAutresPrenoms>
<men:GARPersonCivilite>M.</men:GARPersonCivilite><men:GARPersonStructRattach>0860003L</men:GARPersonStructRattach>
<men:GARPersonEtab>0860003L</men:GARPersonEtab><men:GARPersonDateNaissance>2011-02-03</men:GARPersonDateNaissance>
</men:GAREleve></men:GAR-ENT-Eleve>`)
	var (
		fields    int
		truncated bool
		id        string
		log       xsd.NodeLog
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := xsd.For(gar.D2).Validate(context.Background(), bytes.NewReader(b.Bytes()), xsd.Options{Type: gar.FileEleve, OnNode: func(n *xsd.Node) {
		fields, truncated, id = len(n.Fields), n.Truncated, string(n.Get("GARPersonIdentifiant"))
		log.Add(n)
	}})
	runtime.ReadMemStats(&after)
	if err != nil || !r.Valid() {
		t.Fatalf("want a valid document, got %v %v", err, r.Errors)
	}
	if !truncated || fields > 1<<14 || id != "E1" {
		t.Errorf("node kept %d fields (truncated %v, key %q), want at most %d, truncated, key E1", fields, truncated, id, 1<<14)
	}
	log.Replay(func(n *xsd.Node) {
		if !n.Truncated {
			t.Error("the node log lost Truncated")
		}
	})
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("validating one node of %d profiles allocated %d MiB", profiles, alloc>>20)
	}
}
