package gar

import "time"

// The folders of GAR's SFTP server (§5.2.1). Each except Analyseur holds one
// sub-folder per ENT project, named after its idENT.
const (
	// FolderEntrant receives the ENT's archives and MD5 files (read/write).
	FolderEntrant = "ENTRANT"
	// FolderSucces receives the archives GAR integrated (read-only).
	FolderSucces = "SUCCES"
	// FolderSuccesPartiel receives the archives GAR integrated in part
	// (read-only).
	FolderSuccesPartiel = "SUCCES_PARTIEL"
	// FolderErreur receives rejected archives and MD5 files, and GAR's error
	// reports (read-only).
	FolderErreur = "ERREUR"
	// FolderIgnore receives the archives GAR did not process because a more
	// recent one of the same degree was in ENTRANT (read-only).
	FolderIgnore = "IGNORE"
	// FolderMigrationIDO receives the IDO continuity files (§5.9,
	// read/write).
	FolderMigrationIDO = "MIGRATION_IDO"
	// FolderAnalyseur, on the pre-production platform only, receives
	// archives (without MD5) for an immediate analysis by e-mail (§5.8,
	// read/write). It has no per-ENT sub-folder.
	FolderAnalyseur = "ANALYSEUR"
)

// IdentFolders returns the folders that hold one sub-folder per idENT.
func IdentFolders() []string {
	return []string{FolderEntrant, FolderSucces, FolderSuccesPartiel, FolderErreur, FolderIgnore, FolderMigrationIDO}
}

// DepositWindow is the longest delay GAR accepts between an archive and its
// MD5 file (§5.2.2.7: "un délai maximum entre chaque fichier de 2 heures").
const DepositWindow = 2 * time.Hour
