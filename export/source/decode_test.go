package source

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
)

// recordKind is one of the record types decodeRecord decodes itself.
type recordKind struct {
	name string
	file string
	new  func() any // a pointer to a zero record
}

var recordKinds = []recordKind{
	{"establishment", FileEstablishments, func() any { return new(Establishment) }},
	{"mef", FileMEFs, func() any { return new(MEF) }},
	{"subject", FileSubjects, func() any { return new(Subject) }},
	{"group", FileGroups, func() any { return new(Group) }},
	{"pupil", FilePupils, func() any { return new(Pupil) }},
	{"staff", FileStaff, func() any { return new(Staff) }},
	{"respaff", FileRespAff, func() any { return new(RespAff) }},
}

func kindNamed(t testing.TB, name string) recordKind {
	for _, k := range recordKinds {
		if k.name == name {
			return k
		}
	}
	t.Fatalf("no record kind %q", name)
	return recordKind{}
}

// isSyntaxError reports whether err is one decodeJSON gives for bad syntax.
func isSyntaxError(err error) bool {
	return strings.HasPrefix(err.Error(), "invalid JSON") || err.Error() == "unexpected EOF"
}

// decodeBoth decodes line with decodeRecord and with decodeJSON and reports
// any difference: both must accept or both reject; accepted, the values must
// be equal; rejected, the messages must be equal, except that for a syntax
// error decodeRecord's only has to start with "invalid JSON". It returns
// decodeRecord's result.
func decodeBoth(t testing.TB, k recordKind, line []byte) (any, error) {
	t.Helper()
	want := k.new()
	wantErr := decodeJSON(line, want)
	got := k.new()
	gotErr := decodeRecord(line, got)
	switch {
	case wantErr == nil && gotErr == nil:
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %q:\ndecodeRecord %#v\nencoding/json %#v", k.name, line, got, want)
		}
	case wantErr == nil || gotErr == nil:
		t.Errorf("%s %q:\ndecodeRecord error %v\nencoding/json error %v", k.name, line, gotErr, wantErr)
	case gotErr.Error() == wantErr.Error():
	case isSyntaxError(wantErr):
		if !strings.HasPrefix(gotErr.Error(), "invalid JSON") {
			t.Errorf("%s %q:\ndecodeRecord error %v\nencoding/json error %v (a syntax error)", k.name, line, gotErr, wantErr)
		}
	default:
		t.Errorf("%s %q:\ndecodeRecord error %v\nencoding/json error %v", k.name, line, gotErr, wantErr)
	}
	return got, gotErr
}

// exampleLines returns the lines of the example source of kind k.
func exampleLines(t testing.TB, k recordKind) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "source", "example", k.file))
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for line := range bytes.Lines(data) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s has no records", k.file)
	}
	return lines
}

func TestDecodeRecordExamples(t *testing.T) {
	for _, k := range recordKinds {
		for i, line := range exampleLines(t, k) {
			if _, err := decodeBoth(t, k, line); err != nil {
				t.Errorf("%s:%d: %v", k.file, i+1, err)
			}
		}
	}
}

