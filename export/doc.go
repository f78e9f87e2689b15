// Package export builds the nightly GAR archives: it reads an ENT's
// canonical records (package source), checks and normalises them as the
// reference asks (§5), and streams them into one tar.gz per degree, each XML
// file split into sub-files of at most MaxNodes top-level nodes, with the
// archive's MD5 computed while it is written.
//
// Memory does not grow with the number of users: records are processed one
// at a time, nodes that the grammar wants later in a file are spilled to
// disk until their section comes, and only the sub-file being filled is held
// in memory. Files are written under temporary names and renamed when the
// whole run has succeeded, so a failed run leaves nothing that looks like an
// archive.
package export
