package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // ent.timezone is checked without relying on the system's zoneinfo

	"gopkg.in/yaml.v3"
)

// writeConfig writes content to config.yaml in a new temporary directory and
// returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErrors checks that err holds every string of want.
func wantErrors(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
}

func TestDefault(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ent.id", d.ENT.ID, ""},
		{"ent.name", d.ENT.Name, ""},
		{"ent.timezone", d.ENT.Timezone, "Europe/Paris"},
		{"source.kind", d.Source.Kind, "jsonl"},
		{"source.path", d.Source.Path, "./data"},
		{"export.out", d.Export.Out, "./out"},
		{"export.degrees", d.Export.Degrees, []string{"1D", "2D"}},
		{"export.max_nodes", d.Export.MaxNodes, 10000},
		{"export.on_bad_record", d.Export.OnBadRecord, "skip"},
		{"export.max_rejected_share", d.Export.MaxRejectedShare, 0.01},
		{"export.establishments.only_gar_enabled", d.Export.Establishments.OnlyGAREnabled, true},
		{"export.establishments.include", d.Export.Establishments.Include, []string(nil)},
		{"export.establishments.exclude", d.Export.Establishments.Exclude, []string(nil)},
		{"export.gzip_level", d.Export.GzipLevel, 6},
		{"export.keep", d.Export.Keep, 3},
		{"export.temp_dir", d.Export.TempDir, ""},
		{"log.level", d.Log.Level, "info"},
		{"log.format", d.Log.Format, "auto"},
		{"sftp.host", d.SFTP.Host, "127.0.0.1"},
		{"sftp.port", d.SFTP.Port, 22},
		{"sftp.root", d.SFTP.Root, "/"},
		{"mediacentre.format", d.Mediacentre.Format, "json"},
		{"server.listen", d.Server.Listen, ":8443"},
		{"server.shutdown_timeout", d.Server.ShutdownTimeout, 20 * time.Second},
		{"cache.kind", d.Cache.Kind, "memory"},
		{"cache.ttl", d.Cache.TTL, 5 * time.Minute},
		{"cache.max_entries", d.Cache.MaxEntries, 10000},
		{"cache.redis.addr", d.Cache.Redis.Addr, "127.0.0.1:6379"},
		{"cache.redis.db", d.Cache.Redis.DB, 0},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	d.Export.Degrees[0] = "changed"
	if Default().Export.Degrees[0] != "1D" {
		t.Error("Default shares its slices between calls")
	}

	for _, env := range [][]string{nil, {"HOME=/root", "PATH=/bin", "NOT_ENTGAR_X=1", "ENTGAR_NO_EQUALS_SIGN"}} {
		got, err := Load("", env)
		if err != nil {
			t.Fatalf("Load(\"\", %q) = %v", env, err)
		}
		if !reflect.DeepEqual(got, Default()) {
			t.Errorf("Load(\"\", %q) = %+v, want Default()", env, got)
		}
	}
}

func TestExampleIsDefault(t *testing.T) {
	got, err := Load("../config.example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.ENT.ID = "ZZ"
	want.ENT.Name = "ENT de démonstration"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.yaml loads as\n%+v\nwant\n%+v", got, want)
	}
}

// TestExampleDocumentsEveryKey checks that config.example.yaml writes every
// key, in the order of the Config struct.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := joinPath(prefix, n.Content[i].Value)
			got = append(got, p)
			if v := n.Content[i+1]; v.Kind == yaml.MappingNode {
				walk(v, p)
			}
			if n.Content[i].HeadComment == "" && n.Content[i+1].Kind != yaml.MappingNode {
				t.Errorf("config.example.yaml: key %s has no comment", p)
			}
		}
	}
	walk(doc.Content[0], "")

	ks, err := keys(reflect.TypeFor[Config]())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range ks {
		want = append(want, k.path)
	}
	if !slices.Equal(got, want) {
		t.Errorf("config.example.yaml keys:\n%q\nwant, in this order:\n%q", got, want)
	}
}

