package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ReadSecret returns the content of the file at path, without one trailing
// newline ("\n" or "\r\n"), so that secrets such as passphrases can be kept
// out of the configuration and the environment. Errors name the path.
func ReadSecret(path string) (string, error) {
	if path == "" {
		return "", errors.New("read secret: no file name given")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The *fs.PathError from os names the file.
		return "", fmt.Errorf("read secret: %w", err)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	return s, nil
}