// edgeCases are lines that exercise encoding/json's rules, by record kind.
// err is "" for a line that must be accepted, else a part of the error.
var edgeCases = []struct {
	kind, line, err string
}{
	// Member names: exact, else folded; the embedded struct is no member.
	{"pupil", `{"ID":"E1","Last_Name":"x","FIRST_NAME":"y","SCHOOLS":[{"UAI":"A","Groups":["6A"]}]}`, ""},
	{"pupil", `{"id":"a","ID":"b","Id":"c"}`, ""},
	{"pupil", `{"ID":"b","id":"a"}`, ""},
	{"pupil", `{"ſchools":[{"uai":"A"}],"la\u017ft_name":"x"}`, ""},
	{"group", `{"\u017ftatu\u017f":"DIVISION","ſTATUS":"x"}`, ""},
	{"pupil", `{"\u212aey":1}`, "unknown field \"\u212aey\""},
	{"pupil", `{"İd":"x"}`, `unknown field "İd"`},
	{"pupil", `{"ıd":"x"}`, `unknown field "ıd"`},
	{"pupil", `{"Identity":{"id":"x"}}`, `unknown field "Identity"`},
	{"pupil", `{"\u0069\u0064":"E1"}`, ""},
	{"pupil", `{"i\x00d":"E1"}`, "invalid JSON"},
	{"pupil", "{\"i\xffd\":\"E1\"}", "unknown field \"i\uFFFDd\""},
	{"pupil", `{"id ":"x"}`, `unknown field "id "`},
	{"pupil", `{"functional_attachment_x":"x"}`, `unknown field`},
	{"establishment", `{"FUNCTIONAL_ATTACHMENT":"0750001A","Gar_Enabled":true,"DeGrEe":"1d"}`, ""},
	{"staff", `{"MAILS":["a"],"Schools":[{"PROFILES":["National_ens"],"Teaching":[{"GROUP":"6A","SUBJECTS":["x"]}]}]}`, ""},

	// Strings.
	{"mef", `{"label":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\u0000"}`, ""},
	{"mef", `{"label":"\ud83d\ude00 \uD83D\uDE00"}`, ""},
	{"mef", `{"label":"\ud83d"}`, ""},
	{"mef", `{"label":"\ud83dx"}`, ""},
	{"mef", `{"label":"\ude00\ud83d"}`, ""},
	{"mef", `{"label":"\ud83d\ud83d\ude00"}`, ""},
	{"mef", `{"label":"\ud83d\u0041"}`, ""},
	{"mef", `{"label":"\ud83d\n"}`, ""},
	{"mef", `{"label":"\ud83d\u00"}`, "invalid JSON"},
	{"mef", `{"label":"\ud83d\`, "invalid JSON"},
	{"mef", `{"label":"\x"}`, "invalid JSON"},
	{"mef", `{"label":"\'"}`, "invalid JSON"},
	{"mef", `{"label":"\u12"}`, "invalid JSON"},
	{"mef", `{"label":"\u12G4"}`, "invalid JSON"},
	{"mef", `{"label":"\U0041"}`, "invalid JSON"},
	{"mef", "{\"label\":\"a\tb\"}", "invalid JSON"},
	{"mef", "{\"label\":\"a\x1fb\"}", "invalid JSON"},
	{"mef", "{\"label\":\"a\nb\"}", "invalid JSON"},
	{"mef", "{\"label\":\"a\x7fb\"}", ""},
	{"mef", "{\"label\":\"a\xffb\xc3\"}", ""},
	{"mef", "{\"label\":\"\xed\xa0\x80 \xf4\x90\x80\x80\"}", ""},
	{"mef", "{\"label\":\"\xef\xbf\xbd\\n\xff\"}", ""},
	{"mef", `{"label":"Müller <\"&'>","code":"Zoé 😀"}`, ""},
	{"mef", `{"label":""}`, ""},
	{"mef", `{"label":"unterminated}`, "invalid JSON"},

	// null: leaves strings, bools and degrees, clears slices.
	{"pupil", `{"id":null}`, ""},
	{"pupil", `{"id":"a","id":null}`, ""},
	{"pupil", `{"other_first_names":null}`, ""},
	{"pupil", `{"other_first_names":["a"],"other_first_names":null}`, ""},
	{"pupil", `{"other_first_names":["a",null,"b"]}`, ""},
	{"pupil", `{"other_first_names":[]}`, ""},
	{"pupil", `{"schools":null}`, ""},
	{"pupil", `{"schools":[null]}`, ""},
	{"pupil", `{"schools":[{"uai":"A"},null]}`, ""},
	{"pupil", `{"schools":[{"uai":"A","groups":null,"mefs":[]}]}`, ""},
	{"establishment", `{"degree":null,"gar_enabled":null}`, ""},
	{"establishment", `{"degree":"1D","degree":null,"gar_enabled":true,"gar_enabled":null}`, ""},
	{"establishment", `{"gar_enabled":true,"gar_enabled":false}`, ""},
	{"staff", `{"schools":[{"profiles":[null,"National_ens"],"teaching":[null,{"group":null,"subjects":null}]}]}`, ""},
	{"respaff", `{"mails":null,"establishments":[]}`, ""},

	// Repeated members decode again into the same field.
	{"pupil", `{"schools":[{"uai":"A","groups":["g"]}],"schools":[{"mefs":["m"]}]}`, ""},
	{"pupil", `{"schools":[{"uai":"A"}],"schools":[null]}`, ""},
	{"pupil", `{"schools":[{"uai":"A"},{"uai":"B"}],"schools":[{}],"schools":[null,null]}`, ""},
	{"pupil", `{"schools":[{"uai":"A"}],"schools":[],"schools":[null]}`, ""},
	{"pupil", `{"other_first_names":["a","b"],"other_first_names":["c"],"other_first_names":[null,null]}`, ""},
	{"pupil", `{"other_first_names":["a","b"],"other_first_names":[],"other_first_names":[null]}`, ""},
	{"pupil", `{"other_first_names":["a","b","c"],"other_first_names":["x"],"other_first_names":["1",null,"3",null,null]}`, ""},
	{"pupil", `{"other_first_names":["a"],"other_first_names":null,"other_first_names":[null]}`, ""},
	{"staff", `{"schools":[{"teaching":[{"group":"G","subjects":["s","t"]}]}],"schools":[{"teaching":[{"subjects":[null]}]}]}`, ""},
	{"group", `{"divisions":["6A","6B","6C","6D","6E","6F","6G","6H","6I","6J"],"divisions":["x",null,null,null,null,null,null,null,null,null,null,null]}`, ""},

	// Type mismatches name the field.
	{"pupil", `{"id":42}`, `field "id": number is not a string`},
	{"pupil", `{"id":-0.5e+7}`, `field "id": number is not a string`},
	{"pupil", `{"id":true}`, `field "id": bool is not a string`},
	{"pupil", `{"id":[]}`, `field "id": array is not a string`},
	{"pupil", `{"id":{"a":1}}`, `field "id": object is not a string`},
	{"pupil", `{"other_first_names":"a"}`, `field "other_first_names": string is not a []string`},
	{"pupil", `{"other_first_names":[1]}`, `field "other_first_names": number is not a string`},
	{"pupil", `{"other_first_names":[["a"]]}`, `field "other_first_names": array is not a string`},
	{"pupil", `{"schools":{}}`, `field "schools": object is not a []source.PupilSchool`},
	{"pupil", `{"schools":true}`, `field "schools": bool is not a []source.PupilSchool`},
	{"pupil", `{"schools":["x"]}`, `field "schools": string is not a source.PupilSchool`},
	{"pupil", `{"schools":[[]]}`, `field "schools": array is not a source.PupilSchool`},
	{"pupil", `{"schools":[{"uai":1}]}`, `field "schools.uai": number is not a string`},
	{"pupil", `{"schools":[{"groups":"6A"}]}`, `field "schools.groups": string is not a []string`},
	{"pupil", `{"schools":[{"mefstat4":[false]}]}`, `field "schools.mefstat4": bool is not a string`},
	{"pupil", `{"id":1,"nom":2}`, `field "id": number is not a string`},
	{"pupil", `{"nom":2,"id":1}`, `unknown field "nom"`},
	{"pupil", `{"id":1,"last_name":2,"id":"x"}`, `field "id": number is not a string`},
	{"staff", `{"mails":1}`, `field "mails": number is not a []string`},
	{"staff", `{"schools":[{"profiles":[1]}]}`, `field "schools.profiles": number is not a gar.Profile`},
	{"staff", `{"schools":[{"profiles":"National_ens"}]}`, `field "schools.profiles": string is not a []gar.Profile`},
	{"staff", `{"schools":[{"teaching":["6A"]}]}`, `field "schools.teaching": string is not a source.Teaching`},
	{"staff", `{"schools":[{"teaching":{}}]}`, `field "schools.teaching": object is not a []source.Teaching`},
	{"staff", `{"schools":[{"teaching":[{"group":[],"subjects":[2]}]}]}`, `field "schools.teaching.group": array is not a string`},
	{"staff", `{"schools":[{"teaching":[{"subjects":[2]}]}]}`, `field "schools.teaching.subjects": number is not a string`},
	{"staff", `{"secondary_id":1}`, `field "secondary_id": number is not a string`},
	{"establishment", `{"gar_enabled":"true"}`, `field "gar_enabled": string is not a bool`},
	{"establishment", `{"gar_enabled":1}`, `field "gar_enabled": number is not a bool`},
	{"establishment", `{"gar_enabled":[true]}`, `field "gar_enabled": array is not a bool`},
	{"respaff", `{"establishments":[{}]}`, `field "establishments": object is not a string`},
	{"subject", `{"code":100}`, `field "code": number is not a string`},

	// Degrees go through gar.Degree.UnmarshalText, whose error stops
	// encoding/json and so outranks the errors saved before it.
	{"establishment", `{"degree":"2D"}`, ""},
	{"establishment", `{"degree":"1d"}`, ""},
	{"establishment", `{"degree":"1\u0044"}`, ""},
	{"establishment", `{"degree":"3D"}`, `unknown degree "3D" (want 1D or 2D)`},
	{"establishment", `{"degree":""}`, `unknown degree ""`},
	{"establishment", `{"degree":"2D "}`, `unknown degree "2D "`},
	{"establishment", `{"nom":1,"uai":2,"degree":"3D","degree":"4D"}`, `unknown degree "3D"`},
	{"establishment", `{"degree":"3D","nom":1}`, `unknown degree "3D"`},
	{"establishment", `{"degree":"3D","degree":"2D"}`, `unknown degree "3D"`},
	{"establishment", `{"degree":"3D",`, "invalid JSON"},
	{"establishment", `{"degree":"3D","nom":[1,]}`, "invalid JSON"},
	{"establishment", `{"degree":"3D"}x`, `unknown degree "3D"`},
	{"establishment", `{"degree":2}`, `field "degree": number is not a gar.Degree`},
	{"establishment", `{"degree":true}`, `field "degree": bool is not a gar.Degree`},
	{"establishment", `{"degree":["1D"]}`, `field "degree": array is not a gar.Degree`},
	{"establishment", `{"degree":{}}`, `field "degree": object is not a gar.Degree`},

	// Unknown members are reported whatever their value, once it parses.
	{"pupil", `{"nom":"x"}`, `json: unknown field "nom"`},
	{"pupil", `{"nom":{"a":[1,2.5,-3e2,{"b":null,"c":true,"d":false}],"e":{}},"id":"x"}`, `unknown field "nom"`},
	{"pupil", `{"nom":[1,]}`, "invalid JSON"},
	{"pupil", `{"nom":1,"autre":2}`, `unknown field "nom"`},
	{"pupil", `{"n\"om":1}`, `unknown field "n\"om"`},

	// Syntax.
	{"pupil", `{`, "invalid JSON"},
	{"pupil", `{"id"`, "unexpected EOF"},
	{"pupil", `{"id":`, "unexpected EOF"},
	{"pupil", `{"id":"a"`, "unexpected EOF"},
	{"pupil", `{"id":"a",`, "unexpected EOF"},
	{"pupil", `{"id":"a",}`, "invalid JSON"},
	{"pupil", `{,}`, "invalid JSON"},
	{"pupil", `{"id" "a"}`, "invalid JSON"},
	{"pupil", `{"id":'a'}`, "invalid JSON"},
	{"pupil", `{id:"a"}`, "invalid JSON"},
	{"pupil", `{"id":"a"]`, "invalid JSON"},
	{"pupil", `{"other_first_names":["a"}`, "invalid JSON"},
	{"pupil", `{"other_first_names":["a",]}`, "invalid JSON"},
	{"pupil", `{"other_first_names":[,"a"]}`, "invalid JSON"},
	{"pupil", `{"other_first_names":["a" "b"]}`, "invalid JSON"},
	{"pupil", `{"nom":01}`, "invalid JSON"},
	{"pupil", `{"nom":-}`, "invalid JSON"},
	{"pupil", `{"nom":-a}`, "invalid JSON"},
	{"pupil", `{"nom":1.}`, "invalid JSON"},
	{"pupil", `{"nom":.5}`, "invalid JSON"},
	{"pupil", `{"nom":1e}`, "invalid JSON"},
	{"pupil", `{"nom":1e+}`, "invalid JSON"},
	{"pupil", `{"nom":+1}`, "invalid JSON"},
	{"pupil", `{"nom":0x1}`, "invalid JSON"},
	{"pupil", `{"nom":1`, "unexpected EOF"},
	{"pupil", `{"nom":tru}`, "invalid JSON"},
	{"pupil", `{"nom":tru`, "unexpected EOF"},
	{"pupil", `{"nom":nul}`, "invalid JSON"},
	{"pupil", `{"nom":nulll}`, "invalid JSON"},
	{"pupil", `{"nom":True}`, "invalid JSON"},
	{"pupil", `{"id":nil}`, "invalid JSON"},
	{"pupil", `{"nom":[1 2]}`, "invalid JSON"},
	{"pupil", `{"nom":{"a"}}`, "invalid JSON"},
	{"pupil", `{"nom":{"a":1,}}`, "invalid JSON"},
	{"pupil", `{"id":1,"last_name":"x"`, "unexpected EOF"},
	{"pupil", "{\"id\":\"a\"\x00}", "invalid JSON"},

	// White space is the four RFC 8259 characters.
	{"pupil", "{ \"id\" : \"a\" , \"schools\" : [ { \"uai\" : \"A\" } , null ] }", ""},
	{"pupil", "{\n\"id\":\t\"a\"\r}\r\n", ""},
	{"pupil", "{\f\"id\":\"a\"}", "invalid JSON"},
	{"pupil", "{\"id\":\u00a0\"a\"}", "invalid JSON"},
	{"pupil", ` {"id":"a"}`, ""},

	// After the object: only JSON white space; a stray ']' or '}' too is a
	// malformed line.
	{"pupil", `{"id":"a"} ` + "\t\r\n", ""},
	{"pupil", `{"id":"a"}}`, "more than one JSON value"},
	{"pupil", `{"id":"a"}]x`, "more than one JSON value"},
	{"pupil", `{"id":"a"}   `, ""},
	{"pupil", `{"id":"a"} ]`, "more than one JSON value"},
	{"pupil", `{"id":"a"} x`, "more than one JSON value on the line"},
	{"pupil", `{"id":"a"}{"id":"b"}`, "more than one JSON value on the line"},
	{"pupil", `{"id":"a"},`, "more than one JSON value on the line"},
	{"pupil", "{\"id\":\"a\"}\x00", "more than one JSON value on the line"},
	{"pupil", "{\"id\":\"a\"}\v", "more than one JSON value on the line"},
	{"pupil", `{"id":1} x`, `field "id": number is not a string`},
	{"pupil", `{"nom":1}{`, `unknown field "nom"`},

	// Not an object: encoding/json decides.
	{"pupil", `[]`, "array is not a source.Pupil"},
	{"pupil", `null`, ""},
	{"pupil", `"x"`, "string is not a source.Pupil"},
	{"pupil", `"x`, "unexpected EOF"},
	{"pupil", ``, "EOF"},
	{"pupil", `  `, "EOF"},
}

func TestDecodeRecordEdgeCases(t *testing.T) {
	for _, c := range edgeCases {
		_, err := decodeBoth(t, kindNamed(t, c.kind), []byte(c.line))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s %q: %v", c.kind, c.line, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s %q: error %v, want one containing %q", c.kind, c.line, err, c.err)
		}
	}
}

