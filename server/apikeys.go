package server

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

// MinAPIKeyLength is the shortest API key accepted. The keys file holds
// unsalted SHA-256 hashes, which is safe only for keys too long to guess:
// 32 characters of a random base64 or hex string.
const MinAPIKeyLength = 32

// APIKeys authenticates callers by an API key sent as
// "Authorization: Bearer KEY". Only the SHA-256 hashes of the keys are
// kept, and a presented key is compared with every one of them in constant
// time.
type APIKeys struct {
	keys []apiKey
}

type apiKey struct {
	name string
	hash [sha256.Size]byte
}

// ReadAPIKeys reads an API keys file: one key per line, as a name (used in
// logs: letters, digits, '.', '_', '-', at most 64) and the key's hash
// "sha256:HEX" separated by spaces. Blank lines and lines starting with '#'
// are ignored. Errors name the file and line.
func ReadAPIKeys(path string) (*APIKeys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read API keys: %w", err)
	}
	defer f.Close()
	keys, err := ParseAPIKeys(f)
	if err != nil {
		return nil, fmt.Errorf("API keys file %s: %w", path, err)
	}
	return keys, nil
}

// ParseAPIKeys parses the content of an API keys file (see ReadAPIKeys).
// Errors name the line. A file without any key is an error.
func ParseAPIKeys(r io.Reader) (*APIKeys, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 4096)
	a := &APIKeys{}
	names := make(map[string]int)
	hashes := make(map[[sha256.Size]byte]int)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want NAME sha256:HEX, got %d fields", line, len(fields))
		}
		name, h := fields[0], fields[1]
		if err := checkKeyName(name); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		hexHash, ok := strings.CutPrefix(h, "sha256:")
		if !ok {
			return nil, fmt.Errorf("line %d: key %s: the hash must start with \"sha256:\"", line, name)
		}
		var k apiKey
		k.name = name
		if len(hexHash) != hex.EncodedLen(sha256.Size) {
			return nil, fmt.Errorf("line %d: key %s: want 64 hexadecimal digits after \"sha256:\"", line, name)
		}
		if _, err := hex.Decode(k.hash[:], []byte(hexHash)); err != nil {
			return nil, fmt.Errorf("line %d: key %s: want 64 hexadecimal digits after \"sha256:\"", line, name)
		}
		if first, dup := names[name]; dup {
			return nil, fmt.Errorf("line %d: name %s is already used on line %d", line, name, first)
		}
		if first, dup := hashes[k.hash]; dup {
			return nil, fmt.Errorf("line %d: key %s has the same hash as line %d", line, name, first)
		}
		names[name], hashes[k.hash] = line, line
		a.keys = append(a.keys, k)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than 4096 bytes", line+1)
		}
		return nil, err
	}
	if len(a.keys) == 0 {
		return nil, errors.New("no key")
	}
	return a, nil
}

func checkKeyName(name string) error {
	if len(name) > 64 {
		return fmt.Errorf("name %.20q...: longer than 64 characters", name)
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("name %q: only letters, digits, '.', '_' and '-' are allowed", name)
		}
	}
	return nil
}

// Len returns the number of keys.
func (a *APIKeys) Len() int { return len(a.keys) }

// Authenticate implements Authenticator.
func (a *APIKeys) Authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return Principal{}, ErrNoCredentials
	}
	key = strings.TrimSpace(key)
	if len(key) < MinAPIKeyLength {
		return Principal{}, errors.New("API key too short")
	}
	sum := sha256.Sum256([]byte(key))
	found := -1
	// Every hash is compared, so the time taken says nothing of which
	// key, if any, matched.
	for i := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], a.keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Principal{}, errors.New("unknown API key")
	}
	return Principal{Method: MethodAPIKey, Name: a.keys[found].name}, nil
}

// APIKeysFile authenticates with the keys of an API keys file (see
// ReadAPIKeys), read again when the file changes, at most every 30 seconds,
// so that a key is added or revoked without a restart. A change that does
// not parse keeps the previous keys and is logged.
type APIKeysFile struct {
	keys *reloader[*APIKeys]
}

// OpenAPIKeys reads the API keys file at path, which is then watched for
// changes; log receives the reloads and the failed ones.
func OpenAPIKeys(path string, log *slog.Logger) (*APIKeysFile, error) {
	r, err := newReloader("API keys file", func() (*APIKeys, error) { return ReadAPIKeys(path) }, log, path)
	if err != nil {
		return nil, err
	}
	return &APIKeysFile{keys: r}, nil
}

// Authenticate implements Authenticator with the current keys.
func (f *APIKeysFile) Authenticate(r *http.Request) (Principal, error) {
	return f.keys.get().Authenticate(r)
}

// Len returns the number of current keys.
func (f *APIKeysFile) Len() int { return f.keys.get().Len() }

// HashAPIKey returns the line of an API keys file for key under name.
func HashAPIKey(name, key string) string {
	return fmt.Sprintf("%s sha256:%x", name, sha256.Sum256([]byte(key)))
}
