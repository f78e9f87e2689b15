package garsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTPOptions configures an SFTPServer.
type SFTPOptions struct {
	// Root is the directory served as "/", holding GAR's folders.
	Root string
	// Idents are the idENTs whose folders exist and may be written.
	Idents []string
	// HostKey is the server's SSH host key.
	HostKey ssh.Signer
	// AuthorizedKeys is the path of the authorized_keys file. It is read
	// again at each authentication, so that keys can be added or revoked
	// without a restart.
	AuthorizedKeys string
	// ShutdownGrace is how long Serve lets open sessions finish once its
	// context is done before closing them; 0 means 5 seconds.
	ShutdownGrace time.Duration
	// IdleTimeout closes a connection on which nothing was received for
	// that long (SSH keepalives count); 0 means 10 minutes.
	IdleTimeout time.Duration
	// Logger receives connection, authentication and write events; nil
	// discards them.
	Logger *slog.Logger
}

// permIdent is the ssh.Permissions extension carrying the idENT a key is
// confined to.
const permIdent = "garsim-ident"

// SFTPServer is GAR's SFTP drop: SSH with public-key authentication and an
// SFTP subsystem confined to the root directory.
type SFTPServer struct {
	opts   SFTPOptions
	root   *os.Root
	config *ssh.ServerConfig
	h      *handlers
	log    *slog.Logger

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewSFTPServer checks the options, creates the folder layout and opens the
// root. It fails when the authorized keys cannot be read, so that a
// misconfigured server does not start only to refuse everyone.
func NewSFTPServer(o SFTPOptions) (*SFTPServer, error) {
	if o.HostKey == nil {
		return nil, errors.New("sftp server: no host key")
	}
	if len(o.Idents) == 0 {
		return nil, errors.New("sftp server: no idENT")
	}
	if _, err := ReadAuthorizedKeys(o.AuthorizedKeys); err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	if o.ShutdownGrace == 0 {
		o.ShutdownGrace = 5 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 10 * time.Minute
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := MakeLayout(o.Root, o.Idents); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(o.Root)
	if err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	s := &SFTPServer{
		opts:  o,
		root:  root,
		h:     &handlers{root: root, policy: newPolicy(o.Idents), log: log},
		log:   log,
		conns: map[net.Conn]struct{}{},
	}
	s.config = &ssh.ServerConfig{
		PublicKeyCallback: s.authenticate,
		MaxAuthTries:      6,
	}
	s.config.AddHostKey(o.HostKey)
	return s, nil
}

// authenticate accepts a key listed in the authorized keys file.
func (s *SFTPServer) authenticate(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	keys, err := ReadAuthorizedKeys(s.opts.AuthorizedKeys)
	if err != nil {
		s.log.Error("sftp: cannot read authorized keys", "err", err)
		return nil, errors.New("authorized keys unavailable")
	}
	want := key.Marshal()
	for _, k := range keys {
		if !bytes.Equal(k.Key.Marshal(), want) {
			continue
		}
		if k.Ident != "" && !slices.Contains(s.opts.Idents, k.Ident) {
			s.log.Warn("sftp: key confined to an idENT not served", "ident", k.Ident, "key", ssh.FingerprintSHA256(key))
			return nil, fmt.Errorf("key %s confined to idENT %s, not served", ssh.FingerprintSHA256(key), k.Ident)
		}
		s.log.Info("sftp: authenticated", "user", meta.User(), "remote", meta.RemoteAddr().String(), "key", ssh.FingerprintSHA256(key), "ident", k.Ident)
		return &ssh.Permissions{Extensions: map[string]string{permIdent: k.Ident}}, nil
	}
	s.log.Warn("sftp: key refused", "user", meta.User(), "remote", meta.RemoteAddr().String(), "key", ssh.FingerprintSHA256(key))
	return nil, fmt.Errorf("key %s not authorized", ssh.FingerprintSHA256(key))
}

// Serve accepts connections on ln until ctx is done, then stops accepting,
// lets open sessions finish for ShutdownGrace, closes the rest and returns
// nil. It returns an error only when accepting fails for another reason.
func (s *SFTPServer) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var acceptErr error
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				acceptErr = fmt.Errorf("sftp server: accept: %w", err)
			}
			break
		}
		c = &idleConn{Conn: c, idle: s.opts.IdleTimeout}
		s.track(c, true)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.track(c, false)
			s.serveConn(c)
		}()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.opts.ShutdownGrace):
		s.mu.Lock()
		n := len(s.conns)
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.log.Warn("sftp: closed sessions still open at shutdown", "sessions", n)
		<-done
	}
	return acceptErr
}

// Close releases the root directory. Call it after Serve returned.
func (s *SFTPServer) Close() error { return s.root.Close() }

func (s *SFTPServer) track(c net.Conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
		c.Close()
	}
}

func (s *SFTPServer) serveConn(c net.Conn) {
	// A client that connects and says nothing must not hold a slot forever.
	c.SetDeadline(time.Now().Add(30 * time.Second))
	sc, chans, reqs, err := ssh.NewServerConn(c, s.config)
	if err != nil {
		s.log.Info("sftp: handshake failed", "remote", c.RemoteAddr().String(), "err", err)
		return
	}
	c.SetDeadline(time.Time{})
	defer sc.Close()
	// From now on every read pushes the deadline back: a client that went
	// away without closing (a dead network) does not hold a slot forever.
	if ic, ok := c.(*idleConn); ok {
		ic.arm()
	}
	go ssh.DiscardRequests(reqs)
	h := s.h
	if id := sc.Permissions.Extensions[permIdent]; id != "" {
		h = &handlers{root: s.root, policy: newPolicy(s.opts.Idents).confinedTo(id), log: s.log.With("ident", id)}
	}
	var wg sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			s.log.Info("sftp: channel", "err", err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveSession(ch, creqs, h)
		}()
	}
	wg.Wait()
}

// serveSession waits for the sftp subsystem request and serves it; shells,
// commands and other subsystems are refused, as on GAR's drop.
func (s *SFTPServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, h *handlers) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "subsystem" || !isSFTP(req.Payload) {
			req.Reply(false, nil)
			continue
		}
		req.Reply(true, nil)
		go ssh.DiscardRequests(reqs)
		rs := sftp.NewRequestServer(ch, h.sftpHandlers())
		err := rs.Serve()
		rs.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			s.log.Info("sftp: session ended", "err", err)
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
		return
	}
}

// isSFTP reports whether a subsystem request's payload (an SSH string)
// names "sftp".
func isSFTP(payload []byte) bool {
	var p struct{ Name string }
	return ssh.Unmarshal(payload, &p) == nil && p.Name == "sftp"
}

// idleConn closes a connection idle for longer than idle, once armed (after
// the handshake, which has its own deadline).
type idleConn struct {
	net.Conn
	idle  time.Duration
	armed atomic.Bool
}

func (c *idleConn) arm() {
	c.armed.Store(true)
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
}

func (c *idleConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.armed.Load() {
		c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	}
	return n, err
}
