package mediacentre

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Error is an error answer of GAR's web service: the HTTP status and GAR's
// Erreur body (reference §7.2.3.5 tables 18 and 22, example §7.2.3.6), either
// <Erreur><Code/><Message/><Resource/></Erreur> or
// {"Erreur":{"Code","Message","Resource"}}. Code, Message and Resource are
// empty when the body held no Erreur (a proxy's page, for instance).
type Error struct {
	// Status is the HTTP status code (400, 401, 403, 405, 406, 500, 503...).
	Status int
	// Code is GAR's Code, such as "Bad Request".
	Code string
	// Message is GAR's Message, such as "Etablissement non trouvé". The
	// reference asks the médiacentre to show it (§7.5.2).
	Message string
	// Resource is GAR's Resource: the path that failed, which ends with
	// the user's identifier; Error() shows it without that identifier.
	Resource string
	// Kind classifies the error for callers and for UserMessage.
	Kind ErrorKind
}

// ErrorKind says what an Error means for the user and the operator.
type ErrorKind int

// The kinds of GAR errors, from the status and, for 400, GAR's message.
const (
	// KindOther is any status the reference does not list.
	KindOther ErrorKind = iota
	// KindUnknownEstablishment is a 400 whose message says that the
	// establishment (UAI) is unknown to GAR for this idENT.
	KindUnknownEstablishment
	// KindUnknownUser is a 400 whose message says that the user is unknown
	// to GAR in this establishment.
	KindUnknownUser
	// KindBadRequest is any other 400: invalid format or missing parameter.
	KindBadRequest
	// KindUnauthorized is 401: GAR did not accept the client certificate or
	// another authentication parameter.
	KindUnauthorized
	// KindForbidden is 403: the certificate is not allowed for this idENT,
	// or the access rights are invalid.
	KindForbidden
	// KindMethodNotAllowed is 405.
	KindMethodNotAllowed
	// KindNotAcceptable is 406: GAR refused the Accept header.
	KindNotAcceptable
	// KindServerError is 500.
	KindServerError
	// KindUnavailable is 503: GAR is temporarily unavailable. The client
	// retries it within its deadline.
	KindUnavailable
)

// String returns a short English name of the kind, for logs and metrics.
func (k ErrorKind) String() string {
	switch k {
	case KindUnknownEstablishment:
		return "unknown_establishment"
	case KindUnknownUser:
		return "unknown_user"
	case KindBadRequest:
		return "bad_request"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindMethodNotAllowed:
		return "method_not_allowed"
	case KindNotAcceptable:
		return "not_acceptable"
	case KindServerError:
		return "server_error"
	case KindUnavailable:
		return "unavailable"
	}
	return "other"
}

// newError classifies GAR's answer. A 400 is told apart by GAR's message:
// the reference's example says "Etablissement non trouvé"; its table says
// "L'établissement/école n'existe pas" and "L'utilisateur n'existe pas".
func newError(status int, code, message, resource string) *Error {
	e := &Error{Status: status, Code: code, Message: message, Resource: resource}
	switch status {
	case http.StatusBadRequest:
		m := strings.ToLower(message)
		switch {
		case strings.Contains(m, "tablissement") || strings.Contains(m, "école") || strings.Contains(m, "ecole") || strings.Contains(m, "uai"):
			e.Kind = KindUnknownEstablishment
		case strings.Contains(m, "utilisateur") || strings.Contains(m, "personne") || strings.Contains(m, "user"):
			e.Kind = KindUnknownUser
		default:
			e.Kind = KindBadRequest
		}
	case http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case http.StatusForbidden:
		e.Kind = KindForbidden
	case http.StatusMethodNotAllowed:
		e.Kind = KindMethodNotAllowed
	case http.StatusNotAcceptable:
		e.Kind = KindNotAcceptable
	case http.StatusInternalServerError:
		e.Kind = KindServerError
	case http.StatusServiceUnavailable:
		e.Kind = KindUnavailable
	}
	return e
}

// Error returns the status and GAR's code and message, for logs.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "GAR answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" || e.Message != "" {
		fmt.Fprintf(&b, ": %s", strings.TrimSpace(e.Code+" "+quoteIfAny(e.Message)))
	}
	if e.Resource != "" {
		fmt.Fprintf(&b, " (resource %s)", redactResource(e.Resource))
	}
	return b.String()
}

