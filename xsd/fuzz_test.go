package xsd_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"testing"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// FuzzValidate feeds arbitrary documents to both grammars. The validator
// must not panic, must locate every error, and must not accept as
// well-formed a document that encoding/xml's strict parser rejects.
func FuzzValidate(f *testing.F) {
	for _, d := range gar.Degrees {
		g := xsd.For(d)
		for _, ft := range gar.FileTypes {
			for i, c := range corpus(g, ft) {
				if i%7 == 0 {
					f.Add(c.doc)
				}
			}
		}
	}
	f.Add([]byte("\xef\xbb\xbf<?xml version='1.0'?><a xmlns='x'>&#x10FFFF;<![CDATA[]]]]><!----></a>"))
	f.Add([]byte("<a b='1' b='2'/>"))
	f.Add([]byte("<a:b xmlns:a='u'></a:b><!-- -- -->"))
	grammars := []*xsd.Grammar{xsd.For(gar.D1), xsd.For(gar.D2)}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, g := range grammars {
			res, err := g.Validate(context.Background(), bytes.NewReader(doc), xsd.Options{})
			if err != nil {
				t.Fatalf("error on an in-memory document: %v", err)
			}
			if in, err := g.NewValidator().ValidateBytes(context.Background(), doc, xsd.Options{}); err != nil || in.ErrorCount != res.ErrorCount {
				t.Fatalf("ValidateBytes found %d errors (%v), Validate %d", in.ErrorCount, err, res.ErrorCount)
			}
			wellFormed := true
			for _, e := range res.Errors {
				if e.Line < 1 || e.Column < 1 {
					t.Fatalf("error without a location: %+v", e)
				}
				if e.Code == xsd.CodeXML {
					wellFormed = false
				}
			}
			if wellFormed && !stdlibParses(doc) {
				t.Fatalf("accepted as well-formed, encoding/xml disagrees: %q", doc)
			}
		}
	})
}

func stdlibParses(doc []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
