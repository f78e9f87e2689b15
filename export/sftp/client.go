package sftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"path"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/entgar/entgar/internal/atomicfile"
)

// Client is a connection to an SFTP server that reconnects when the
// connection breaks. Its methods take paths relative to Config.Root, use
// "/" as separator, and may be called from several goroutines.
type Client struct {
	cfg      Config
	log      *slog.Logger
	signer   ssh.Signer
	hostKeys *hostKeys
	addr     string

	mu   sync.Mutex
	sess *session // nil when not connected
}

// session is one SSH connection with its SFTP subsystem.
type session struct {
	conn   net.Conn
	ssh    *ssh.Client
	sftp   *sftp.Client
	rx     progress // last byte received on the SFTP channel
	posix  bool     // posix-rename@openssh.com
	fsync  bool     // fsync@openssh.com
	closed chan struct{}
	once   sync.Once
}

func (s *session) close() {
	s.once.Do(func() {
		close(s.closed)
		// The TCP connection goes first: closing the SFTP client first
		// waits for the server, which may be the thing that hangs.
		s.conn.Close()
		s.ssh.Close()
		s.sftp.Close()
	})
}

func (s *session) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// Dial checks cfg, loads the private key and known_hosts file, and
// connects. Configuration problems are *ConfigError, host key problems
// *HostKeyError; a network failure to connect is retried as configured.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = discard()
	}
	signer, err := loadSigner(&cfg)
	if err != nil {
		return nil, err
	}
	hk, err := loadHostKeys(cfg.KnownHosts)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:      cfg,
		log:      log,
		signer:   signer,
		hostKeys: hk,
		addr:     net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
	}
	err = c.retry(ctx, "connect to "+c.addr, func(ctx context.Context) error {
		_, err := c.session(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Addr returns the server's host:port, for messages.
func (c *Client) Addr() string { return c.addr }

// Close closes the connection. The Client may not be used afterwards.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil {
		c.sess.close()
		c.sess = nil
	}
	return nil
}

// session returns the live session, connecting when there is none.
func (c *Client) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil && !c.sess.isClosed() {
		return c.sess, nil
	}
	s, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.sess = s
	return s, nil
}

// drop closes s so that the next operation reconnects.
func (c *Client) drop(s *session) {
	s.close()
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
}

func (c *Client) connect(ctx context.Context) (*session, error) {
	d := net.Dialer{Timeout: c.cfg.ConnectTimeout, KeepAlive: c.cfg.KeepAlive}
	conn, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", c.addr, err)
	}
	// The deadline covers the handshake and the start of the SFTP
	// subsystem; afterwards the watchdog and keepalives take over.
	conn.SetDeadline(time.Now().Add(c.cfg.ConnectTimeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc := &ssh.ClientConfig{
		User:              c.cfg.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(c.signer)},
		HostKeyCallback:   c.hostKeys.callback(),
		HostKeyAlgorithms: c.hostKeys.algorithms(c.addr),
		Timeout:           c.cfg.ConnectTimeout,
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, c.addr, sc)
	if err != nil {
		conn.Close()
		var he *HostKeyError
		if errors.As(err, &he) {
			return nil, he
		}
		if isAuthFailure(err) {
			return nil, &AuthError{Addr: c.addr, User: c.cfg.User, Key: c.cfg.KeyFile, Fingerprint: ssh.FingerprintSHA256(c.signer.PublicKey()), Err: err}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", c.addr, err)
	}
	sshc := ssh.NewClient(cc, chans, reqs)
	s := &session{conn: conn, ssh: sshc, closed: make(chan struct{})}
	// The SFTP channel is opened here rather than by sftp.NewClient so
	// that its incoming bytes (the server's answers, not keepalives) count
	// as progress for the watchdog.
	ch, err := sshc.NewSession()
	if err == nil {
		err = ch.RequestSubsystem("sftp")
	}
	var rd io.Reader
	var wr io.WriteCloser
	if err == nil {
		rd, err = ch.StdoutPipe()
	}
	if err == nil {
		wr, err = ch.StdinPipe()
	}
	subsystemErr := func(err error) error {
		sshc.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("start the sftp subsystem on %s: %w", c.addr, err)
	}
	if err != nil {
		return nil, subsystemErr(err)
	}
	s.rx.touch()
	// 64 writes of 32 KiB in flight, as OpenSSH's sftp client does by
	// default (-R 64, -B 32768): 32 KiB is the packet size every SFTP
	// server must accept, and GAR's server need not be OpenSSH.
	sc2, err := sftp.NewClientPipe(&rxReader{r: rd, p: &s.rx}, wr,
		sftp.UseConcurrentWrites(true),
		sftp.MaxConcurrentRequestsPerFile(64),
		sftp.UseFstat(false),
	)
	if err != nil {
		return nil, subsystemErr(err)
	}
	conn.SetDeadline(time.Time{})
	s.sftp = sc2
	_, s.posix = sc2.HasExtension("posix-rename@openssh.com")
	v, ok := sc2.HasExtension("fsync@openssh.com")
	s.fsync = ok && v == "1"
	go c.keepAlive(s)
	c.log.Debug("connected", "server", c.addr, "user", c.cfg.User, "posix_rename", s.posix, "fsync", s.fsync)
	return s, nil
}

// keepAlive sends keepalive@openssh.com requests until s closes, and
// closes s when one goes unanswered for IOTimeout: the peer is gone, and
// operations blocked on it fail at once instead of waiting for TCP.
func (c *Client) keepAlive(s *session) {
	t := time.NewTicker(c.cfg.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := s.ssh.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case <-s.closed:
			return
		case err := <-answered:
			if err != nil {
				c.log.Warn("keepalive failed; dropping the connection", "server", c.addr, "error", err)
				s.close()
				return
			}
		case <-time.After(c.cfg.IOTimeout):
			c.log.Warn("keepalive unanswered; dropping the connection", "server", c.addr, "timeout", c.cfg.IOTimeout)
			s.close()
			return
		}
	}
}

