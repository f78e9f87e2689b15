package sftp

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a failed host key check: the server is not in the
// known_hosts file (Known is empty) or it presented a key other than the
// ones recorded for it. The connection is abandoned before authentication,
// so nothing was sent to that server.
type HostKeyError struct {
	// Addr is the host:port connected to.
	Addr string
	// File is the known_hosts file checked.
	File string
	// Offered is the type and SHA256 fingerprint of the key the server
	// presented.
	Offered string
	// Known lists the keys recorded for Addr, as "type fingerprint
	// (file:line)".
	Known []string
	// Revoked is set when the offered key is marked @revoked.
	Revoked bool
}

func (e *HostKeyError) Error() string {
	switch {
	case e.Revoked:
		return fmt.Sprintf("host key verification failed: %s presented %s, which %s marks as revoked", e.Addr, e.Offered, e.File)
	case len(e.Known) == 0:
		host, port, _ := net.SplitHostPort(e.Addr)
		return fmt.Sprintf("host key verification failed: %s is not in %s (it presented %s); check that fingerprint with GAR, then add the key with: ssh-keyscan -p %s %s >> %s",
			e.Addr, e.File, e.Offered, port, host, e.File)
	}
	return fmt.Sprintf("host key verification failed: %s presented %s but %s expects %s; the server's key changed or the connection is intercepted; nothing was sent",
		e.Addr, e.Offered, e.File, strings.Join(e.Known, " or "))
}

// hostKeys checks server host keys against a known_hosts file.
type hostKeys struct {
	file  string
	check ssh.HostKeyCallback
}

func loadHostKeys(file string) (*hostKeys, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, &ConfigError{"sftp.known_hosts", fmt.Errorf("known_hosts file: %w", err)}
	}
	cb, err := knownhosts.New(file)
	if err != nil {
		return nil, &ConfigError{"sftp.known_hosts", fmt.Errorf("read %s: %w", file, err)}
	}
	return &hostKeys{file: file, check: cb}, nil
}

// callback returns the ssh.HostKeyCallback that turns knownhosts' errors
// into HostKeyErrors.
func (h *hostKeys) callback() ssh.HostKeyCallback {
	return func(addr string, remote net.Addr, key ssh.PublicKey) error {
		err := h.check(addr, remote, key)
		if err == nil {
			return nil
		}
		he := &HostKeyError{Addr: addr, File: h.file, Offered: key.Type() + " " + ssh.FingerprintSHA256(key)}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			he.Revoked = true
		case errors.As(err, &ke):
			for _, k := range ke.Want {
				he.Known = append(he.Known, fmt.Sprintf("%s %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
			}
		default:
			return fmt.Errorf("host key check of %s against %s: %w", addr, h.file, err)
		}
		return he
	}
}

// algorithms returns the host key algorithms to ask the server for: those
// of the keys known for addr. Without this, a server holding several host
// keys may present one that is not recorded while another one is, and the
// check would report a mismatch that is none. Nil means the host is
// unknown; the handshake then proceeds so that the error can show the
// fingerprint offered.
func (h *hostKeys) algorithms(addr string) []string {
	// knownhosts has no lookup: checking a throwaway key yields a KeyError
	// listing every key recorded for addr.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if !errors.As(h.check(addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, probe), &ke) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a ...string) {
		for _, x := range a {
			if !seen[x] {
				seen[x] = true
				algos = append(algos, x)
			}
		}
	}
	for _, k := range ke.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}