// TestDecodeRecordNesting checks encoding/json's limit of 10000 nested
// arrays and objects, the record's own object included.
func TestDecodeRecordNesting(t *testing.T) {
	for _, depth := range []int{9999, 10000, 10001, 20000} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			line := `{"nom":` + strings.Repeat(open, depth-1) + "1" + strings.Repeat(close, depth-1) + "}"
			_, err := decodeBoth(t, kindNamed(t, "pupil"), []byte(line))
			want := `unknown field "nom"`
			if depth > 10000 {
				want = "exceeded max depth"
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("depth %d of %s: error %v, want %q", depth, open, err, want)
			}
		}
	}
	line := `{"schools":[{"groups":[` + strings.Repeat("[", 9996) + strings.Repeat("]", 9996) + `]}]}`
	if _, err := decodeBoth(t, kindNamed(t, "pupil"), []byte(line)); err == nil || !strings.Contains(err.Error(), "array is not a string") {
		t.Errorf("10000 levels below schools: %v", err)
	}
	line = `{"schools":[{"groups":[` + strings.Repeat("[", 9997) + strings.Repeat("]", 9997) + `]}]}`
	if _, err := decodeBoth(t, kindNamed(t, "pupil"), []byte(line)); err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
		t.Errorf("10001 levels below schools: %v", err)
	}
}

