// Package xmllint runs libxml2's xmllint against the official GAR-ENT
// grammars in tests. The grammars are read from ../shared/gar/xsd beside the
// repository, never copied into it.
package xmllint

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
)

// Schema returns the path of the official XSD of degree d. When the shared
// folder or xmllint is missing the test is skipped, except under CI=true
// where it fails: CI must prove conformance, not skip it.
func Schema(t testing.TB, d gar.Degree) string {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		missing(t, "xmllint not installed (make test installs libxml2-utils)")
	}
	root := repoRoot(t)
	p := filepath.Join(root, "..", "shared", "gar", "xsd", "GAR-ENT-"+d.String()+".xsd")
	if _, err := os.Stat(p); err != nil {
		missing(t, "official XSD not found: "+p)
	}
	return p
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s", why)
	}
	t.Skip(why)
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// Validate runs `xmllint --noout --stream --schema` on files and returns
// its combined output and whether every file is valid.
func Validate(t testing.TB, schema string, files ...string) (string, bool) {
	t.Helper()
	args := append([]string{"--noout", "--stream", "--schema", schema}, files...)
	var out bytes.Buffer
	cmd := exec.Command("xmllint", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("run xmllint: %v", err)
		}
	}
	return strings.TrimSpace(out.String()), err == nil
}

// MustValidate fails the test unless every file is valid.
func MustValidate(t testing.TB, schema string, files ...string) {
	t.Helper()
	if out, ok := Validate(t, schema, files...); !ok {
		t.Fatalf("xmllint rejects the files:\n%s", out)
	}
}
