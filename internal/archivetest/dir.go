package archivetest

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir is a local directory standing in for GAR's SFTP server, with the
// methods of export/sftp.Client that the readers of results and the IDO
// deposit use; paths are relative to it.
type Dir string

// ReadDir lists dir.
func (d Dir) ReadDir(_ context.Context, dir string) ([]fs.FileInfo, error) {
	ents, err := os.ReadDir(filepath.Join(string(d), dir))
	if err != nil {
		return nil, err
	}
	out := make([]fs.FileInfo, 0, len(ents))
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, fi)
	}
	return out, nil
}

// Open opens the file at p.
func (d Dir) Open(_ context.Context, p string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(string(d), p))
}

// Put writes r to dir/name.
func (d Dir) Put(_ context.Context, dir, name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(string(d), dir, name), data, 0o644)
}
