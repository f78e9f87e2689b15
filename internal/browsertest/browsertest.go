// Package browsertest runs a headless Chromium for tests through chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is where Debian's chromium package installs the browser.
const Path = "/usr/bin/chromium"

// New starts a headless Chromium with a temporary profile and returns a
// chromedp context of one tab, bounded by timeout; the browser stops at the
// end of the test. Certificate errors are ignored, for test servers with
// self-signed certificates. When Chromium is missing the test is skipped,
// or fails when the CI variable is "true" (`make peers` installs it).
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	bin := Path
	if _, err := os.Stat(bin); err != nil {
		found, lerr := exec.LookPath("chromium")
		if lerr != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("chromium not found at %s nor in PATH (run make peers)", Path)
			}
			t.Skipf("chromium not found at %s nor in PATH (run make peers)", Path)
		}
		bin = found
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.IgnoreCertErrors,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	return tabCtx
}

// ArtifactDir returns the directory where tests keep artifacts such as
// screenshots, test-artifacts/ at the root of the module (ignored by git),
// created if missing. depth is how many directories the test's package is
// below the root (1 for mediacentre).
func ArtifactDir(t testing.TB, depth int) string {
	t.Helper()
	root := "."
	for range depth {
		root = filepath.Join(root, "..")
	}
	dir, err := filepath.Abs(filepath.Join(root, "test-artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
