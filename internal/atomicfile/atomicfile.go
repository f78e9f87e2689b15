// Package atomicfile writes a local file so that its final name only ever
// shows complete content: through a hidden temporary file in the same
// directory, synced, then renamed.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// TempName returns the temporary name used for the file at path:
// ".<name>.partial" in the same directory.
func TempName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".partial")
}

// Write copies r to the file at path through TempName(path), syncs it and
// renames it into place, and returns the number of bytes written. On
// failure the temporary file is removed and path is left as it was.
func Write(path string, r io.Reader) (int64, error) {
	tmp := TempName(path)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("write %s: %w", path, err)
	}
	return n, nil
}