// AuthError is a refused authentication: the server does not accept the
// key for the user.
type AuthError struct {
	Addr, User, Key, Fingerprint string
	Err                          error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("authentication to %s as %q refused for key %s (%s): check sftp.user and that GAR registered this public key: %v",
		e.Addr, e.User, e.Key, e.Fingerprint, e.Err)
}
func (e *AuthError) Unwrap() error { return e.Err }

func isAuthFailure(err error) bool {
	var se *ssh.ServerAuthError
	return errors.As(err, &se) || containsAny(err.Error(), "unable to authenticate", "no supported methods remain")
}

// rxReader marks progress on each read from the server.
type rxReader struct {
	r io.Reader
	p *progress
}

func (r *rxReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.p.touch()
	}
	return n, err
}

// progress tracks the last time an operation made progress.
type progress struct{ last atomic.Int64 }

func (p *progress) touch() { p.last.Store(time.Now().UnixNano()) }
func (p *progress) idle() time.Duration {
	return time.Since(time.Unix(0, p.last.Load()))
}

// ErrTimeout is wrapped by the error of an operation that made no progress
// for Config.IOTimeout.
var ErrTimeout = errors.New("no progress")

// watch runs fn on s and closes s when ctx ends or when neither p nor the
// SFTP channel shows progress for IOTimeout, which unblocks fn. Progress is
// any answer from the server (an acknowledged write, say) or, for
// transfers, any local read that p records; so a slow server that answers
// is waited for, and a silent one is cut off. Metadata operations pass a
// nil p.
func (c *Client) watch(ctx context.Context, s *session, p *progress, fn func() error) error {
	if p == nil {
		p = new(progress)
	}
	p.touch()
	done := make(chan struct{})
	var why atomic.Value
	go func() {
		tick := c.cfg.IOTimeout / 8
		if tick > time.Second {
			tick = time.Second
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-s.closed:
				return
			case <-ctx.Done():
				why.Store(ctx.Err())
				s.close()
				return
			case <-t.C:
				if min(p.idle(), s.rx.idle()) > c.cfg.IOTimeout {
					why.Store(fmt.Errorf("%w for %s from %s", ErrTimeout, c.cfg.IOTimeout, c.addr))
					s.close()
					return
				}
			}
		}
	}()
	err := fn()
	close(done)
	if w, ok := why.Load().(error); ok && err != nil {
		return fmt.Errorf("%w (%v)", w, err)
	}
	return err
}

// op runs fn on a live session, reconnecting and retrying as configured.
func (c *Client) op(ctx context.Context, what string, fn func(s *session) error) error {
	return c.retry(ctx, what, func(ctx context.Context) error {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		err = c.watch(ctx, s, nil, func() error { return fn(s) })
		if err != nil && brokenConn(err) {
			c.drop(s)
		}
		return err
	})
}