func TestLoadFile(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(*Config) bool
	}{
		{"empty file", "", func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"comments only", "# nothing\n", func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"document marker only", "---\n", func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"empty section keeps defaults", "export:\n", func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"null keeps default", "export:\n  max_nodes: ~\n  degrees:\n", func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"string", "ent:\n  id: ab-12\n", func(c *Config) bool { return c.ENT.ID == "ab-12" }},
		{"number as string", "ent:\n  id: 1234\n", func(c *Config) bool { return c.ENT.ID == "1234" }},
		{"int", "export:\n  max_nodes: 500\n", func(c *Config) bool { return c.Export.MaxNodes == 500 }},
		{"bool", "export:\n  establishments:\n    only_gar_enabled: false\n", func(c *Config) bool { return !c.Export.Establishments.OnlyGAREnabled }},
		{"float", "export:\n  max_rejected_share: 0.5\n", func(c *Config) bool { return c.Export.MaxRejectedShare == 0.5 }},
		{"int as float", "export:\n  max_rejected_share: 1\n", func(c *Config) bool { return c.Export.MaxRejectedShare == 1 }},
		{"list", "export:\n  degrees: [2D]\n", func(c *Config) bool { return slices.Equal(c.Export.Degrees, []string{"2D"}) }},
		{"block list", "export:\n  establishments:\n    include:\n      - 0750001A\n      - 0750002B\n", func(c *Config) bool {
			return slices.Equal(c.Export.Establishments.Include, []string{"0750001A", "0750002B"})
		}},
		{"empty list", "export:\n  degrees: [1D]\n  establishments:\n    include: []\n", func(c *Config) bool {
			return c.Export.Establishments.Include == nil
		}},
		{"alias", "ent:\n  id: &id ZZ\nsftp:\n  user: *id\n", func(c *Config) bool { return c.SFTP.User == "ZZ" }},
		{"section alias", "mediacentre: &tls\n  cert_file: a.pem\nserver:\n  tls_cert: b.pem\n", func(c *Config) bool { return c.Mediacentre.CertFile == "a.pem" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected configuration: %+v", c)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown nested key", "export:\n  out: x\n  max_node: 5\n",
			[]string{`config.yaml:3: unknown key "export.max_node" (did you mean "export.max_nodes"?)`}},
		{"unknown section", "exports:\n  out: x\n",
			[]string{`config.yaml:1: unknown key "exports" (did you mean "export"?)`}},
		{"key in the wrong section", "ent:\n  max_nodes: 5\n",
			[]string{`config.yaml:2: unknown key "ent.max_nodes" (did you mean "export.max_nodes"?)`}},
		{"unknown deep key", "export:\n  establishments:\n    only_gar: true\n",
			[]string{`config.yaml:3: unknown key "export.establishments.only_gar"`}},
		{"string for int", "export:\n  max_nodes: many\n",
			[]string{`config.yaml:2: export.max_nodes: expected an integer, got the string "many"`}},
		{"quoted int", "sftp:\n  port: \"22\"\n",
			[]string{`config.yaml:2: sftp.port: expected an integer, got the string "22"`}},
		{"float for int", "export:\n  gzip_level: 1.5\n",
			[]string{`config.yaml:2: export.gzip_level: expected an integer, got 1.5`}},
		{"int overflow", "export:\n  keep: 99999999999999999999999\n",
			[]string{`config.yaml:2: export.keep: expected an integer`}},
		{"yes for bool", "export:\n  establishments:\n    only_gar_enabled: yes\n",
			[]string{`config.yaml:3: export.establishments.only_gar_enabled: expected true or false, got the string "yes"`}},
		{"string for float", "export:\n  max_rejected_share: 1%\n",
			[]string{`config.yaml:2: export.max_rejected_share: expected a number, got the string "1%"`}},
		{"scalar for list", "export:\n  degrees: 1D\n",
			[]string{`config.yaml:2: export.degrees: expected a list of strings, got the string "1D"`}},
		{"mapping in list", "export:\n  degrees: [{a: b}]\n",
			[]string{`config.yaml:2: export.degrees: item 1: expected a string, got a mapping`}},
		{"list for string", "ent:\n  id: [a, b]\n",
			[]string{`config.yaml:2: ent.id: expected a string, got a list`}},
		{"scalar for section", "export: 5\n",
			[]string{`config.yaml:1: export: expected a mapping of keys, got 5`}},
		{"top-level list", "- a\n",
			[]string{`config.yaml:1: the configuration: expected a mapping of keys, got a list`}},
		{"duplicate key", "ent:\n  id: A\n  id: B\n",
			[]string{`config.yaml:3: duplicate key "ent.id" (first at line 2)`}},
		{"merge key", "base: &b {id: A}\nent:\n  <<: *b\n",
			[]string{`config.yaml:1: unknown key "base"`, `config.yaml:3: ent: merge keys (<<) are not supported`}},
		{"syntax error", "ent:\n  id: [\n",
			[]string{`config.yaml: yaml:`}},
		{"two documents", "ent:\n  id: A\n---\nent:\n  id: B\n",
			[]string{`config.yaml:3: a second YAML document`}},
		{"all errors at once", "ent:\n  idd: A\nexport:\n  max_nodes: x\n  keep: y\n",
			[]string{`config.yaml:2: unknown key "ent.idd"`, `config.yaml:4: export.max_nodes: expected an integer`, `config.yaml:5: export.keep: expected an integer`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.yaml), nil)
			wantErrors(t, err, tt.want...)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path, nil)
	wantErrors(t, err, path)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v is not os.ErrNotExist", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	file := "ent:\n  id: FROMFILE\nexport:\n  max_nodes: 20\n"
	tests := []struct {
		name  string
		env   []string
		check func(*Config) bool
	}{
		{"string", []string{"ENTGAR_SFTP_KEY_FILE=/etc/entgar/id_ed25519"}, func(c *Config) bool { return c.SFTP.KeyFile == "/etc/entgar/id_ed25519" }},
		{"string over file", []string{"ENTGAR_ENT_ID=ENV"}, func(c *Config) bool { return c.ENT.ID == "ENV" }},
		{"string with =", []string{"ENTGAR_ENT_NAME=a=b"}, func(c *Config) bool { return c.ENT.Name == "a=b" }},
		{"empty string", []string{"ENTGAR_ENT_ID="}, func(c *Config) bool { return c.ENT.ID == "" }},
		{"int over file", []string{"ENTGAR_EXPORT_MAX_NODES=42"}, func(c *Config) bool { return c.Export.MaxNodes == 42 }},
		{"int", []string{"ENTGAR_SFTP_PORT=2222"}, func(c *Config) bool { return c.SFTP.Port == 2222 }},
		{"bool", []string{"ENTGAR_EXPORT_ESTABLISHMENTS_ONLY_GAR_ENABLED=false"}, func(c *Config) bool { return !c.Export.Establishments.OnlyGAREnabled }},
		{"bool 0", []string{"ENTGAR_EXPORT_ESTABLISHMENTS_ONLY_GAR_ENABLED=0"}, func(c *Config) bool { return !c.Export.Establishments.OnlyGAREnabled }},
		{"float", []string{"ENTGAR_EXPORT_MAX_REJECTED_SHARE=0.25"}, func(c *Config) bool { return c.Export.MaxRejectedShare == 0.25 }},
		{"list", []string{"ENTGAR_EXPORT_DEGREES=2D"}, func(c *Config) bool { return slices.Equal(c.Export.Degrees, []string{"2D"}) }},
		{"list with spaces", []string{"ENTGAR_EXPORT_ESTABLISHMENTS_INCLUDE= 0750001A , 0750002B,"}, func(c *Config) bool {
			return slices.Equal(c.Export.Establishments.Include, []string{"0750001A", "0750002B"})
		}},
		{"empty list", []string{"ENTGAR_EXPORT_ESTABLISHMENTS_EXCLUDE="}, func(c *Config) bool { return c.Export.Establishments.Exclude == nil }},
		{"last wins", []string{"ENTGAR_LOG_LEVEL=debug", "ENTGAR_LOG_LEVEL=warn"}, func(c *Config) bool { return c.Log.Level == "warn" }},
		{"other variables ignored", []string{"HOME=/root", "entgar_ent_id=lower"}, func(c *Config) bool { return c.ENT.ID == "FROMFILE" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, file), tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected configuration: %+v", c)
			}
		})
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"unknown variable", []string{"ENTGAR_EXPORT_MAX_NODE=5"},
			[]string{`ENTGAR_EXPORT_MAX_NODE: no configuration key has this environment variable (did you mean "ENTGAR_EXPORT_MAX_NODES"?)`}},
		{"section is not a key", []string{"ENTGAR_EXPORT=x"},
			[]string{`ENTGAR_EXPORT: no configuration key`}},
		{"far from any key", []string{"ENTGAR_CONFIG=/etc/entgar.yaml"},
			[]string{`ENTGAR_CONFIG: no configuration key has this environment variable`}},
		{"bad int", []string{"ENTGAR_EXPORT_MAX_NODES=ten"},
			[]string{`ENTGAR_EXPORT_MAX_NODES: export.max_nodes: expected an integer (64 bits), got "ten"`}},
		{"bad bool", []string{"ENTGAR_EXPORT_ESTABLISHMENTS_ONLY_GAR_ENABLED=yes"},
			[]string{`ENTGAR_EXPORT_ESTABLISHMENTS_ONLY_GAR_ENABLED: export.establishments.only_gar_enabled: expected true or false, got "yes"`}},
		{"bad float", []string{"ENTGAR_EXPORT_MAX_REJECTED_SHARE=1%"},
			[]string{`ENTGAR_EXPORT_MAX_REJECTED_SHARE: export.max_rejected_share: expected a number, got "1%"`}},
		{"several", []string{"ENTGAR_SFTP_PORT=x", "ENTGAR_NOPE=1"},
			[]string{`ENTGAR_NOPE: no configuration key`, `ENTGAR_SFTP_PORT: sftp.port: expected an integer`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", tt.env)
			wantErrors(t, err, tt.want...)
		})
	}
}

