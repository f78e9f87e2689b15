package mediacentre

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// ReferenceCipherSuites lists, in the reference's order, the cipher suites
// that GAR's HTTPS interfaces accept (reference §7.4, OpenSSL names), each
// with the Go constant that implements it, or 0 when Go does not implement
// it. The list ends with "!DSS" in the reference, an exclusion rather than a
// suite.
func ReferenceCipherSuites() []CipherSuite {
	return []CipherSuite{
		{"ECDHE-ECDSA-CHACHA20-POLY1305", tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{"ECDHE-RSA-CHACHA20-POLY1305", tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
		{"ECDHE-ECDSA-AES128-GCM-SHA256", tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"ECDHE-RSA-AES128-GCM-SHA256", tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"ECDHE-ECDSA-AES256-GCM-SHA384", tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{"ECDHE-RSA-AES256-GCM-SHA384", tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		{"DHE-RSA-AES128-GCM-SHA256", 0},
		{"DHE-RSA-AES256-GCM-SHA384", 0},
		{"ECDHE-ECDSA-AES128-SHA256", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256},
		{"ECDHE-RSA-AES128-SHA256", tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256},
		{"ECDHE-ECDSA-AES128-SHA", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA},
		{"ECDHE-RSA-AES256-SHA384", 0},
		{"ECDHE-RSA-AES128-SHA", tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		{"ECDHE-ECDSA-AES256-SHA384", 0},
		{"ECDHE-ECDSA-AES256-SHA", tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA},
		{"ECDHE-RSA-AES256-SHA", tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA},
		{"DHE-RSA-AES128-SHA256", 0},
		{"DHE-RSA-AES128-SHA", 0},
		{"DHE-RSA-AES256-SHA256", 0},
		{"DHE-RSA-AES256-SHA", 0},
		{"AES128-GCM-SHA256", tls.TLS_RSA_WITH_AES_128_GCM_SHA256},
		{"AES256-GCM-SHA384", tls.TLS_RSA_WITH_AES_256_GCM_SHA384},
		{"AES128-SHA256", tls.TLS_RSA_WITH_AES_128_CBC_SHA256},
		{"AES256-SHA256", 0},
		{"AES128-SHA", tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"AES256-SHA", tls.TLS_RSA_WITH_AES_256_CBC_SHA},
	}
}

// CipherSuite is one suite of the reference's list.
type CipherSuite struct {
	// OpenSSL is the name as the reference writes it.
	OpenSSL string
	// ID is the crypto/tls constant, 0 when Go does not implement the suite
	// (the DHE suites and the CBC suites with SHA-384 or AES-256/SHA-256).
	ID uint16
}

// ClientCipherSuites returns the TLS 1.2 cipher suites the client offers:
// those of the reference that Go implements and does not class as insecure
// (tls.CipherSuites), in the reference's order: ECDHE key exchange only,
// AEAD first, then AES-CBC with SHA-1 MACs. The reference's RSA key
// exchange suites (no forward secrecy) and CBC suites with SHA-256 MACs
// (Lucky13-prone in Go) are left out: GAR accepts the ECDHE ones, so
// offering the others could only weaken a connection.
func ClientCipherSuites() []uint16 {
	secure := make(map[uint16]bool)
	for _, s := range tls.CipherSuites() {
		secure[s.ID] = true
	}
	var out []uint16
	for _, s := range ReferenceCipherSuites() {
		if s.ID != 0 && secure[s.ID] {
			out = append(out, s.ID)
		}
	}
	return out
}

// loadClientCertificate reads the client certificate and its key, from
// PEM files or from a PKCS#12 (.p12, .pfx) file as certificate authorities
// often deliver them. The chain certificates of the PKCS#12 file are sent
// with the leaf.
func loadClientCertificate(cfg *Config) (tls.Certificate, error) {
	switch {
	case cfg.PKCS12File != "" && (cfg.CertFile != "" || cfg.KeyFile != ""):
		return tls.Certificate{}, errors.New("client certificate: give either a PKCS#12 file or PEM certificate and key files, not both")
	case cfg.PKCS12File != "":
		data, err := os.ReadFile(cfg.PKCS12File)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("client certificate: %w", err)
		}
		key, leaf, chain, err := pkcs12.DecodeChain(data, cfg.PKCS12Password)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("client certificate: PKCS#12 file %s: %w", cfg.PKCS12File, err)
		}
		cert := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
		for _, c := range chain {
			cert.Certificate = append(cert.Certificate, c.Raw)
		}
		return cert, nil
	case cfg.CertFile == "" || cfg.KeyFile == "":
		return tls.Certificate{}, errors.New("client certificate: GAR requires one: set mediacentre.cert_file and mediacentre.key_file (PEM), or mediacentre.pkcs12_file")
	}
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("client certificate %s with key %s: %w", cfg.CertFile, cfg.KeyFile, err)
	}
	return cert, nil
}

// loadRoots returns the authorities trusted for GAR's server certificate: the
// PEM bundle at path, or the system's when path is empty.
func loadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("system certificate authorities: %w", err)
		}
		return pool, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certificate authorities: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("certificate authorities: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// newTLSConfig is the client side of reference §7.4: TLS 1.2 or later, the
// reference's suites that Go implements safely, the server verified against
// roots, the client certificate always presented.
func newTLSConfig(cert tls.Certificate, roots *x509.CertPool, serverName string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: ClientCipherSuites(),
		RootCAs:      roots,
		ServerName:   serverName,
		// The certificate is sent whatever authorities the server's request
		// names: crypto/tls would otherwise send none when the list does
		// not match, and GAR's answer (401, "No required SSL certificate
		// was sent") would hide the real problem.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &cert, nil
		},
		// GAR speaks HTTP/1.1 (§7.2.3.2).
		NextProtos: []string{"http/1.1"},
	}
}

