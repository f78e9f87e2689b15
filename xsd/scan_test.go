package xsd_test

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

const etabOpen = `<?xml version="1.0" encoding="UTF-8"?>
<men:GAR-ENT-Etab xmlns:men="http://data.education.fr/ns/gar" Version="1.7">`

func etabDoc(nom string) string {
	return etabOpen + `<men:GAREtab><men:GARStructureUAI>0860003L</men:GARStructureUAI>` +
		`<men:GARStructureNomCourant>` + nom + `</men:GARStructureNomCourant></men:GAREtab></men:GAR-ENT-Etab>`
}

// Character references may carry leading zeros: XML puts no bound on the
// digits, and xmllint --schema accepts them.
func TestCharRefLeadingZeros(t *testing.T) {
	for _, tc := range []struct {
		ref   string
		valid bool
	}{
		{"&#x0000000041;", true},
		{"&#00000000065;", true},
		{"&#x000000000000000000000000E9;", true},
		{"&#x00000000;", false},
		{"&#x0000110000;", false},
		{"&#x;", false},
		{"&#;", false},
	} {
		r, err := xsd.For(gar.D2).Validate(context.Background(), strings.NewReader(etabDoc(tc.ref)), xsd.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Valid() != tc.valid {
			t.Errorf("%s: valid %v, want %v (%v)", tc.ref, r.Valid(), tc.valid, r.Errors)
		}
	}
}

// A deeply nested document (a few megabytes of "<a>", a gzip bomb once
// compressed) must be refused at a small depth, not grow the scanner's and
// the validator's stacks with it.
func TestDeepNestingBounded(t *testing.T) {
	const depth = 1 << 16
	var b bytes.Buffer
	b.WriteString(etabOpen)
	for range depth {
		b.WriteString("<men:GAREtab>")
	}
	doc := b.Bytes()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := xsd.For(gar.D2).Validate(context.Background(), bytes.NewReader(doc), xsd.Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if r.Valid() || !strings.Contains(r.Errors[len(r.Errors)-1].Message, "nested") {
		t.Fatalf("want a nesting error, got %v", r.Errors)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("validating %d nested elements allocated %d bytes", depth, alloc)
	}
}

// A start tag of thousands of attributes is refused at once, with one
// error rather than one per attribute.
func TestManyAttributesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<men:GAR-ENT-Etab xmlns:men="http://data.education.fr/ns/gar" Version="1.7"`)
	for i := range 20000 {
		b.WriteString(` a` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `_` + strconv.Itoa(i) + `=""`)
	}
	b.WriteString(`/>`)
	r, err := xsd.For(gar.D2).Validate(context.Background(), strings.NewReader(b.String()), xsd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.ErrorCount != 1 || !strings.Contains(r.Errors[0].Message, "more than 256 attributes") {
		t.Fatalf("want one error for too many attributes, got %d: %v", r.ErrorCount, r.Errors[:min(3, len(r.Errors))])
	}
}
