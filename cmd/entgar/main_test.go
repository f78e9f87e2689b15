package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/export"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	t.Setenv("ENTGAR_LOG_LEVEL", "error")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, out, errs := runCLI(t, "gen", "--out", data, "--students", "300", "--seed", "7"); code != 0 || !strings.Contains(out, "300 pupils") {
		t.Fatalf("gen: %d %s %s", code, out, errs)
	}
	cases := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no command", nil, exitUsage, "Usage"},
		{"help", []string{"export", "-h"}, exitOK, "-source"},
		{"unknown command", []string{"exprot"}, exitUsage, `unknown command "exprot"`},
		{"no ident", []string{"export", "--source", data, "--out", filepath.Join(dir, "o1")}, exitUsage, "no idENT"},
		{"bad degree", []string{"export", "--ident", "ZZ", "--degree", "3D"}, exitUsage, "unknown degree"},
		{"missing source", []string{"export", "--ident", "ZZ", "--source", filepath.Join(dir, "nope")}, exitUsage, "no such file"},
		{"bad config", []string{"export", "--config", writeFile(t, dir, "bad.yaml", "export:\n  max_node: 3\n")}, exitUsage, `unknown key "export.max_node"`},
		{"unwritable out", []string{"export", "--ident", "ZZ", "--source", data, "--out", "/proc/entgar"}, exitEnv, "export"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, errs, c.code, c.err)
		}
	}

	out := filepath.Join(dir, "out")
	code, stdout, errs := runCLI(t, "export", "--ident", "zz", "--source", data, "--out", out, "--json")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	var sum export.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	if len(sum.Archives) != 2 || sum.Ident != "ZZ" {
		t.Fatalf("summary %+v", sum)
	}
	for _, a := range sum.Archives {
		if _, err := os.Stat(a.Path); err != nil {
			t.Error(err)
		}
	}

	// A bad record with on_bad_record: fail is a problem found: exit 1.
	f, _ := os.OpenFile(filepath.Join(data, "pupils.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"ZZZ-bad","first_name":"x","schools":[]}` + "\n")
	f.Close()
	t.Setenv("ENTGAR_EXPORT_ON_BAD_RECORD", "fail")
	code, _, errs = runCLI(t, "export", "--ident", "ZZ", "--source", data, "--out", filepath.Join(dir, "o2"))
	if code != exitProblems || !strings.Contains(errs, `pupils.jsonl:301: record rejected "ZZZ-bad": field "last_name": missing`) {
		t.Errorf("fail policy: exit %d, %s", code, errs)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
