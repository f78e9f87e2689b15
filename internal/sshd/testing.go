package sshd

import (
	"os"
	"testing"
)

// StartT starts sshd for the test t and stops it when t ends. Without sshd
// or root it skips t, except under CI=true where it fails.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("OpenSSH server needed: %s", why)
		}
		t.Skip(why)
	}
	s, err := Start(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
