package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load returns the configuration read from the YAML file at path (none when
// path is ""), over the defaults of Default, then overridden by the ENTGAR_
// variables of env (a list of "NAME=value" entries such as os.Environ
// returns; entries without the prefix are ignored).
//
// The file is checked key by key: an unknown or duplicate key, or a value of
// the wrong type, is reported with the file, the line and the key's path
// (e.g. `config.yaml:12: unknown key "export.max_node"`). A key left empty
// (null) in the file keeps its default. An ENTGAR_ variable that names no
// key is an error. When the file and the environment were read without
// error, the result is validated as by Validate; errors about a value set in
// the file or the environment then say where it was set (e.g.
// "export.gzip_level: must be between 1 and 9, got 10 (set by
// ENTGAR_EXPORT_GZIP_LEVEL)").
//
// All the problems found at a stage are reported together, joined with
// errors.Join, one per line. A file that cannot be read gives an error that
// wraps the one from os (errors.Is(err, fs.ErrNotExist) works).
func Load(path string, env []string) (*Config, error) {
	cfg := Default()
	ks, err := keys(reflect.TypeFor[Config]())
	if err != nil {
		return nil, err
	}
	origins := make(map[string]string) // key path -> where its value was set
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read configuration: %w", err)
		}
		errs = append(errs, decodeYAML(path, data, reflect.ValueOf(cfg).Elem(), ks, origins)...)
	}
	errs = append(errs, applyEnv(reflect.ValueOf(cfg).Elem(), ks, env, origins)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if problems := cfg.check(); len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = p.withOrigin(origins[p.path])
		}
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// decodeYAML sets the keys written in the YAML document data (read from
// file) into root, a Config, recording in origins where each was set.
// Decoding walks the document's nodes against the Config type rather than
// using yaml's struct decoding so that every error can name the key's full
// path, and so that values are never converted with a loss (1.5 for an
// integer, "yes" for a boolean).
func decodeYAML(file string, data []byte, root reflect.Value, ks []key, origins map[string]string) []error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: defaults
		}
		return []error{fmt.Errorf("%s: %w", file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return []error{fmt.Errorf("%s: %w", file, err)}
		}
		return []error{fmt.Errorf("%s:%d: a second YAML document: the configuration must be a single document", file, extra.Line)}
	}
	d := &yamlDecoder{file: file, origins: origins}
	for _, k := range ks {
		d.paths = append(d.paths, k.path)
	}
	n := &doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	d.section(n, root, "")
	return d.errs
}

type yamlDecoder struct {
	file    string
	paths   []string // every key path, for suggestions
	origins map[string]string
	errs    []error
}

func (d *yamlDecoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("%s:%d: %s", d.file, n.Line, fmt.Sprintf(format, args...)))
}

// section decodes the mapping n into v, the struct of the section at path
// ("" for the whole configuration).
func (d *yamlDecoder) section(n *yaml.Node, v reflect.Value, path string) {
	n = resolveAlias(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		where := "the configuration"
		if path != "" {
			where = path
		}
		d.errorf(n, "%s: expected a mapping of keys, got %s", where, describe(n))
		return
	}
	index := fieldIndex(v.Type())
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "%s: expected a key name, got %s", orTop(path), describe(k))
			continue
		}
		p := joinPath(path, k.Value)
		if k.ShortTag() == "!!merge" {
			d.errorf(k, "%s: merge keys (<<) are not supported", orTop(path))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, "duplicate key %q (first at line %d)", p, first)
			continue
		}
		seen[k.Value] = k.Line
		fi, ok := index[k.Value]
		if !ok {
			d.errorf(k, "unknown key %q%s", p, d.hint(p, k.Value))
			continue
		}
		f := v.Field(fi)
		if isSection(f.Type()) {
			d.section(val, f, p)
			continue
		}
		d.leaf(k, val, f, p)
	}
}

// leaf decodes the value n of the key k at path into v.
func (d *yamlDecoder) leaf(k, n *yaml.Node, v reflect.Value, path string) {
	n = resolveAlias(n)
	if isNull(n) {
		return
	}
	if err := setNode(v, n); err != nil {
		d.errorf(n, "%s: %v", path, err)
		return
	}
	d.origins[path] = fmt.Sprintf("%s:%d", d.file, k.Line)
}

// hint suggests the key meant by an unknown key at path named name: a key
// with a close path, or else a key of that name in another section.
func (d *yamlDecoder) hint(path, name string) string {
	if h := suggest(path, d.paths); h != "" {
		return h
	}
	for _, p := range d.paths {
		if p == name || strings.HasSuffix(p, "."+name) {
			return fmt.Sprintf(" (did you mean %q?)", p)
		}
	}
	return ""
}

func orTop(path string) string {
	if path == "" {
		return "the configuration"
	}
	return path
}

// setNode sets the leaf v from the YAML node n, which is not null. Scalars
// must have the YAML type of the leaf: an integer for an integer, true or
// false for a boolean, an integer or a float for a number; any scalar is
// taken as a string by a string leaf.
func setNode(v reflect.Value, n *yaml.Node) error {
	t := v.Type()
	if isStringList(t) {
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("expected %s, got %s", expected(t), describe(n))
		}
		list := reflect.Zero(t)
		for i, item := range n.Content {
			item = resolveAlias(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				return fmt.Errorf("item %d: expected a string, got %s", i+1, describe(item))
			}
			var s string
			if err := item.Decode(&s); err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
			list = reflect.Append(list, reflect.ValueOf(s).Convert(t.Elem()))
		}
		v.Set(list)
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected %s, got %s", expected(t), describe(n))
	}
	mismatch := fmt.Errorf("expected %s, got %s", expected(t), describe(n))
	tag := n.ShortTag()
	switch {
	case isDuration(t):
		return setText(v, n.Value)
	case t.Kind() == reflect.String:
		var s string
		if err := n.Decode(&s); err != nil {
			return mismatch
		}
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		var b bool
		if tag != "!!bool" || n.Decode(&b) != nil {
			return mismatch
		}
		v.SetBool(b)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		var f float64
		if (tag != "!!float" && tag != "!!int") || n.Decode(&f) != nil {
			return mismatch
		}
		v.SetFloat(f)
	default: // integers, as keys() admits no other leaf
		var i int64
		if tag != "!!int" || n.Decode(&i) != nil {
			return mismatch
		}
		if v.OverflowInt(i) {
			return fmt.Errorf("%s is out of range for a %d-bit integer", n.Value, t.Bits())
		}
		v.SetInt(i)
	}
	return nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of a YAML node for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "an empty value"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		}
		return n.Value
	}
	return "an unexpected YAML node"
}
