package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// A key is one configuration key found by walking a configuration struct:
// either a section (a nested struct) or a leaf holding a value.
type key struct {
	path    string // dotted YAML path, e.g. "export.max_nodes"
	index   []int  // field index from the root struct, for FieldByIndex
	section bool
}

// keys lists the keys of struct type t in field order, sections before the
// keys they hold. It fails on a field whose type is neither a section nor a
// supported leaf, so that a mistake in the Config types is reported rather
// than silently ignored.
func keys(t reflect.Type) ([]key, error) {
	var out []key
	var walk func(t reflect.Type, prefix string, index []int) error
	walk = func(t reflect.Type, prefix string, index []int) error {
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			path := joinPath(prefix, name)
			idx := append(index[:len(index):len(index)], i)
			if isSection(f.Type) {
				out = append(out, key{path: path, index: idx, section: true})
				if err := walk(f.Type, path, idx); err != nil {
					return err
				}
				continue
			}
			if !isLeaf(f.Type) {
				return fmt.Errorf("configuration key %s: unsupported type %s", path, f.Type)
			}
			out = append(out, key{path: path, index: idx})
		}
		return nil
	}
	if err := walk(t, "", nil); err != nil {
		return nil, err
	}
	return out, nil
}

// yamlName returns the YAML name of a struct field, or "" when the field is
// not a configuration key (unexported, or tagged yaml:"-").
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return name
}

// fieldIndex maps the YAML names of the keys of struct type t to their
// field index.
func fieldIndex(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			m[name] = i
		}
	}
	return m
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// envName returns the environment variable that overrides the key at path.
func envName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

func isDuration(t reflect.Type) bool {
	return t == reflect.TypeFor[time.Duration]()
}

func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct
}

func isStringList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String
}

func isLeaf(t reflect.Type) bool {
	if isDuration(t) || isStringList(t) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// expected describes, for error messages, what a leaf of type t accepts.
func expected(t reflect.Type) string {
	switch {
	case isDuration(t):
		return "a duration such as 90s or 1h30m"
	case isStringList(t):
		return "a list of strings"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "an integer"
}

// setText sets the leaf v from its textual form as written in an environment
// variable. Lists are comma-separated; surrounding spaces and empty items are
// dropped, so that "" is the empty list.
func setText(v reflect.Value, s string) error {
	t := v.Type()
	switch {
	case isDuration(t):
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("expected %s, got %q", expected(t), s)
		}
		v.SetInt(int64(d))
		return nil
	case isStringList(t):
		list := reflect.Zero(t)
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = reflect.Append(list, reflect.ValueOf(item).Convert(t.Elem()))
			}
		}
		v.Set(list)
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("expected %s, got %q", expected(t), s)
		}
		v.SetBool(b)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), t.Bits())
		if err != nil {
			return fmt.Errorf("expected %s, got %q", expected(t), s)
		}
		v.SetFloat(f)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, t.Bits())
		if err != nil {
			return fmt.Errorf("expected %s (%d bits), got %q", expected(t), t.Bits(), s)
		}
		v.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", t)
	}
	return nil
}

// suggest returns a " (did you mean ...?)" hint naming the candidate closest
// to name, or "" when none is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > 2+len(name)/8 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