// TestDecodeRecordValues spells out what some edge cases decode to (the
// comparison with encoding/json is what proves them right).
func TestDecodeRecordValues(t *testing.T) {
	cases := []struct {
		kind, line string
		want       any
	}{
		{"pupil", `{"ID":"E1","ſchools":[null]}`,
			&Pupil{Identity: Identity{ID: "E1"}, Schools: []PupilSchool{{}}}},
		{"pupil", `{"id":"a","id":null,"other_first_names":["x",null],"last_name":"\ud83d\ude00\ud83d"}`,
			&Pupil{Identity: Identity{ID: "a", OtherFirstNames: []string{"x", ""}, LastName: "😀\uFFFD"}}},
		{"pupil", `{"other_first_names":["a","b"],"other_first_names":["c"],"other_first_names":[null,null]}`,
			&Pupil{Identity: Identity{OtherFirstNames: []string{"c", "b"}}}},
		{"pupil", `{"schools":[{"uai":"A","groups":["g"]}],"schools":[{"mefs":["m"]}],"other_first_names":[]}`,
			&Pupil{Identity: Identity{OtherFirstNames: []string{}}, Schools: []PupilSchool{{UAI: "A", MEFs: []string{"m"}, Groups: []string{"g"}}}}},
		{"establishment", `{"degree":"1d","degree":null,"gar_enabled":true,"gar_enabled":null}`,
			&Establishment{Degree: gar.D1, GAREnabled: true}},
		{"staff", `{"schools":[{"profiles":["National_ens",null]}],"mails":null}`,
			&Staff{Schools: []StaffSchool{{Profiles: []gar.Profile{gar.ProfileTeacher, ""}}}}},
	}
	for _, c := range cases {
		got, err := decodeBoth(t, kindNamed(t, c.kind), []byte(c.line))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\ngot  %#v, %v\nwant %#v", c.line, got, err, c.want)
		}
	}
}

