package garsim

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/entgar/entgar/gar"
)

// MakeLayout creates GAR's folders under root: every per-ENT folder for each
// idENT, and ANALYSEUR. Existing folders are kept with their content.
func MakeLayout(root string, idents []string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("garsim root %s: %w", root, err)
	}
	for _, f := range gar.IdentFolders() {
		for _, id := range idents {
			if err := os.MkdirAll(filepath.Join(root, f, id), 0o755); err != nil {
				return fmt.Errorf("garsim layout: %w", err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(root, gar.FolderAnalyseur), 0o755); err != nil {
		return fmt.Errorf("garsim layout: %w", err)
	}
	return nil
}

// policy says what an ENT may do where, following §5.2.1.
type policy struct {
	idents map[string]bool
	// only, when set, is the one idENT whose folders the connection may
	// see: GAR gives each ENT its own account.
	only string
}

// confinedTo returns p restricted to the folders of ident (and ANALYSEUR).
func (p policy) confinedTo(ident string) policy {
	return policy{idents: map[string]bool{ident: true}, only: ident}
}

// visible reports whether rel may be read or listed: with a confined
// policy, nothing under another idENT's folders.
func (p policy) visible(rel string) bool {
	if p.only == "" {
		return true
	}
	parts := strings.Split(rel, "/")
	return len(parts) < 2 || !slices.Contains(gar.IdentFolders(), parts[0]) || parts[1] == p.only
}

func newPolicy(idents []string) policy {
	p := policy{idents: make(map[string]bool, len(idents))}
	for _, id := range idents {
		p.idents[id] = true
	}
	return p
}

// writable reports whether rel, a cleaned slash path relative to the root,
// names a file the ENT may create, overwrite, rename or remove: a file
// directly in ENTRANT/{idENT}, MIGRATION_IDO/{idENT} or ANALYSEUR.
func (p policy) writable(rel string) bool {
	parts := strings.Split(rel, "/")
	switch {
	case len(parts) == 3 && (parts[0] == gar.FolderEntrant || parts[0] == gar.FolderMigrationIDO):
		return p.idents[parts[1]] && parts[2] != ""
	case len(parts) == 2 && parts[0] == gar.FolderAnalyseur:
		return parts[1] != ""
	}
	return false
}

// relPath turns an SFTP request path into a path relative to the root for
// os.Root. The request server already resolved it against "/", so ".." can
// no longer climb above the root (as in an OpenSSH chroot); a ".." left
// over, a NUL byte or a backslash is refused outright rather than
// interpreted.
func relPath(p string) (string, error) {
	if strings.ContainsAny(p, "\x00\\") {
		return "", fmt.Errorf("%q: invalid path: %w", p, errDenied)
	}
	c := path.Clean("/" + p)
	for _, part := range strings.Split(c, "/") {
		if part == ".." {
			return "", fmt.Errorf("%q: path leaves the root: %w", p, errDenied)
		}
	}
	if c == "/" {
		return ".", nil
	}
	return c[1:], nil
}
