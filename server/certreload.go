package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certCheckInterval is how often, at most, the server looks at its
// certificate files for a renewal.
const certCheckInterval = 30 * time.Second

// certReloader serves the server's certificate and picks up a renewed one
// (certbot, an ACME client, a configuration manager rewriting the files)
// without a restart: on a handshake, at most every interval, it compares
// the files' modification times with those it loaded and reloads them when
// they changed. A renewal that does not load (the key written after the
// certificate, a broken file) keeps the previous certificate and is logged,
// and is tried again at the next check.
type certReloader struct {
	certFile, keyFile string
	interval          time.Duration
	log               *slog.Logger

	mu               sync.Mutex
	cert             *tls.Certificate
	certMod, keyMod  time.Time
	checked          time.Time
	lastFailedReload string
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, interval: certCheckInterval, log: log}
	certMod, keyMod, err := r.modTimes()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load server certificate %s with key %s: %w", certFile, keyFile, err)
	}
	r.cert, r.certMod, r.keyMod, r.checked = &cert, certMod, keyMod, time.Now()
	return r, nil
}

func (r *certReloader) modTimes() (cert, key time.Time, err error) {
	ci, err := os.Stat(r.certFile)
	if err != nil {
		return cert, key, fmt.Errorf("server certificate: %w", err)
	}
	ki, err := os.Stat(r.keyFile)
	if err != nil {
		return cert, key, fmt.Errorf("server key: %w", err)
	}
	return ci.ModTime(), ki.ModTime(), nil
}

// getCertificate implements tls.Config.GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= r.interval {
		r.checked = now
		r.reload()
	}
	return r.cert, nil
}

// reload loads the files again if they changed; r.mu is held.
func (r *certReloader) reload() {
	certMod, keyMod, err := r.modTimes()
	if err == nil && certMod.Equal(r.certMod) && keyMod.Equal(r.keyMod) {
		return
	}
	var cert tls.Certificate
	if err == nil {
		cert, err = tls.LoadX509KeyPair(r.certFile, r.keyFile)
	}
	if err != nil {
		// Logged once per distinct failure, not at every check.
		if msg := err.Error(); msg != r.lastFailedReload {
			r.lastFailedReload = msg
			r.log.Warn("server certificate changed but does not load: keeping the previous one", "cert", r.certFile, "key", r.keyFile, "err", err)
		}
		return
	}
	r.cert, r.certMod, r.keyMod, r.lastFailedReload = &cert, certMod, keyMod, ""
	expires := ""
	if cert.Leaf != nil {
		expires = cert.Leaf.NotAfter.Format(time.RFC3339)
	}
	r.log.Info("server certificate reloaded", "cert", r.certFile, "expires", expires)
}
