package mediacentre

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// GAR's Resource is the request path, which ends with the user's
// GARPersonIdentifiant (reference §7.2.3.6). Error() reaches the logs and
// the unauthenticated /healthz/ready, so the user id must not appear in it.
func TestErrorStringHidesUser(t *testing.T) {
	for _, res := range []string{
		"ressources/ENTTEST1/0650499P/secret-user-42",
		"/ressources/ENTTEST1/0650499P/secret-user-42",
		"https://gar.example/ws/ressources/ENTTEST1/0650499P/secret-user-42",
		"ressources/ENTTEST1/0650499P/secret-user-42/more",
	} {
		e := newError(503, "Service Unavailable", "Le service est temporairement indisponible", res)
		s := e.Error()
		if strings.Contains(s, "secret-user-42") {
			t.Errorf("Resource %q: Error() = %q shows the user id", res, s)
		}
		if !strings.Contains(s, "ENTTEST1/0650499P/") {
			t.Errorf("Resource %q: Error() = %q lost the idENT and UAI, which operators need", res, s)
		}
		if e.Resource != res {
			t.Errorf("Resource field changed to %q", e.Resource)
		}
	}
	if s := newError(500, "", "", "ressourcesDiffusables").Error(); !strings.Contains(s, "(resource ressourcesDiffusables)") {
		t.Errorf("Error() = %q, want the resource of ressourcesDiffusables kept", s)
	}
}

// The API logs a failed establishment with its error: no user id there.
func TestAPILogHidesUser(t *testing.T) {
	var logs bytes.Buffer
	gar := newError(500, "Internal Server Error", "Une erreur technique est survenue", "ressources/ENTTEST1/0650499P/secret-user-42")
	next := &fakeFetcher{errs: map[string]error{"0650499P": fmt.Errorf("listeRessources 0650499P: %w", gar)}}
	apiGet(t, NewAPI(next, slog.New(slog.NewTextHandler(&logs, nil))), "user=secret-user-42&uai=0650499P")
	if !strings.Contains(logs.String(), "establishment failed") {
		t.Fatalf("no log of the failure: %s", logs.String())
	}
	if strings.Contains(logs.String(), "secret-user-42") {
		t.Errorf("log shows the user id: %s", logs.String())
	}
}

// The watch's Failure is shown by the unauthenticated /healthz/ready.
func TestUpstreamWatchFailureHidesUser(t *testing.T) {
	gar := newError(503, "Service Unavailable", "", "ressources/ENTTEST1/0650499P/secret-user-42")
	u := NewUpstreamWatch(&fakeFetcher{errs: map[string]error{"0650499P": fmt.Errorf("listeRessources 0650499P: %w", gar)}})
	u.ResourcesByEstablishment(t.Context(), "secret-user-42", []string{"0650499P"})
	if s := u.State(); !s.Failing || strings.Contains(s.Failure, "secret-user-42") {
		t.Errorf("state %+v: want a failure without the user id", s)
	}
}
