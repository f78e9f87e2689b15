package analyse

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/entgar/entgar/gar"
)

// PreviousArchive returns the newest archive in dir older than archive with
// the same idENT and degree, or "" when there is none: what `entgar export`
// compares a new archive with for the mass-deletion guard.
func PreviousArchive(dir, archive string) (string, error) {
	cur, err := gar.ParseName(filepath.Base(archive))
	if err != nil || cur.Kind != gar.KindArchive {
		return "", fmt.Errorf("previous archive of %s: not an archive name", archive)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("previous archive of %s: %w", archive, err)
	}
	best := ""
	var bestName gar.Name
	for _, e := range entries {
		n, err := gar.ParseName(e.Name())
		if err != nil || n.Kind != gar.KindArchive || !e.Type().IsRegular() {
			continue
		}
		if n.Ident != cur.Ident || n.Degree != cur.Degree || !n.Timestamp.Before(cur.Timestamp) {
			continue
		}
		if best == "" || n.Timestamp.After(bestName.Timestamp) {
			best, bestName = filepath.Join(dir, e.Name()), n
		}
	}
	return best, nil
}