// DescribeTLSError returns an operator's explanation of a TLS failure, in
// English, or "" when err is not one: which side refused which certificate
// and which setting to check.
func DescribeTLSError(err error) string {
	if err == nil {
		return ""
	}
	var (
		unknownCA x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
	)
	msg := err.Error()
	switch {
	case errors.As(err, &unknownCA):
		return "the server's certificate is not signed by an authority of mediacentre.ca_file (wrong CA bundle, or not GAR's server)"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the server's certificate has expired or is not yet valid (check this machine's clock too): " + invalid.Detail
	case errors.As(err, &invalid):
		return "the server's certificate is not valid: " + invalid.Error()
	case errors.As(err, &hostname):
		return "the server's certificate does not name the host of mediacentre.base_url: " + hostname.Error()
	case strings.Contains(msg, "remote error: tls: certificate required"):
		return "the server requires a client certificate and none was sent (mediacentre.cert_file/key_file or pkcs12_file)"
	case strings.Contains(msg, "remote error: tls: expired certificate"):
		return "the server refused the client certificate as expired: renew it with the ministry's authority"
	case strings.Contains(msg, "remote error: tls: unknown certificate authority"),
		strings.Contains(msg, "remote error: tls: bad certificate"),
		strings.Contains(msg, "remote error: tls: unsupported certificate"),
		strings.Contains(msg, "remote error: tls: certificate revoked"):
		return "the server refused the client certificate (not issued by the authority it trusts, revoked, or wrong usage)"
	case strings.Contains(msg, "remote error: tls: protocol version"),
		strings.Contains(msg, "tls: server selected unsupported protocol version"):
		return "no common TLS version: the client requires TLS 1.2 or later"
	case strings.Contains(msg, "tls: no cipher suite supported"):
		return "no common cipher suite between the client (reference §7.4 list) and the server"
	case strings.Contains(msg, "remote error: tls: handshake failure"):
		// TLS 1.2 has no specific alert for a missing client certificate.
		return "the server refused the handshake: it did not get or did not accept the client certificate (mediacentre.cert_file/key_file or pkcs12_file), or no cipher suite of reference §7.4 is common"
	case strings.Contains(msg, "tls: first record does not look like a TLS handshake"):
		return "the server did not answer with TLS: is mediacentre.base_url an https:// URL of the right port?"
	case strings.Contains(msg, "tls: "):
		return "the TLS handshake failed: " + msg
	}
	return ""
}
