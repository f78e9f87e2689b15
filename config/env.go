package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// applyEnv sets into root, a configuration struct whose keys are ks, the
// values of the ENTGAR_ variables of env, recording in origins which
// variable set each key. When a name appears more than once in env, the last
// value wins, as with os/exec. Variables are applied in name order so that
// errors come out in a stable order.
func applyEnv(root reflect.Value, ks []key, env []string, origins map[string]string) []error {
	byName := make(map[string]key, len(ks))
	var names []string
	for _, k := range ks {
		if k.section {
			continue
		}
		name := envName(k.path)
		if other, dup := byName[name]; dup {
			return []error{fmt.Errorf("configuration keys %s and %s share the environment variable %s", other.path, k.path, name)}
		}
		byName[name] = k
		names = append(names, name)
	}

	values := make(map[string]string)
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		values[name] = value
	}
	set := make([]string, 0, len(values))
	for name := range values {
		set = append(set, name)
	}
	slices.Sort(set)

	var errs []error
	for _, name := range set {
		k, ok := byName[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no configuration key has this environment variable%s", name, suggest(name, names)))
			continue
		}
		if err := setText(root.FieldByIndex(k.index), values[name]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", name, k.path, err))
			continue
		}
		origins[k.path] = name
	}
	return errs
}