// TestDecodeRecordOtherTypes checks that other types go through
// encoding/json.
func TestDecodeRecordOtherTypes(t *testing.T) {
	var m map[string]int
	if err := decodeRecord([]byte(`{"a":1}`), &m); err != nil || m["a"] != 1 {
		t.Errorf("map: %v, %v", m, err)
	}
	var s PupilSchool
	if err := decodeRecord([]byte(`{"uai":"A","nom":1}`), &s); err == nil || err.Error() != `json: unknown field "nom"` || s.UAI != "A" {
		t.Errorf("PupilSchool: %+v, %v", s, err)
	}
}

// TestDecodeLineErrors checks the messages decodeLine gives through
// decodeRecord.
func TestDecodeLineErrors(t *testing.T) {
	cases := []struct{ line, err string }{
		{`{"id":"E1","nom":"x"}`, `json: unknown field "nom"`},
		{`{"id":42}`, `field "id": number is not a string`},
		{`{"schools":[{"uai":42}]}`, `field "schools.uai": number is not a string`},
		{`{"id":"E4"} {"id":"E5"}`, "more than one JSON value on the line"},
		{`{"id":"E6","last_name":"x"`, "invalid JSON at byte 26: unexpected EOF"},
		{`{"id":"E6",,}`, `invalid JSON at byte 12: invalid character ',' looking for beginning of object key string`},
		{`{"id":"a` + "\x01" + `"}`, `invalid JSON at byte 9: invalid character '\x01' in string literal`},
		{"{\"id\":\"\xff\"}", "invalid UTF-8 at byte 8"},
		{`[{"id":"E1"}]`, "not a JSON object"},
	}
	for _, c := range cases {
		var p Pupil
		if err := decodeLine([]byte(c.line), &p); err == nil || err.Error() != c.err {
			t.Errorf("%q: error %v, want %q", c.line, err, c.err)
		}
	}
}

