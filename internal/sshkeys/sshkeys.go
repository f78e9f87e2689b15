// Package sshkeys writes SSH key pairs and known_hosts files for tests and
// benchmarks, in the formats OpenSSH reads.
package sshkeys

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Kind is a key algorithm: "ed25519" or "rsa".
type Kind string

// The key kinds Write can make.
const (
	Ed25519 Kind = "ed25519"
	RSA     Kind = "rsa"
)

// Write generates a key of the given kind (bits only for RSA) and writes
// the private key to path in OpenSSH format, encrypted when passphrase is
// not empty, with mode 0600, and the public key to path+".pub". It returns
// the public key.
func Write(path string, kind Kind, bits int, passphrase string) (ssh.PublicKey, error) {
	var priv crypto.PrivateKey
	var pub crypto.PublicKey
	switch kind {
	case Ed25519:
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		pub, priv = p, k
	case RSA:
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, fmt.Errorf("generate RSA-%d: %w", bits, err)
		}
		pub, priv = &k.PublicKey, k
	default:
		return nil, fmt.Errorf("unknown key kind %q", kind)
	}
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(sp), 0o644); err != nil {
		return nil, err
	}
	return sp, nil
}

// WriteKnownHosts writes a known_hosts file at path recording key for the
// address host:port.
func WriteKnownHosts(path, hostport string, key ssh.PublicKey) error {
	line := knownhosts.Line([]string{knownhosts.Normalize(hostport)}, key)
	return os.WriteFile(path, []byte(line+"\n"), 0o644)
}