// redactResource masks what follows the idENT and the UAI in GAR's
// Resource: GAR echoes the request path, whose last segment is the user's
// GARPersonIdentifiant, and Error() reaches the logs and the readiness
// report. The field itself keeps the whole path.
func redactResource(r string) string {
	const prefix = "ressources/"
	i := strings.Index(r, prefix)
	if i < 0 {
		return r
	}
	head := r[:i+len(prefix)]
	parts := strings.SplitN(r[i+len(prefix):], "/", 3)
	if len(parts) < 3 {
		return r
	}
	return head + parts[0] + "/" + parts[1] + "/…"
}

func quoteIfAny(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

// Temporary reports whether trying again later may succeed (503).
func (e *Error) Temporary() bool { return e.Kind == KindUnavailable }

// UserMessage returns a French sentence for a pupil or a teacher, saying
// what happened and what to do, without technical detail. GAR's own Message
// (which the reference asks to show) is in e.Message.
func (e *Error) UserMessage() string {
	switch e.Kind {
	case KindUnknownEstablishment:
		return "Votre établissement n'est pas encore ouvert aux ressources numériques du GAR : vos ressources ne peuvent pas être affichées. Signalez-le à l'administrateur de l'ENT de votre établissement."
	case KindUnknownUser:
		return "Votre compte n'est pas encore connu du GAR (un nouveau compte l'est en général le lendemain de sa création). Réessayez demain ; si le problème continue, signalez-le à l'administrateur de l'ENT de votre établissement."
	case KindBadRequest:
		return "La demande de vos ressources n'a pas pu être traitée. Signalez-le à l'administrateur de l'ENT de votre établissement."
	case KindUnauthorized, KindForbidden:
		return "L'ENT n'a pas l'autorisation d'afficher vos ressources numériques pour le moment. Signalez-le à l'administrateur de l'ENT de votre établissement."
	case KindMethodNotAllowed, KindNotAcceptable:
		return "Une erreur technique empêche l'affichage de vos ressources. Signalez-le à l'administrateur de l'ENT de votre établissement."
	case KindServerError:
		return "Le service des ressources numériques (GAR) a rencontré une erreur. Réessayez dans quelques minutes."
	case KindUnavailable:
		return "Le service des ressources numériques (GAR) est momentanément indisponible. Réessayez dans quelques minutes."
	}
	return "Vos ressources numériques ne peuvent pas être affichées pour le moment. Réessayez dans quelques minutes ; si le problème continue, signalez-le à l'administrateur de l'ENT de votre établissement."
}

// ErrBodyTooLarge is wrapped by the error returned when an answer, as
// received or once decompressed, is larger than Config.MaxBody: a gzip bomb
// or an answer far larger than any real one.
var ErrBodyTooLarge = errors.New("answer larger than the configured limit (mediacentre.max_body)")

// UserMessage returns the French sentence to show a user for any error
// returned by a Client: GAR's errors (see Error.UserMessage), timeouts and
// network failures ("ne répond pas"), certificate problems and unreadable
// answers (a technical error on the ENT's side). It returns "" for nil.
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var ge *Error
	if errors.As(err, &ge) {
		return ge.UserMessage()
	}
	if isTLSProblem(err) {
		return "L'ENT ne parvient pas à établir une connexion sécurisée avec le service des ressources numériques (GAR). Signalez-le à l'administrateur de l'ENT de votre établissement."
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) {
		return "Le service des ressources numériques (GAR) ne répond pas pour le moment. Réessayez dans quelques minutes."
	}
	if errors.Is(err, context.Canceled) {
		return "La demande de vos ressources a été interrompue. Rechargez la page."
	}
	return "Une erreur technique empêche l'affichage de vos ressources. Réessayez dans quelques minutes ; si le problème continue, signalez-le à l'administrateur de l'ENT de votre établissement."
}

// isTLSProblem reports whether err comes from certificate checks or the TLS
// handshake, which retrying cannot fix.
func isTLSProblem(err error) bool {
	var (
		unknownCA  x509.UnknownAuthorityError
		invalid    x509.CertificateInvalidError
		hostname   x509.HostnameError
		verify     *tls.CertificateVerificationError
		alert      tls.AlertError
		recordHdr  tls.RecordHeaderError
		remoteTLS  bool
		errMessage = err.Error()
	)
	remoteTLS = strings.Contains(errMessage, "remote error: tls:")
	return errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &verify) || errors.As(err, &alert) || errors.As(err, &recordHdr) || remoteTLS ||
		strings.Contains(errMessage, "tls: ")
}
