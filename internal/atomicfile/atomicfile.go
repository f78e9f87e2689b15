// Package atomicfile writes a file so that readers see either the old
// content or the whole new one: a temporary file beside it, renamed.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path with mode perm through a temporary file in the
// same directory (so that the rename is atomic), removing the temporary
// file on failure.
func Write(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
