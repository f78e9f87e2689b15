package mediacentre

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestUpstreamWatch(t *testing.T) {
	next := &fakeFetcher{errs: map[string]error{}}
	u := NewUpstreamWatch(next)
	now := time.Unix(1_800_000_000, 0)
	u.now = func() time.Time { return now }
	if s := u.State(); s.Known {
		t.Fatalf("state before any call: %+v", s)
	}
	step := func(uai string, err error) UpstreamState {
		now = now.Add(time.Second)
		next.errs[uai] = err
		u.ResourcesByEstablishment(context.Background(), "u", []string{uai})
		return u.State()
	}
	if s := step("A", nil); !s.Known || s.Failing {
		t.Errorf("after a success: %+v", s)
	}
	if s := step("A", &Error{Status: 400, Kind: KindUnknownUser}); s.Failing {
		t.Errorf("an unknown user is GAR answering, not failing: %+v", s)
	}
	if s := step("A", fmt.Errorf("x: %w", &Error{Status: 503, Kind: KindUnavailable})); !s.Failing || !strings.Contains(s.Failure, "503") {
		t.Errorf("after a 503: %+v", s)
	}
	if s := step("A", context.Canceled); !s.Failing {
		t.Errorf("a cancelled call says nothing of GAR: %+v", s)
	}
	if s := step("A", context.DeadlineExceeded); !s.Failing {
		t.Errorf("after a timeout: %+v", s)
	}
	if s := step("A", nil); s.Failing || !s.LastOK.After(s.LastFailure) {
		t.Errorf("after recovery: %+v", s)
	}
}

func TestFailureLevel(t *testing.T) {
	if l := failureLevel(&Error{Status: 400, Kind: KindUnknownUser}); l != slog.LevelInfo {
		t.Errorf("unknown user logged at %v, want info", l)
	}
	if l := failureLevel(&Error{Status: 503, Kind: KindUnavailable}); l != slog.LevelWarn {
		t.Errorf("503 logged at %v, want warn", l)
	}
}
