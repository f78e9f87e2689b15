// Package source defines entgar's canonical input: what an ENT knows about
// its establishments and users, in the shape the GAR export needs, and reads
// it from a directory of JSON Lines files (see docs/source-format.md).
//
// A Source yields records one at a time so that the export never holds the
// users of an ENT in memory. Records that cannot be decoded are handed to the
// caller with their position and the reason, never dropped silently: the
// caller decides whether a bad record is skipped or fails the run.
package source
