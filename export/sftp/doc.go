// Package sftp delivers files to GAR's SFTP server: a client that
// authenticates with a private key, checks the server's host key strictly
// against a known_hosts file, reconnects and retries with backoff, and puts
// every file under a temporary name before renaming it, so that nothing
// partial is ever visible under a final name.
//
// Paths given to a Client are relative to Config.Root, the remote directory
// that holds GAR's folders (ENTRANT/, SUCCES/, SUCCES_PARTIEL/, ERREUR/,
// IGNORE/, MIGRATION_IDO/, ANALYSEUR/; reference §5.2).
//
// Upload delivers one export archive and its .MD5 to ENTRANT/{idENT} the
// way GAR's collecte expects (docs/delivery.md): older archives of ours for
// the same degree are removed first, the archive goes in place before its
// MD5, and both arrive within the reference's two-hour window.
package sftp
