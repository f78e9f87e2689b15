package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func decodeAll(t testing.TB, input string) []Record[Pupil] {
	t.Helper()
	var got []Record[Pupil]
	err := Decode(context.Background(), strings.NewReader(input), FilePupils, func(r Record[Pupil]) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return got
}

func TestDecode(t *testing.T) {
	input := "{\"id\":\"E1\",\"last_name\":\"Lefèvre\",\"first_name\":\"Zoé\",\"schools\":[{\"uai\":\"0750001A\",\"groups\":[\"6A\"]}]}\r\n" +
		"\n" +
		"   \n" +
		"{\"id\":\"E2\",\"nom\":\"x\"}\n" +
		"{\"id\":\"E3\",\"last_name\":\"\xff\xfe\"}\n" +
		"[1,2]\n" +
		"{\"id\":\"E4\"} {\"id\":\"E5\"}\n" +
		"{\"id\":42}\n" +
		"{\"id\":\"E6\",\"last_name\":\"x\"" + // truncated JSON
		"\n{\"id\":\"E7\"}" // no final newline
	got := decodeAll(t, input)
	want := []struct {
		line int
		err  string
	}{
		{1, ""},
		{4, `unknown field "nom"`},
		{5, "invalid UTF-8 at byte 25"},
		{6, "not a JSON object"},
		{7, "more than one JSON value"},
		{8, `field "id": number is not a string`},
		{9, "unexpected EOF"},
		{10, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Pos.Line != w.line || g.Pos.File != FilePupils {
			t.Errorf("record %d at %v, want line %d", i, g.Pos, w.line)
		}
		switch {
		case w.err == "" && g.Err != nil:
			t.Errorf("line %d: unexpected error %v", w.line, g.Err)
		case w.err != "" && (g.Err == nil || !strings.Contains(g.Err.Error(), w.err)):
			t.Errorf("line %d: error %v, want one containing %q", w.line, g.Err, w.err)
		}
	}
	if p := got[0].Value; p.ID != "E1" || p.LastName != "Lefèvre" || len(p.Schools) != 1 || p.Schools[0].Groups[0] != "6A" {
		t.Errorf("record 1 decoded as %+v", p)
	}
}

func TestDecodeLongLine(t *testing.T) {
	long := `{"id":"` + strings.Repeat("x", MaxLineBytes) + `"}`
	fits := `{"id":"` + strings.Repeat("y", 300<<10) + `"}` // longer than the read buffer
	got := decodeAll(t, long+"\n"+fits+"\n"+`{"id":"z"}`+"\n")
	if len(got) != 3 {
		t.Fatalf("got %d records", len(got))
	}
	if got[0].Err == nil || !strings.Contains(got[0].Err.Error(), "longer than") {
		t.Errorf("long line: %v", got[0].Err)
	}
	if got[1].Err != nil || len(got[1].Value.ID) != 300<<10 || got[1].Pos.Line != 2 {
		t.Errorf("line of 300 KiB: %v at %v", got[1].Err, got[1].Pos)
	}
	if got[2].Err != nil || got[2].Value.ID != "z" || got[2].Pos.Line != 3 {
		t.Errorf("line after: %+v", got[2])
	}
}

func TestOpenDirNamesMissingFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range Files[:5] {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	_, err := OpenDir(dir)
	if err == nil || !strings.Contains(err.Error(), FileStaff) || !strings.Contains(err.Error(), FileRespAff) {
		t.Fatalf("OpenDir error %v does not name the missing files", err)
	}
	if _, err := OpenDir(filepath.Join(dir, "nope")); err == nil {
		t.Fatal("OpenDir accepted a missing directory")
	}
}

func TestYieldErrorStops(t *testing.T) {
	n := 0
	err := Decode(context.Background(), strings.NewReader("{}\n{}\n{}\n"), FilePupils, func(r Record[Pupil]) error {
		n++
		return context.Canceled
	})
	if err != context.Canceled || n != 1 {
		t.Fatalf("err %v after %d records", err, n)
	}
}

// FuzzDecode feeds arbitrary bytes to the reader: it must never panic, must
// number lines consistently, and must give either a value or a reason.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("{\"id\":\"E1\",\"schools\":[{\"uai\":\"0750001A\"}]}\n"))
	f.Add([]byte("{\"id\":\"\xff\"}\r\n\n{"))
	f.Add([]byte("\n\n\n{\"other_first_names\":[\"a\",null]}"))
	f.Add([]byte("{\"id\":\"a\"}{\"id\":\"b\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		last := 0
		lines := strings.Count(string(data), "\n") + 1
		err := Decode(context.Background(), strings.NewReader(string(data)), FilePupils, func(r Record[Pupil]) error {
			if r.Pos.Line <= last || r.Pos.Line > lines {
				t.Fatalf("line %d after %d (input has %d lines)", r.Pos.Line, last, lines)
			}
			last = r.Pos.Line
			return nil
		})
		if err != nil {
			t.Fatalf("Decode returned %v on in-memory input", err)
		}
	})
}
