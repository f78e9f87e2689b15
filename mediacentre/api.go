package mediacentre

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/entgar/entgar/gar"
)

// MaxEstablishments bounds the establishments of one request to the API or
// the page: a user belongs to a few, never dozens.
const MaxEstablishments = 20

// A query is what the portal asks for: one user, their establishments in
// the order the portal lists them, and optionally their names.
type query struct {
	user  string
	uais  []string // upper-cased, without duplicates
	names map[string]string
}

// parseQuery reads the parameters user (once), uai (repeated) and, for the
// page, uai_name (repeated, one per uai in the same order). Errors say
// which parameter is wrong.
func parseQuery(v url.Values, withNames bool) (query, error) {
	var q query
	users := v["user"]
	switch {
	case len(users) == 0 || users[0] == "":
		return q, errors.New("parameter user is required (the GARPersonIdentifiant)")
	case len(users) > 1:
		return q, errors.New("parameter user is given more than once")
	}
	q.user = users[0]
	if gar.TooLong(q.user, gar.MaxPersonID) || !printable(q.user) {
		return q, fmt.Errorf("parameter user: want at most %d printable characters", gar.MaxPersonID)
	}
	raw := v["uai"]
	if len(raw) == 0 {
		return q, errors.New("parameter uai is required (one per establishment of the user)")
	}
	if len(raw) > MaxEstablishments {
		return q, fmt.Errorf("parameter uai: at most %d establishments, got %d", MaxEstablishments, len(raw))
	}
	names := v["uai_name"]
	if withNames && len(names) > 0 && len(names) != len(raw) {
		return q, fmt.Errorf("parameter uai_name: give one per uai (%d), got %d", len(raw), len(names))
	}
	seen := make(map[string]bool, len(raw))
	for i, u := range raw {
		u = strings.ToUpper(strings.TrimSpace(u))
		if !validUAI(u) {
			return q, fmt.Errorf("parameter uai: %q is not a UAI (letters and digits, at most %d)", raw[i], gar.MaxUAI)
		}
		if seen[u] {
			continue
		}
		seen[u] = true
		q.uais = append(q.uais, u)
		if withNames && len(names) > 0 {
			if q.names == nil {
				q.names = make(map[string]string)
			}
			n := strings.TrimSpace(names[i])
			if gar.TooLong(n, gar.MaxName) || !printable(n) {
				return q, fmt.Errorf("parameter uai_name %d: want at most %d printable characters", i+1, gar.MaxName)
			}
			q.names[u] = n
		}
	}
	return q, nil
}

func validUAI(u string) bool {
	if u == "" || len(u) > gar.MaxUAI {
		return false
	}
	for _, c := range []byte(u) {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// API is the JSON API for the ENT portal: GET with user and repeated uai
// parameters, answered with the resources of the user in each
// establishment (see docs/serve.md for the exact document).
type API struct {
	fetch Fetcher
	log   *slog.Logger
}

// NewAPI returns the API answering from fetch. log may be nil to discard.
func NewAPI(fetch Fetcher, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{fetch: fetch, log: log}
}

// APIAnswer is the document the API returns: one entry per establishment,
// in the order of the request's uai parameters (duplicates removed).
type APIAnswer struct {
	User           string             `json:"user"`
	Establishments []APIEstablishment `json:"establishments"`
}

// APIEstablishment is the answer for one establishment: its resources, or
// why they could not be fetched.
type APIEstablishment struct {
	UAI string `json:"uai"`
	// OK is false when the resources could not be fetched; Error says why.
	OK bool `json:"ok"`
	// Resources is never null: empty when GAR assigns none, or on error.
	Resources []Resource `json:"resources"`
	Error     *APIError  `json:"error,omitempty"`
}

// APIError describes a failed establishment.
type APIError struct {
	// Status is GAR's HTTP status (400, 401, 403, 405, 406, 500, 503), or
	// 0 when GAR did not answer (timeout, network, TLS).
	Status int `json:"status,omitempty"`
	// Code and Message are GAR's Erreur Code and Message, as GAR wrote
	// them (the reference asks the médiacentre to show the message).
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Kind classifies the error: a GAR error kind (unknown_establishment,
	// unknown_user, bad_request, unauthorized, forbidden,
	// method_not_allowed, not_acceptable, server_error, unavailable,
	// other) or, when GAR gave no answer: tls (a certificate or handshake
	// problem), no_answer (timeout, network) or technical.
	Kind string `json:"kind"`
	// UserMessage is a French sentence to show the user.
	UserMessage string `json:"user_message"`
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query(), false)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	results := a.fetch.ResourcesByEstablishment(r.Context(), q.user, q.uais)
	ans := APIAnswer{User: q.user, Establishments: make([]APIEstablishment, 0, len(results))}
	for _, res := range results {
		e := APIEstablishment{UAI: res.UAI, OK: res.Err == nil, Resources: res.Resources}
		if e.Resources == nil {
			e.Resources = []Resource{}
		}
		if res.Err != nil {
			e.Error = apiError(res.Err)
			a.log.LogAttrs(r.Context(), failureLevel(res.Err), "médiacentre: establishment failed",
				slog.String("uai", res.UAI), slog.String("kind", e.Error.Kind), slog.String("err", res.Err.Error()))
		}
		ans.Establishments = append(ans.Establishments, e)
	}
	writeJSON(w, http.StatusOK, ans)
}

// apiError describes err, an error of the Fetcher, for the portal.
func apiError(err error) *APIError {
	e := &APIError{UserMessage: UserMessage(err)}
	var ge *Error
	var ne net.Error
	switch {
	case errors.As(err, &ge):
		e.Status, e.Code, e.Message, e.Kind = ge.Status, ge.Code, ge.Message, ge.Kind.String()
	case isTLSProblem(err):
		e.Kind = "tls"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne):
		e.Kind = "no_answer"
	default:
		e.Kind = "technical"
	}
	return e
}

// failureLevel is the log level of a failed establishment: a warning when
// GAR or the way to it fails, information when GAR answered about the user
// or the establishment (not yet known to GAR, a frequent and normal case
// after an export).
func failureLevel(err error) slog.Level {
	if upstreamFailure(err) {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// Personal data: never kept by a browser or a proxy.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
