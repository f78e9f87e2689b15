// Package garsim simulates the parts of GAR that an ENT connector talks to,
// so that entgar (and any other connector) can be tested end to end without
// GAR's platforms.
//
// The SFTP side (SFTPServer, Collecte) follows the reference RTFS GAR-ENT
// v8.2, §5.2, §5.4-5.6 and §5.8:
//
//   - an SSH server (golang.org/x/crypto/ssh) with public-key authentication
//     against an authorized_keys file and its own host key, serving SFTP
//     (github.com/pkg/sftp request server) confined to one directory: every
//     path is resolved inside it through os.Root, so that "..", absolute
//     paths and symbolic links cannot reach outside;
//   - GAR's folder layout per idENT: ENTRANT/{idENT} and MIGRATION_IDO/{idENT}
//     read/write, SUCCES, SUCCES_PARTIEL, ERREUR and IGNORE read-only (writes
//     are answered "permission denied"), ANALYSEUR read/write;
//   - a collecte that, like GAR's, polls ENTRANT: it leaves alone names that
//     are not final archive or MD5 names (temporary upload names), pairs each
//     archive with its MD5 within the 2-hour window, keeps only the most
//     recent archive per degree (moving the others to IGNORE), checks naming
//     and MD5, analyses the content with a Checker, moves the archive and its
//     MD5 to SUCCES, SUCCES_PARTIEL or ERREUR, and writes the error report
//     and the ignored-data report in the layout documented in
//     export/results (inferred from §5.5.4, since GAR publishes no sample).
//
// The médiacentre side (listeRessources over mutual TLS, Mediacentre) lives
// in the mediacentre*.go and ca.go files; Config holds both sides so that
// Run, behind `entgar garsim`, serves them side by side, the médiacentre
// answering for the people of the archives the collecte integrated.
//
// garsim is a test peer and a rehearsal tool, not GAR: its accounts are
// keys (a key may be confined to one idENT's folders), it keeps no database
// (the écarts and the mass-deletion control are the Checker's, against the
// previous integrated archive), and it logs what GAR would send by e-mail.
package garsim
