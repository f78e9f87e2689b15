package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
)

// tlsConfig builds the server's TLS configuration: TLS 1.2 or later with
// Go's default (AEAD, forward-secret) cipher suites, the certificate of
// certFile and keyFile (reloaded when renewed, see reloader), and client
// certificates verified against the bundle in caFile when it is set.
func tlsConfig(certFile, keyFile, caFile string, log *slog.Logger) (*tls.Config, *reloader[*tls.Certificate], error) {
	if certFile == "" || keyFile == "" {
		return nil, nil, fmt.Errorf("server.tls_cert and server.tls_key are required")
	}
	certs, err := newReloader("server certificate", func() (*tls.Certificate, error) {
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load server certificate %s with key %s: %w", certFile, keyFile, err)
		}
		return &c, nil
	}, log, certFile, keyFile)
	if err != nil {
		return nil, nil, err
	}
	c := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return certs.get(), nil
		},
	}
	if caFile != "" {
		pool, err := loadCertPool(caFile)
		if err != nil {
			return nil, nil, err
		}
		c.ClientCAs = pool
		// Asked, not required: API-key callers connect without one.
		c.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return c, certs, nil
}

// loadCertPool reads a PEM bundle of CA certificates.
func loadCertPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read client CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("client CA bundle %s: no PEM certificate found", path)
	}
	return pool, nil
}
