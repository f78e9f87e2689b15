package garsim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/entgar/entgar/gar"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// LoadOrCreateHostKey reads the SSH host key at path (OpenSSH or PEM
// format), or, when there is no file there, generates an ed25519 key,
// writes it (mode 0600) with its public half in path+".pub", and returns it.
// A persisted key keeps the known_hosts of the ENTs valid across restarts.
func LoadOrCreateHostKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		s, err := ssh.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: generate: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "garsim host key")
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(s.PublicKey()), 0o644); err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	return s, nil
}

// AuthorizedKey is one line of the authorized_keys file.
type AuthorizedKey struct {
	Key ssh.PublicKey
	// Ident, when set, confines the key to that idENT's folders (and
	// ANALYSEUR), as GAR gives each ENT its own account: the line carries
	// the option environment="GARSIM_IDENT=<idENT>". Empty: every idENT.
	Ident string
}

// identOption is the only authorized_keys option garsim understands.
const identOption = `environment="GARSIM_IDENT=`

// ReadAuthorizedKeys parses an OpenSSH authorized_keys file. The only option
// accepted is environment="GARSIM_IDENT=<idENT>"; others (from=,
// command=, ...) make the line an error rather than being silently ignored.
func ReadAuthorizedKeys(path string) ([]AuthorizedKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	var keys []AuthorizedKey
	for line := 1; len(data) > 0; line++ {
		var cur []byte
		cur, data, _ = bytes.Cut(data, []byte("\n"))
		cur = bytes.TrimSpace(cur)
		if len(cur) == 0 || cur[0] == '#' {
			continue
		}
		k, _, opts, _, err := ssh.ParseAuthorizedKey(cur)
		if err != nil {
			return nil, fmt.Errorf("authorized keys %s:%d: %w", path, line, err)
		}
		ak := AuthorizedKey{Key: k}
		for _, o := range opts {
			if !strings.HasPrefix(o, identOption) || !strings.HasSuffix(o, `"`) || ak.Ident != "" {
				return nil, fmt.Errorf("authorized keys %s:%d: option %q is not supported (only %sIDENT\")", path, line, o, identOption)
			}
			id, err := gar.NormalizeIdent(strings.TrimSuffix(strings.TrimPrefix(o, identOption), `"`))
			if err != nil {
				return nil, fmt.Errorf("authorized keys %s:%d: %w", path, line, err)
			}
			ak.Ident = id
		}
		keys = append(keys, ak)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("authorized keys %s: no key", path)
	}
	return keys, nil
}

// KnownHostsLine returns the known_hosts line by which a client trusts
// hostKey at addr (host:port), e.g. "[127.0.0.1]:2222 ssh-ed25519 AAAA...".
func KnownHostsLine(addr string, hostKey ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostKey)
}

// AuthorizeNewClientKey is for rehearsals on a fresh machine: it makes sure
// an ed25519 client key exists at keyPath (generated, mode 0600, with
// keyPath+".pub", when missing) and that its public key is in the
// authorized_keys file (appended, the file created when missing).
func AuthorizeNewClientKey(keyPath, authorizedKeys string) error {
	data, err := os.ReadFile(keyPath)
	var signer ssh.Signer
	switch {
	case err == nil:
		if signer, err = ssh.ParsePrivateKey(data); err != nil {
			return fmt.Errorf("client key %s: %w", keyPath, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		for _, p := range []string{keyPath, authorizedKeys} {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return fmt.Errorf("client key: %w", err)
			}
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return fmt.Errorf("client key: generate: %w", err)
		}
		block, err := ssh.MarshalPrivateKey(priv, "entgar demo client key")
		if err != nil {
			return fmt.Errorf("client key: %w", err)
		}
		if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
			return fmt.Errorf("client key: %w", err)
		}
		if signer, err = ssh.NewSignerFromKey(priv); err != nil {
			return fmt.Errorf("client key: %w", err)
		}
		if err := os.WriteFile(keyPath+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
			return fmt.Errorf("client key: %w", err)
		}
	default:
		return fmt.Errorf("client key: %w", err)
	}
	if keys, err := ReadAuthorizedKeys(authorizedKeys); err == nil {
		for _, k := range keys {
			if bytes.Equal(k.Key.Marshal(), signer.PublicKey().Marshal()) {
				return nil
			}
		}
	}
	f, err := os.OpenFile(authorizedKeys, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	_, err = f.Write(ssh.MarshalAuthorizedKey(signer.PublicKey()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("authorized keys %s: %w", authorizedKeys, err)
	}
	return nil
}
