// Package ido builds and delivers the IDO continuity file (reference §5.9):
// when people move from another ENT project to ours, GAR recomputes their
// opaque identifiers (IDO) identically, so that their personalisation of
// resources survives, if we deposit in MIGRATION_IDO/{idENT}, after an
// archive of ours was integrated, a CSV named
// <code cible>_GAR-ENT_Transfert_<AAAAMMJJ_hhmmss>.csv (UTF-8 without BOM,
// CRLF) whose lines are
// "GarPersonIdentifiant source;code ENT source;nouveau GarPersonIdentifiant;code ENT cible"
// and whose stamp is that of the last archive GAR integrated.
//
// The input is a mapping file in the format ParseMapping documents.
package ido
