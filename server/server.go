// Package server provides the HTTPS server that `entgar serve` runs: TLS
// 1.2 or later, authentication of the callers, /healthz, /metrics,
// structured access logs, and a graceful shutdown that drains the requests
// in flight. Features (the médiacentre API and page, later SSO) mount their
// handlers on it with Handle and HandleAuth.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Timeouts of the HTTP server. A portal or a browser sends small requests,
// so the header and body limits are short; answers may wait on GAR (whose
// own client deadline is shorter than WriteTimeout), so writes get longer.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// DefaultShutdownTimeout is how long a shutdown waits for the requests in
// flight when Options.ShutdownTimeout is zero.
const DefaultShutdownTimeout = 20 * time.Second

// Options configures a Server.
type Options struct {
	// Listen is the address ListenAndServe listens on, as host:port.
	Listen string
	// TLSCertFile and TLSKeyFile are the PEM certificate chain and private
	// key of the server. Both are required.
	TLSCertFile, TLSKeyFile string
	// ClientCAFile is a PEM bundle of the authorities whose client
	// certificates are accepted. When set, the server asks every client for
	// a certificate (without requiring one, so that API-key callers still
	// connect) and the TLS handshake fails for a certificate that does not
	// verify; ClientCert then turns a verified certificate into a
	// Principal.
	ClientCAFile string
	// ShutdownTimeout bounds how long a shutdown waits for the requests in
	// flight; DefaultShutdownTimeout when zero.
	ShutdownTimeout time.Duration
	// Logger receives the access log and the server's own messages;
	// slog.Default() when nil.
	Logger *slog.Logger
}

// Server is the HTTPS server. Create it with New, mount handlers, then call
// Serve or ListenAndServe once.
type Server struct {
	opts     Options
	log      *slog.Logger
	tls      *tls.Config
	certs    *reloader[*tls.Certificate]
	mux      *http.ServeMux
	registry *prometheus.Registry
	metrics  *httpMetrics
	health   *health
	draining atomic.Bool
}

// New returns a Server configured by opts. It reads the certificate, key
// and client CA files now, so that a bad path or PEM fails at start and
// names the file.
func New(opts Options) (*Server, error) {
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	tc, certs, err := tlsConfig(opts.TLSCertFile, opts.TLSKeyFile, opts.ClientCAFile, log)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	s := &Server{
		opts:     opts,
		log:      log,
		tls:      tc,
		certs:    certs,
		mux:      http.NewServeMux(),
		registry: reg,
		metrics:  newHTTPMetrics(reg),
	}
	s.health = newHealth(&s.draining)
	// Probes and scrapes come every few seconds: their successes are
	// logged at debug level only.
	s.mux.Handle("GET /healthz", s.observe("GET /healthz", http.HandlerFunc(s.health.live), true))
	s.mux.Handle("GET /healthz/ready", s.observe("GET /healthz/ready", http.HandlerFunc(s.health.ready), true))
	s.mux.Handle("GET /metrics", s.observe("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError),
	}), true))
	return s, nil
}

// Registerer is where features register their Prometheus metrics, exposed
// on /metrics.
func (s *Server) Registerer() prometheus.Registerer { return s.registry }

// AddCheck adds a named readiness check reported by /healthz/ready.
func (s *Server) AddCheck(name string, c Checker) { s.health.add(name, c) }

// Handle mounts h, open to anyone, on pattern (a net/http ServeMux
// pattern such as "GET /healthz"), with the access log and the metrics
// labelled by pattern.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.observe(pattern, h, false))
}

// HandleAuth mounts h on pattern like Handle, for the callers that auth
// accepts only: others get 401 before h runs. h finds the caller with
// PrincipalFrom.
func (s *Server) HandleAuth(pattern string, auth Authenticator, h http.Handler) {
	s.mux.Handle(pattern, s.observe(pattern, requireAuth(auth, h), false))
}

// ListenAndServe listens on Options.Listen and serves until ctx is
// cancelled, then shuts down gracefully (see Serve).
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTPS on ln until ctx is cancelled or the server fails.
// On cancellation it stops accepting connections, reports "draining" on
// /healthz/ready, waits up to Options.ShutdownTimeout for the requests in
// flight, then closes what remains. It returns nil after a shutdown that
// drained every request, an error otherwise. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Requests that match no route (scanners, typos, wrong methods) are
	// logged and counted too, under the route "unmatched"; the mux answers
	// them 404 or 405.
	unmatched := s.observe("unmatched", s.mux, false)
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, pattern := s.mux.Handler(r); pattern == "" {
				unmatched.ServeHTTP(w, r)
				return
			}
			s.mux.ServeHTTP(w, r)
		}),
		TLSConfig:         s.tls,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- hs.ServeTLS(ln, "", "") }()
	s.log.Info("serving", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down: draining requests in flight", "timeout", s.opts.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		return fmt.Errorf("shutdown: requests still in flight after %s were cut", s.opts.ShutdownTimeout)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	s.log.Info("shut down")
	return nil
}
