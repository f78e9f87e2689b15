package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entgar/entgar/export"
	"github.com/entgar/entgar/export/analyse"
)

func TestAnalyseCommand(t *testing.T) {
	t.Setenv("ENTGAR_LOG_LEVEL", "error")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := runCLI(t, "gen", "--out", data, "--students", "3000", "--seed", "3"); code != 0 {
		t.Fatalf("gen: %s", errs)
	}
	code, stdout, errs := runCLI(t, "export", "--ident", "ZZ", "--source", data, "--out", filepath.Join(dir, "out"), "--json")
	if code != 0 {
		t.Fatalf("export (analysed after export): %d %s", code, errs)
	}
	var sum export.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	archive := sum.Archives[1].Path

	// Clean archive: exit 0, text and JSON.
	code, out, errs := runCLI(t, "analyse", archive)
	if code != exitOK || !strings.Contains(out, "verdict:  CLEAN (GAR: SUCCES)") {
		t.Errorf("text: %d %s %s", code, out, errs)
	}
	code, out, _ = runCLI(t, "analyse", archive, "--json", "--previous", archive)
	var rep analyse.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || rep.Verdict != analyse.Clean || rep.Diff == nil || rep.Diff.Persons == 0 {
		t.Errorf("json: %d %v %+v", code, err, rep)
	}

	// A broken archive: exit 1 with GAR's status.
	b, _ := os.ReadFile(archive)
	broken := filepath.Join(dir, filepath.Base(archive))
	os.WriteFile(broken, b[:len(b)/2], 0o644)
	code, out, errs = runCLI(t, "analyse", broken)
	if code != exitProblems || !strings.Contains(out, "[archive.read]") || !strings.Contains(errs, "GAR would answer ERREUR") {
		t.Errorf("broken: %d %s %s", code, out, errs)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no archive", []string{"analyse"}, exitUsage, "want exactly one ARCHIVE"},
		{"missing archive", []string{"analyse", filepath.Join(dir, "nope.tar.gz")}, exitEnv, "no such file"},
		{"bad xsd dir", []string{"analyse", archive, "--xsd", dir}, exitEnv, "--xsd"},
		{"bad config", []string{"analyse", archive, "--config", writeFile(t, dir, "a.yaml", "analyse:\n  max_deletion_share: 0\n")}, exitUsage, "analyse.max_deletion_share: must be greater than 0"},
	} {
		code, _, errs := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, errs, c.code, c.err)
		}
	}

	// A source that lost most pupils: the export's analysis compares with
	// the previous archive in the output directory and the guard trips.
	small := filepath.Join(dir, "small")
	if code, _, errs := runCLI(t, "gen", "--out", small, "--students", "300", "--seed", "3"); code != 0 {
		t.Fatalf("gen: %s", errs)
	}
	time.Sleep(1100 * time.Millisecond) // a new archive stamp
	t.Setenv("ENTGAR_LOG_FORMAT", "text")
	code, _, errs = runCLI(t, "export", "--ident", "ZZ", "--source", small, "--out", filepath.Join(dir, "out"))
	if code != exitProblems || !strings.Contains(errs, "diff.mass_deletion=1") || !strings.Contains(errs, "GAR would not take") {
		t.Errorf("mass deletion after export: %d %s", code, errs)
	}
	time.Sleep(1100 * time.Millisecond)
	t.Setenv("ENTGAR_LOG_LEVEL", "warn")
	code, _, errs = runCLI(t, "export", "--ident", "ZZ", "--source", small, "--out", filepath.Join(dir, "out"), "--allow-mass-deletion")
	if code != exitOK || !strings.Contains(errs, "mass deletion allowed") {
		t.Errorf("mass deletion allowed: %d %s", code, errs)
	}
	t.Setenv("ENTGAR_LOG_LEVEL", "error")

	// export.max_nodes above GAR's limit: the export's own analysis fails.
	t.Setenv("ENTGAR_EXPORT_MAX_NODES", "100000")
	code, _, errs = runCLI(t, "export", "--ident", "ZZ", "--source", data, "--out", filepath.Join(dir, "big"))
	if code != exitProblems || !strings.Contains(errs, "GAR would not take") {
		t.Errorf("after_export: %d %s", code, errs)
	}
	t.Setenv("ENTGAR_ANALYSE_AFTER_EXPORT", "false")
	if code, _, errs = runCLI(t, "export", "--ident", "ZZ", "--source", data, "--out", filepath.Join(dir, "big2")); code != exitOK {
		t.Errorf("after_export off: %d %s", code, errs)
	}
}
