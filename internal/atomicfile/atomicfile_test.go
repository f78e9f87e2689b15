package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type failingReader struct{ n int }

func (r *failingReader) Read(b []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("source broke")
	}
	r.n--
	return copy(b, "partial"), nil
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if n, err := Write(p, strings.NewReader("first")); err != nil || n != 5 {
		t.Fatal(n, err)
	}
	// A failed write leaves the previous content and no temporary file.
	_, err := Write(p, &failingReader{n: 2})
	if err == nil || !strings.Contains(err.Error(), "write "+p+": source broke") {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Fatalf("content %q", b)
	}
	if _, err := os.Stat(TempName(p)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left: %v", err)
	}
	if _, err := Write(filepath.Join(dir, "no", "dir"), io.LimitReader(strings.NewReader("x"), 1)); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}