func TestDecodeRecordAllocs(t *testing.T) {
	line := exampleLines(t, kindNamed(t, "pupil"))[0]
	allocs := testing.AllocsPerRun(100, func() {
		var p Pupil
		if err := decodeRecord(line, &p); err != nil {
			t.Fatal(err)
		}
	})
	// One per string and one per slice: 9 strings of the identity, 2 first
	// names, 1 school with 1 UAI and 5 codes, 5 slices.
	if allocs > 23 {
		t.Errorf("%v allocations to decode a pupil, want at most 23", allocs)
	}
}

// fuzzSeeds returns inputs for FuzzDecodeRecordMatchesEncodingJSON: a byte
// choosing the record kind, then the line.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	add := func(k int, line []byte) {
		seeds = append(seeds, append([]byte{byte(k)}, line...))
	}
	for i, k := range recordKinds {
		for _, line := range exampleLines(t, k) {
			add(i, line)
			add(i, line[:len(line)/2])
			add(i, line[:len(line)-1])
			add(i, bytes.ToUpper(line))
			add(i, bytes.ReplaceAll(line, []byte(`":"`), []byte(`":null,"x":"`)))
			add(i, bytes.ReplaceAll(line, []byte(`":"`), []byte(`": 1 ,"uai":"`)))
			add(i, bytes.ReplaceAll(line, []byte(`["`), []byte(`[null,"\u00e9\ud800",["`)))
			add(i, bytes.ReplaceAll(line, []byte(`{"`), []byte(`{"Schools":[{}],"`)))
			add(i, append(line[:len(line):len(line)], line...))
		}
	}
	for _, c := range edgeCases {
		for i, k := range recordKinds {
			if k.name == c.kind {
				add(i, []byte(c.line))
			}
		}
	}
	return seeds
}

// FuzzDecodeRecordMatchesEncodingJSON checks that decodeRecord accepts and
// rejects what encoding/json does, decodes the same values and gives the
// same errors (any syntax error being as good as another). The first byte
// of the input chooses the record kind.
func FuzzDecodeRecordMatchesEncodingJSON(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		k := recordKinds[int(data[0])%len(recordKinds)]
		decodeBoth(t, k, data[1:])
	})
}

func BenchmarkDecodeRecord(b *testing.B) {
	for _, name := range []string{"pupil", "staff"} {
		k := kindNamed(b, name)
		line := exampleLines(b, k)[0]
		for _, dec := range []struct {
			name string
			f    func([]byte, any) error
		}{{"decodeRecord", decodeRecord}, {"encoding_json", decodeJSON}} {
			b.Run(name+"/"+dec.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(line)))
				for b.Loop() {
					if err := dec.f(line, k.new()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
