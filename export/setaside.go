package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/entgar/entgar/gar"
)

// RefusedDir is the folder of the out directory holding the archives that
// the analysis after an export refused to deliver.
const RefusedDir = "refused"

// SetAside moves an archive written in the out directory dir, with its MD5,
// into dir/refused, and returns its new path. An archive the analyser
// refused must not stay where later runs look: `entgar upload` would take
// it as the newest, and the next export's calcul des écarts would compare
// with it, so a second export after a mass deletion would pass the guard.
// Earlier refused archives of the same idENT and degree are removed: only
// the last one is kept, for the operator to inspect with `entgar analyse`.
func SetAside(dir, archive string) (string, error) {
	name := filepath.Base(archive)
	n, err := gar.ParseName(name)
	if err != nil || n.Kind != gar.KindArchive {
		return "", fmt.Errorf("set aside %s: not an archive name", archive)
	}
	to := filepath.Join(dir, RefusedDir)
	if err := os.MkdirAll(to, 0o755); err != nil {
		return "", fmt.Errorf("set aside %s: %w", name, err)
	}
	ents, err := os.ReadDir(to)
	if err != nil {
		return "", fmt.Errorf("set aside %s: %w", name, err)
	}
	for _, e := range ents {
		old, err := gar.ParseName(e.Name())
		if err != nil || old.Ident != n.Ident || old.Degree != n.Degree || e.Name() == name || e.Name() == gar.MD5Name(name) {
			continue
		}
		if err := os.Remove(filepath.Join(to, e.Name())); err != nil {
			return "", fmt.Errorf("set aside %s: remove the earlier refused %s: %w", name, e.Name(), err)
		}
	}
	// The MD5 goes first: an archive left without its MD5 by a failure in
	// between is one `entgar upload` cannot take.
	for _, f := range []string{gar.MD5Name(name), name} {
		err := os.Rename(filepath.Join(dir, f), filepath.Join(to, f))
		if err != nil && !(errors.Is(err, fs.ErrNotExist) && f != name) {
			return "", fmt.Errorf("set aside %s: %w", f, err)
		}
	}
	syncDir(to)
	syncDir(dir)
	return filepath.Join(to, name), nil
}
