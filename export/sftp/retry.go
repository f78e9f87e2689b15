package sftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/sftp"
)

// retry runs fn until it succeeds, fails with an error that retrying cannot
// fix, or has failed Config.Retries+1 times, waiting with exponential
// backoff in between.
func (c *Client) retry(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	wait := c.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) {
			return err
		}
		if attempt >= c.cfg.Retries {
			if c.cfg.Retries > 0 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			return err
		}
		// Jitter spreads the reconnections of several ENTs cut off at once.
		d := wait/2 + rand.N(wait/2+1)
		c.log.Warn("retrying", "what", what, "attempt", attempt+1, "of", c.cfg.Retries+1, "in", d.Round(time.Millisecond), "error", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, MaxBackoff)
	}
}

// retryable reports whether err may go away by trying again: a broken or
// timed-out connection, a refused TCP connection, or a generic server
// failure (SSH_FX_FAILURE, which OpenSSH also returns for a full disk).
// Authentication, host key, configuration, local, missing-file and
// permission errors are final.
func retryable(err error) bool {
	var (
		cfgErr  *ConfigError
		hostErr *HostKeyError
		authErr *AuthError
		locErr  *localError
		permErr *permanentError
	)
	switch {
	case errors.As(err, &cfgErr), errors.As(err, &hostErr), errors.As(err, &authErr),
		errors.As(err, &locErr), errors.As(err, &permErr),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return false
	}
	var st *sftp.StatusError
	if errors.As(err, &st) {
		switch st.FxCode() {
		case sftp.ErrSSHFxFailure, sftp.ErrSSHFxConnectionLost, sftp.ErrSSHFxNoConnection:
			return true
		}
		return false
	}
	return true // network, EOF, timeouts, handshake failures
}

// brokenConn reports whether err means the connection is unusable.
func brokenConn(err error) bool {
	var st *sftp.StatusError
	var ne net.Error
	switch {
	case errors.Is(err, sftp.ErrSSHFxConnectionLost), errors.Is(err, ErrTimeout),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.As(err, &ne):
		return true
	case errors.As(err, &st):
		return st.FxCode() == sftp.ErrSSHFxConnectionLost || st.FxCode() == sftp.ErrSSHFxNoConnection
	}
	return false
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// describe adds a hint to the errors an operator meets most.
func describe(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w (check sftp.root, and that GAR created the folder for this idENT)", err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w (refused by the server: check the account's rights; on GAR only ENTRANT, MIGRATION_IDO and ANALYSEUR are writable)", err)
	}
	return err
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