// remote returns the server path of p, relative to Config.Root.
func (c *Client) remote(p string) string {
	if c.cfg.Root == "" {
		return path.Clean(p)
	}
	return path.Join(c.cfg.Root, p)
}

// Stat returns the attributes of the file at p.
func (c *Client) Stat(ctx context.Context, p string) (fs.FileInfo, error) {
	var fi fs.FileInfo
	err := c.op(ctx, "stat "+p, func(s *session) (err error) {
		fi, err = s.sftp.Stat(c.remote(p))
		return err
	})
	if err != nil {
		return nil, c.pathError("stat", p, err)
	}
	return fi, nil
}

// ReadDir lists the directory dir.
func (c *Client) ReadDir(ctx context.Context, dir string) ([]fs.FileInfo, error) {
	var list []fs.FileInfo
	err := c.op(ctx, "list "+dir, func(s *session) (err error) {
		list, err = s.sftp.ReadDirContext(ctx, c.remote(dir))
		return err
	})
	if err != nil {
		return nil, c.pathError("list", dir, err)
	}
	return list, nil
}

// Remove removes the file at p. Removing a file that does not exist is an
// error wrapping fs.ErrNotExist.
func (c *Client) Remove(ctx context.Context, p string) error {
	attempt := 0
	err := c.op(ctx, "remove "+p, func(s *session) error {
		attempt++
		err := s.sftp.Remove(c.remote(p))
		if attempt > 1 && errors.Is(err, fs.ErrNotExist) {
			// The previous attempt removed it but its answer was lost.
			return nil
		}
		return err
	})
	return c.pathError("remove", p, err)
}

// Rename renames oldpath to newpath, replacing newpath when the server
// supports posix-rename@openssh.com (OpenSSH does), failing when newpath
// exists otherwise.
func (c *Client) Rename(ctx context.Context, oldpath, newpath string) error {
	err := c.op(ctx, "rename "+oldpath, func(s *session) error {
		return c.rename(s, oldpath, newpath)
	})
	if err != nil {
		return fmt.Errorf("rename %s to %s on %s: %w", oldpath, newpath, c.addr, describe(err))
	}
	return nil
}

func (c *Client) rename(s *session, oldpath, newpath string) error {
	if s.posix {
		return s.sftp.PosixRename(c.remote(oldpath), c.remote(newpath))
	}
	return s.sftp.Rename(c.remote(oldpath), c.remote(newpath))
}

// Open opens the file at p for reading. Reads make progress or fail after
// IOTimeout; they are not retried, since the caller holds a position in
// the stream. Close the reader to release the file.
func (c *Client) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	var f *sftp.File
	var sess *session
	err := c.op(ctx, "open "+p, func(s *session) (err error) {
		f, err = s.sftp.Open(c.remote(p))
		sess = s
		return err
	})
	if err != nil {
		return nil, c.pathError("open", p, err)
	}
	return &remoteReader{f: f, s: sess, ctx: ctx, name: p, c: c}, nil
}

type remoteReader struct {
	f    *sftp.File
	s    *session
	ctx  context.Context
	name string
	c    *Client
}

// Read reads under the watchdog, so that a dead server fails the read after
// IOTimeout while a caller that pauses between reads is not cut off.
func (r *remoteReader) Read(b []byte) (n int, err error) {
	err = r.c.watch(r.ctx, r.s, nil, func() (err error) {
		n, err = r.f.Read(b)
		return err
	})
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read %s on %s: %w", r.name, r.c.addr, describe(err))
	}
	return n, err
}

func (r *remoteReader) Close() error { return r.f.Close() }

// Download copies the remote file p to the local file local, through a
// temporary file renamed into place once complete, and returns its size.
func (c *Client) Download(ctx context.Context, p, local string) (int64, error) {
	var n int64
	err := c.retry(ctx, "download "+p, func(ctx context.Context) error {
		r, err := c.Open(ctx, p)
		if err != nil {
			return err
		}
		defer r.Close()
		n, err = atomicfile.Write(local, r)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &localError{err}
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("download %s to %s: %w", p, local, err)
	}
	return n, nil
}

// localError marks a failure of the local file system, never retried.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// pathError wraps err with the operation, the path and the server, and
// explains the usual status codes.
func (c *Client) pathError(op, p string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s on %s: %w", op, c.remote(p), c.addr, describe(err))
}
