package mediacentre

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// UpstreamWatch is a Fetcher that remembers how GAR last answered, for the
// server's readiness report. Put it between the Client and the cache, so
// that it sees real calls only.
type UpstreamWatch struct {
	next Fetcher
	now  func() time.Time

	mu       sync.Mutex
	lastOK   time.Time
	lastFail time.Time
	failure  string
}

// NewUpstreamWatch returns an UpstreamWatch over next.
func NewUpstreamWatch(next Fetcher) *UpstreamWatch {
	return &UpstreamWatch{next: next, now: time.Now}
}

// ResourcesByEstablishment implements Fetcher.
func (u *UpstreamWatch) ResourcesByEstablishment(ctx context.Context, user string, uais []string) []EstablishmentResult {
	rs := u.next.ResourcesByEstablishment(ctx, user, uais)
	now := u.now()
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, r := range rs {
		if upstreamFailure(r.Err) {
			u.lastFail, u.failure = now, r.Err.Error()
		} else if r.Err == nil || !errors.Is(r.Err, context.Canceled) {
			u.lastOK = now
		}
	}
	return rs
}

// upstreamFailure reports whether err says that GAR itself is failing or
// unreachable, rather than answering about a user or an establishment.
func upstreamFailure(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ge *Error
	if errors.As(err, &ge) {
		switch ge.Kind {
		case KindUnknownEstablishment, KindUnknownUser, KindBadRequest:
			return false
		}
		return true
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || isTLSProblem(err)
}

// UpstreamState is what an UpstreamWatch knows of GAR.
type UpstreamState struct {
	// Known is false until GAR has been called.
	Known bool
	// Failing is true when the last call failed because of GAR (error
	// status other than an unknown user or establishment, no answer, TLS).
	Failing bool
	// LastOK and LastFailure are when GAR last answered well and last
	// failed (zero if never); Failure is the last failure's error.
	LastOK, LastFailure time.Time
	Failure             string
}

// State returns what the watch knows of GAR.
func (u *UpstreamWatch) State() UpstreamState {
	u.mu.Lock()
	defer u.mu.Unlock()
	return UpstreamState{
		Known:       !u.lastOK.IsZero() || !u.lastFail.IsZero(),
		Failing:     u.lastFail.After(u.lastOK),
		LastOK:      u.lastOK,
		LastFailure: u.lastFail,
		Failure:     u.failure,
	}
}
