package server

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseAPIKeysErrors(t *testing.T) {
	h := "sha256:" + strings.Repeat("ab", 32)
	h2 := "sha256:" + strings.Repeat("cd", 32)
	cases := []struct{ in, want string }{
		{"", "no key"},
		{"# only a comment\n\n", "no key"},
		{"portal", "line 1: want NAME sha256:HEX, got 1 fields"},
		{"portal " + h + " extra", "line 1: want NAME sha256:HEX, got 3 fields"},
		{"\nport@l " + h, "line 2: name \"port@l\""},
		{"portal md5:abcd", `line 1: key portal: the hash must start with "sha256:"`},
		{"portal sha256:abcd", "line 1: key portal: want 64 hexadecimal digits"},
		{"portal sha256:" + strings.Repeat("zz", 32), "want 64 hexadecimal digits"},
		{"portal " + h + "00", "want 64 hexadecimal digits"},
		{"a " + h + "\na " + h2, "line 2: name a is already used on line 1"},
		{"a " + h + "\nb " + h, "line 2: key b has the same hash as line 1"},
		{strings.Repeat("n", 65) + " " + h, "longer than 64 characters"},
		{strings.Repeat("#", 5000), "line 1: longer than 4096 bytes"},
	}
	for _, c := range cases {
		_, err := ParseAPIKeys(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseAPIKeys(%.40q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
	if _, err := ReadAPIKeys("/nonexistent/keys"); err == nil || !strings.Contains(err.Error(), "/nonexistent/keys") {
		t.Errorf("ReadAPIKeys of a missing file: %v", err)
	}
	a, err := ParseAPIKeys(strings.NewReader("  # c\n\tone " + h + "  \r\ntwo " + strings.ToUpper(h2[7:]) + "\n"))
	if err == nil {
		t.Fatalf("upper-case prefix accepted: %d keys", a.Len())
	}
	a, err = ParseAPIKeys(strings.NewReader("  # c\n\tone " + h + "  \r\ntwo sha256:" + strings.ToUpper(h2[7:]) + "\n"))
	if err != nil || a.Len() != 2 {
		t.Fatalf("valid file: %v, %v", a, err)
	}
}

// FuzzParseAPIKeys checks that any file either fails or yields keys that
// authenticate exactly the hashes it lists.
func FuzzParseAPIKeys(f *testing.F) {
	f.Add("portal sha256:" + strings.Repeat("ab", 32) + "\n")
	f.Add("# c\n\na sha256:" + strings.Repeat("01", 32) + "\nb sha256:" + strings.Repeat("fe", 32))
	f.Add("x y z")
	f.Add(HashAPIKey("p", strings.Repeat("k", 32)))
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseAPIKeys(strings.NewReader(in))
		if err != nil {
			return
		}
		if a.Len() == 0 {
			t.Fatal("no error and no key")
		}
		for _, k := range a.keys {
			if k.name == "" || strings.ContainsAny(k.name, " \t#") {
				t.Fatalf("bad name %q accepted", k.name)
			}
		}
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+strings.Repeat("k", 32))
		p, err := a.Authenticate(r)
		want := strings.Contains(in, HashAPIKey("p", strings.Repeat("k", 32))[2:])
		if (err == nil) != want {
			t.Fatalf("key kkk... authenticated=%v (%v), want %v", err == nil, p, want)
		}
	})
}
