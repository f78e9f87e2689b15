// Package xsd holds the GAR-ENT grammars of both degrees, defined once in Go
// (element order, cardinalities, simple types and their lengths, dates, the
// required Version attribute, namespaces and the xs:key functional keys), and
// validates documents against them while streaming.
//
// The grammars are written from the official GAR-ENT-1D.xsd (v1.4) and
// GAR-ENT-2D.xsd (v1.7). The package does not read those files: a
// differential test runs this validator and an XSD engine loading the
// official files on the same corpus and requires the same verdicts.
//
// Validation reads the document once through a small buffer. Memory is
// constant apart from the per-document sets of functional keys that xs:key
// requires. Every error carries the line and column where it was found.
package xsd
