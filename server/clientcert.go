package server

import (
	"errors"
	"net/http"
)

// ClientCert authenticates callers by a TLS client certificate. The TLS
// handshake has already verified it against Options.ClientCAFile (a
// certificate that does not verify never gets this far); ClientCert names
// the caller after the certificate's common name, or its first DNS name
// when it has no common name.
type ClientCert struct{}

// Authenticate implements Authenticator.
func (ClientCert) Authenticate(r *http.Request) (Principal, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return Principal{}, ErrNoCredentials
	}
	leaf := r.TLS.VerifiedChains[0][0]
	name := leaf.Subject.CommonName
	if name == "" && len(leaf.DNSNames) > 0 {
		name = leaf.DNSNames[0]
	}
	if name == "" {
		return Principal{}, errors.New("client certificate without a common name or DNS name")
	}
	return Principal{Method: MethodClientCert, Name: name}, nil
}
