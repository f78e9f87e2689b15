// Package analyseur deposits an archive in GAR's ANALYSEUR folder (§5.8):
// on the pre-production platform, GAR analyses an archive put there (no MD5
// needed) and mails the report within about 5 to 40 minutes, then destroys
// the data. The reference forbids automating it ("le dépôt d'archive ENT
// dans l'analyseur ne doit pas être automatisé"): callers must make sure a
// person asked for it (see cmd/entgar, which requires a terminal).
package analyseur

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/entgar/entgar/gar"
)

// Putter writes a file on the server atomically (export/sftp.Client.Put).
type Putter interface {
	Put(ctx context.Context, dir, name string, r io.Reader) error
}

// Deposit puts the archive at path into ANALYSEUR under its own name, which
// must be a GAR archive name. Its .MD5 is not sent: the analyser does not
// want it.
func Deposit(ctx context.Context, p Putter, path string) (string, error) {
	name := filepath.Base(path)
	n, err := gar.ParseName(name)
	if err != nil {
		return "", fmt.Errorf("analyseur: %w", err)
	}
	if n.Kind != gar.KindArchive {
		return "", fmt.Errorf("analyseur: %s is not an archive (.tar.gz)", name)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("analyseur: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("analyseur: %s is not a regular file", path)
	}
	if err := p.Put(ctx, gar.FolderAnalyseur, name, f); err != nil {
		return "", fmt.Errorf("analyseur: put %s: %w", name, err)
	}
	return gar.FolderAnalyseur + "/" + name, nil
}