// TestEnvGeneric checks applyEnv on a struct with every supported leaf type.
func TestEnvGeneric(t *testing.T) {
	type inner struct {
		Wait  time.Duration `yaml:"wait"`
		Ratio float64       `yaml:"ratio"`
		Count int64         `yaml:"count"`
		Small int8          `yaml:"small"`
	}
	type settings struct {
		Name    string   `yaml:"name"`
		On      bool     `yaml:"on"`
		Tags    []string `yaml:"tags"`
		Inner   inner    `yaml:"inner_part"`
		Skipped string   `yaml:"-"`
		hidden  string
	}
	ks, err := keys(reflect.TypeFor[settings]())
	if err != nil {
		t.Fatal(err)
	}
	var s settings
	origins := map[string]string{}
	errs := applyEnv(reflect.ValueOf(&s).Elem(), ks, []string{
		"ENTGAR_NAME=n",
		"ENTGAR_ON=true",
		"ENTGAR_TAGS=a,b",
		"ENTGAR_INNER_PART_WAIT=1m30s",
		"ENTGAR_INNER_PART_RATIO=2.5",
		"ENTGAR_INNER_PART_COUNT=-7",
		"ENTGAR_INNER_PART_SMALL=100",
	}, origins)
	if errs != nil {
		t.Fatal(errs)
	}
	want := settings{Name: "n", On: true, Tags: []string{"a", "b"},
		Inner: inner{Wait: 90 * time.Second, Ratio: 2.5, Count: -7, Small: 100}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if origins["inner_part.wait"] != "ENTGAR_INNER_PART_WAIT" {
		t.Errorf("origins = %v", origins)
	}

	for _, tt := range []struct{ env, want string }{
		{"ENTGAR_INNER_PART_WAIT=90", `inner_part.wait: expected a duration such as 90s or 1h30m, got "90"`},
		{"ENTGAR_INNER_PART_SMALL=200", `inner_part.small: expected an integer (8 bits), got "200"`},
		{"ENTGAR_SKIPPED=x", `ENTGAR_SKIPPED: no configuration key`},
		{"ENTGAR_HIDDEN=x", `ENTGAR_HIDDEN: no configuration key`},
	} {
		errs := applyEnv(reflect.ValueOf(&s).Elem(), ks, []string{tt.env}, map[string]string{})
		wantErrors(t, errors.Join(errs...), tt.want)
	}

	type clash struct {
		A struct {
			B string `yaml:"b"`
		} `yaml:"a"`
		AB string `yaml:"a_b"`
	}
	ks, err = keys(reflect.TypeFor[clash]())
	if err != nil {
		t.Fatal(err)
	}
	errs = applyEnv(reflect.ValueOf(&clash{}).Elem(), ks, nil, map[string]string{})
	wantErrors(t, errors.Join(errs...), "a.b and a_b share the environment variable ENTGAR_A_B")

	type unsupported struct {
		M map[string]string `yaml:"m"`
	}
	if _, err := keys(reflect.TypeFor[unsupported]()); err == nil {
		t.Error("keys accepted a map field")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string // nil: valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"ent.id set", func(c *Config) { c.ENT.ID = "ab-Z9" }, nil},
		{"ent.id bad", func(c *Config) { c.ENT.ID = "Z Z" }, []string{`ent.id: must hold only letters`, `"Z Z"`}},
		{"ent.id path-like", func(c *Config) { c.ENT.ID = "../x" }, []string{`ent.id:`}},
		{"bad timezone", func(c *Config) { c.ENT.Timezone = "Europe/Pariss" }, []string{`ent.timezone: unknown time zone "Europe/Pariss"`}},
		{"empty timezone", func(c *Config) { c.ENT.Timezone = "" }, []string{`ent.timezone: must be an IANA time zone name`}},
		{"other timezone", func(c *Config) { c.ENT.Timezone = "America/Cayenne" }, nil},
		{"source.kind", func(c *Config) { c.Source.Kind = "ldap" }, []string{`source.kind: must be "jsonl", got "ldap"`}},
		{"source.path", func(c *Config) { c.Source.Path = "" }, []string{`source.path: must not be empty`}},
		{"export.out", func(c *Config) { c.Export.Out = " " }, []string{`export.out: must not be empty`}},
		{"max_nodes 0", func(c *Config) { c.Export.MaxNodes = 0 }, []string{`export.max_nodes: must be between 1 and 1000000, got 0`}},
		{"max_nodes too big", func(c *Config) { c.Export.MaxNodes = 1_000_001 }, []string{`export.max_nodes: must be between 1 and 1000000, got 1000001`}},
		{"max_nodes bounds", func(c *Config) { c.Export.MaxNodes = 1_000_000 }, nil},
		{"degrees 3D", func(c *Config) { c.Export.Degrees = []string{"3D"} }, []string{`export.degrees: item 1: must be "1D" or "2D", got "3D"`}},
		{"degrees lower case", func(c *Config) { c.Export.Degrees = []string{"1d"} }, []string{`export.degrees: item 1: must be "1D" or "2D", got "1d"`}},
		{"degrees duplicate", func(c *Config) { c.Export.Degrees = []string{"2D", "1D", "2D"} }, []string{`export.degrees: item 3: "2D" is already item 1`}},
		{"degrees empty", func(c *Config) { c.Export.Degrees = nil }, []string{`export.degrees: must list at least one degree`}},
		{"degrees one", func(c *Config) { c.Export.Degrees = []string{"2D"} }, nil},
		{"on_bad_record maybe", func(c *Config) { c.Export.OnBadRecord = "maybe" }, []string{`export.on_bad_record: must be "skip" or "fail", got "maybe"`}},
		{"on_bad_record fail", func(c *Config) { c.Export.OnBadRecord = "fail" }, nil},
		{"max_rejected_share negative", func(c *Config) { c.Export.MaxRejectedShare = -0.1 }, []string{`export.max_rejected_share: must be between 0 and 1, got -0.1`}},
		{"max_rejected_share above 1", func(c *Config) { c.Export.MaxRejectedShare = 1.5 }, []string{`export.max_rejected_share: must be between 0 and 1, got 1.5`}},
		{"max_rejected_share NaN", func(c *Config) { c.Export.MaxRejectedShare = nan() }, []string{`export.max_rejected_share: must be between 0 and 1, got NaN`}},
		{"max_rejected_share bounds", func(c *Config) { c.Export.MaxRejectedShare = 0 }, nil},
		{"include ok", func(c *Config) { c.Export.Establishments.Include = []string{"0750001A", "0750002B"} }, nil},
		{"include empty item", func(c *Config) { c.Export.Establishments.Include = []string{" "} }, []string{`export.establishments.include: item 1: must not be empty`}},
		{"include duplicate", func(c *Config) { c.Export.Establishments.Include = []string{"0750001A", "0750001a"} },
			[]string{`export.establishments.include: item 2: "0750001a" is already item 1`}},
		{"exclude duplicate", func(c *Config) { c.Export.Establishments.Exclude = []string{"0750001A", "0750001A"} },
			[]string{`export.establishments.exclude: item 2: "0750001A" is already item 1`}},
		{"include and exclude", func(c *Config) {
			c.Export.Establishments.Include = []string{"0750001A", "0750002B"}
			c.Export.Establishments.Exclude = []string{"0750002b"}
		}, []string{`export.establishments.exclude: item 1: "0750002b" is also item 2 of export.establishments.include`}},
		{"gzip_level 10", func(c *Config) { c.Export.GzipLevel = 10 }, []string{`export.gzip_level: must be between 1 and 9, got 10`}},
		{"gzip_level 0", func(c *Config) { c.Export.GzipLevel = 0 }, []string{`export.gzip_level: must be between 1 and 9, got 0`}},
		{"keep 0", func(c *Config) { c.Export.Keep = 0 }, []string{`export.keep: must be at least 1, got 0`}},
		{"log.level", func(c *Config) { c.Log.Level = "INFO" }, []string{`log.level: must be "debug", "info", "warn" or "error", got "INFO"`}},
		{"log.format", func(c *Config) { c.Log.Format = "yaml" }, []string{`log.format: must be "auto", "text" or "json", got "yaml"`}},
		{"sftp.port 0", func(c *Config) { c.SFTP.Port = 0 }, []string{`sftp.port: must be between 1 and 65535, got 0`}},
		{"sftp.port 65536", func(c *Config) { c.SFTP.Port = 65536 }, []string{`sftp.port: must be between 1 and 65535, got 65536`}},
		{"mediacentre.format", func(c *Config) { c.Mediacentre.Format = "csv" }, []string{`mediacentre.format: must be "json" or "xml", got "csv"`}},
		{"mediacentre.format xml", func(c *Config) { c.Mediacentre.Format = "xml" }, nil},
		{"server.shutdown_timeout 0", func(c *Config) { c.Server.ShutdownTimeout = 0 }, []string{`server.shutdown_timeout: must be between 1s and 10m0s, got 0s`}},
		{"cache.kind", func(c *Config) { c.Cache.Kind = "memcached" }, []string{`cache.kind: must be "memory" or "redis", got "memcached"`}},
		{"cache.ttl 0", func(c *Config) { c.Cache.TTL = 0 }, []string{`cache.ttl: must be between 1s and 24h0m0s, got 0s`}},
		{"cache.max_entries 0", func(c *Config) { c.Cache.MaxEntries = 0 }, []string{`cache.max_entries: must be between 1 and 10000000, got 0`}},
		{"cache.redis.addr empty with redis", func(c *Config) { c.Cache.Kind = "redis"; c.Cache.Redis.Addr = "" }, []string{`cache.redis.addr: must not be empty`}},
		{"cache.redis.addr empty with memory", func(c *Config) { c.Cache.Redis.Addr = "" }, nil},
		{"cache.redis.db", func(c *Config) { c.Cache.Redis.DB = -1 }, []string{`cache.redis.db: must be between 0 and 1000, got -1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantErrors(t, err, tt.want...)
		})
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// TestLoadValidation checks that Load validates, reports every problem at
// once, and says where each bad value was set.
func TestLoadValidation(t *testing.T) {
	path := writeConfig(t, "export:\n  max_nodes: 0\n  degrees: [3D, 3D]\n  on_bad_record: maybe\n  gzip_level: 10\nent:\n  timezone: Mars/Olympus\n")
	_, err := Load(path, []string{"ENTGAR_SFTP_PORT=70000"})
	wantErrors(t, err,
		`ent.timezone: unknown time zone "Mars/Olympus" (want an IANA name such as Europe/Paris) (set by `+path+`:7)`,
		`export.degrees: item 1: must be "1D" or "2D", got "3D" (set by `+path+`:3)`,
		`export.degrees: item 2: must be "1D" or "2D", got "3D"`,
		`export.max_nodes: must be between 1 and 1000000, got 0 (set by `+path+`:2)`,
		`export.on_bad_record: must be "skip" or "fail", got "maybe" (set by `+path+`:4)`,
		`export.gzip_level: must be between 1 and 9, got 10 (set by `+path+`:5)`,
		`sftp.port: must be between 1 and 65535, got 70000 (set by ENTGAR_SFTP_PORT)`,
	)
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("error is not joined: %T", err)
	}
	if n := len(joined.Unwrap()); n != 7 {
		t.Errorf("got %d errors, want 7:\n%v", n, err)
	}
	// Errors follow the order of the keys.
	msg := err.Error()
	if strings.Index(msg, "ent.timezone") > strings.Index(msg, "export.max_nodes") ||
		strings.Index(msg, "export.max_nodes") > strings.Index(msg, "sftp.port") {
		t.Errorf("errors out of key order:\n%v", msg)
	}

	// A default that a flag later breaks is reported without an origin.
	c, err := Load(writeConfig(t, "export:\n  keep: 5\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Export.Keep = 0
	if err := c.Validate(); err == nil || err.Error() != "export.keep: must be at least 1, got 0" {
		t.Errorf("Validate() = %v", err)
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"newline", "s3cret\n", "s3cret"},
		{"crlf", "s3cret\r\n", "s3cret"},
		{"no newline", "s3cret", "s3cret"},
		{"only one newline trimmed", "s3cret\n\n", "s3cret\n"},
		{"spaces kept", " s3cret \n", " s3cret "},
		{"empty", "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.Repeat("s", i+1))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadSecret(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ReadSecret = %q, want %q", got, tt.want)
			}
		})
	}

	missing := filepath.Join(dir, "missing")
	_, err := ReadSecret(missing)
	wantErrors(t, err, "read secret", missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v is not os.ErrNotExist", err)
	}
	_, err = ReadSecret(dir)
	wantErrors(t, err, "read secret", dir)
	_, err = ReadSecret("")
	wantErrors(t, err, "read secret: no file name given")
}

// FuzzLoad checks that no configuration file makes Load panic, and that
// whatever Load accepts is valid.
func FuzzLoad(f *testing.F) {
	if data, err := os.ReadFile("../config.example.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("export:\n  degrees: &d [1D]\n  establishments:\n    include: *d\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("ent: {id: [x], name: {a: b}}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, nil)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Load accepted an invalid configuration: %v", err)
		}
	})
}
