package server

import (
	"context"
	"errors"
	"net/http"
)

// Authentication methods, the Method of a Principal.
const (
	MethodAPIKey     = "api_key"
	MethodClientCert = "client_certificate"
)

// A Principal is an authenticated caller.
type Principal struct {
	// Method is how the caller was authenticated (MethodAPIKey, ...).
	Method string
	// Name names the caller in logs: the portal's name from the API keys
	// file, or the common name of its certificate.
	Name string
}

// ErrNoCredentials is returned by an Authenticator when the request carries
// none of the credentials it checks.
var ErrNoCredentials = errors.New("no credentials")

// An Authenticator finds who sent a request. The SSO work adds a session
// Authenticator next to the API keys and client certificates.
type Authenticator interface {
	// Authenticate returns the caller of r. It returns ErrNoCredentials
	// when r carries none of the credentials it checks, any other error
	// when it carries some that are wrong.
	Authenticate(r *http.Request) (Principal, error)
}

// Any authenticates with the first of its Authenticators that finds
// credentials in the request: a request with a wrong API key is rejected
// even if another method would have accepted it.
type Any []Authenticator

// Authenticate implements Authenticator.
func (a Any) Authenticate(r *http.Request) (Principal, error) {
	for _, auth := range a {
		p, err := auth.Authenticate(r)
		if errors.Is(err, ErrNoCredentials) {
			continue
		}
		return p, err
	}
	return Principal{}, ErrNoCredentials
}

type principalKey struct{}

// PrincipalFrom returns the caller authenticated for the request whose
// context is ctx, and whether there is one.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// requireAuth runs h for the requests that auth accepts and answers 401 to
// the others. The reason is logged, not sent: a caller probing keys learns
// nothing.
func requireAuth(auth Authenticator, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.Authenticate(r)
		info := infoFrom(r.Context())
		if err != nil {
			if info != nil {
				info.authError = err
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="entgar"`)
			writeJSONError(w, http.StatusUnauthorized, "authentication required: an API key (Authorization: Bearer) or a client certificate")
			return
		}
		if info != nil {
			info.principal = p
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}
