package garsim

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MediacentreOptions configures the médiacentre side of the simulator: GAR's
// listeRessources and ressourcesDiffusables web services over mutual TLS
// (reference §7.2.3, §7.2.4, §7.4).
type MediacentreOptions struct {
	// Listen is the address to listen on, host:port; "" means
	// 127.0.0.1:0 (a free port).
	Listen string
	// TLSDir holds the test PKI (LoadOrCreateTLSDir): the CA, the server
	// certificate and a client certificate per idENT, written there for
	// operators and tests. Required unless ServerCert, ClientCAs and
	// Idents' certificates are given otherwise.
	TLSDir string
	// Hosts are the names and addresses the server certificate is valid
	// for; nil means localhost, 127.0.0.1 and ::1.
	Hosts []string
	// PublicURL is the base URL written in the answers (thumbnails,
	// resource links); "" means https://<listen address>.
	PublicURL string
	// Idents are the idENTs served. A client certificate is accepted for an
	// idENT when its subject's CN is that idENT (case-insensitive).
	Idents []string
	// Root is the SFTP root of the simulator (GAR's folders): the persons
	// and establishments of each idENT are read from its most recent
	// integrated archive per degree, in SUCCES/{idENT} and
	// SUCCES_PARTIEL/{idENT}, and re-read when a newer one arrives. "" means
	// no archives.
	Root string
	// RescanEvery is how often, at most, Root is checked for a newer
	// archive (on the next request); 0 means every two seconds.
	RescanEvery time.Duration
	// People are persons known in addition to those of the archives, by
	// idENT.
	People map[string][]Person
	// ServerCert replaces the server certificate of TLSDir (tests use it for
	// an expired certificate or one from another CA).
	ServerCert *tls.Certificate
	// MinVersion and MaxVersion bound the TLS versions accepted; zero
	// means TLS 1.2 only, as GAR (§7.4).
	MinVersion, MaxVersion uint16
	// HandshakeClientAuth makes the TLS handshake itself require a valid
	// client certificate. By default the handshake only asks for one and
	// the HTTP layer answers 401 with GAR's messages when it is missing
	// ("No required SSL certificate was sent") or invalid ("Invalide client
	// certificate"), as the reference's table 22 describes.
	HandshakeClientAuth bool
	// Logger receives the simulator's events; nil discards them.
	Logger *slog.Logger
}

// Rule changes how the simulator answers matching requests: an error
// status, a delay, a forced Content-Encoding or a raw body. Tests add rules
// with AddRule; operators get the same effects with magic identifiers (see
// Mediacentre).
type Rule struct {
	// Operation is "listeRessources", "ressourcesDiffusables" or "" for
	// both.
	Operation string
	// UAI and User restrict the rule to one establishment or user (as sent,
	// compared case-insensitively for the UAI); "" matches any.
	UAI, User string
	// Status, when not 0, is answered with GAR's Erreur body.
	Status int
	// Message replaces GAR's default message for Status.
	Message string
	// Delay is waited before answering (or until the client goes away).
	Delay time.Duration
	// Encoding forces the Content-Encoding: "gzip", "deflate" (zlib),
	// "raw-deflate" (deflate without zlib wrapper, labelled deflate) or
	// "identity".
	Encoding string
	// Body, when set, is sent as is (already encoded) with ContentType and,
	// if Encoding is set, that Content-Encoding header, for bodies the
	// simulator would never produce: gzip bombs, oversized or broken
	// answers.
	Body        []byte
	ContentType string
	// RetryAfter, when set with a 503 Status, is sent as Retry-After
	// (seconds).
	RetryAfter int
	// Times, when positive, spends the rule after that many matching
	// requests.
	Times int
}

// Mediacentre is the simulated listeRessources service. Beside the rules
// added by tests, it reads magic identifiers so that an operator can
// rehearse errors from an ENT: a UAI or user id "GARSIM-<status>" (for
// instance GARSIM-503) answers that status, and "GARSIM-SLOW-<seconds>"
// answers after that delay.
type Mediacentre struct {
	opts       MediacentreOptions
	log        *slog.Logger
	ln         net.Listener
	srv        *http.Server
	clientCAs  *x509.CertPool
	files      *TLSFiles
	publicURL  string
	catalog    []catalogItem
	handshakes atomic.Int64
	conns      atomic.Int64
	requests   atomic.Int64

	mu       sync.Mutex
	rules    []*ruleEntry
	nextRule int
	people   map[string]*peopleCache
	lastHdr  http.Header
	// answers caches encoded listeRessources answers by person, format and
	// coding, so that a benchmark measures the client rather than the
	// simulator's JSON and gzip encoders. Cleared when a directory is
	// reloaded, and when full.
	answers map[answerKey][]byte
	// verified remembers the client certificates already verified (by the
	// SHA-256 of their DER), so that a request on a kept-alive connection
	// does not verify the chain again: GAR verifies once per connection.
	verified map[[32]byte]bool
}

type answerKey struct {
	ident, uai, user, encoding string
	json                       bool
}

// maxCachedAnswers bounds the answer cache and the cache of verified
// certificates.
const maxCachedAnswers = 4096

type ruleEntry struct {
	id   int
	rule Rule
	left int // remaining matches when rule.Times > 0
}

// peopleCache is the people of one idENT and the archives they came from.
type peopleCache struct {
	p       *people
	checked time.Time
	from    string // the archive paths joined, to notice a newer one
}

// NewMediacentre prepares the PKI (TLSDir), reads the archives, and
// listens; Serve then answers. The integrator's `entgar garsim` starts it
// beside the SFTP server:
//
//	mc, err := garsim.NewMediacentre(garsim.MediacentreOptions{Listen: ..., TLSDir: ..., Idents: ..., Root: root})
//	go mc.Serve(ctx)
//
// and tells the operator mc.URL() and mc.TLSFiles().
func NewMediacentre(opts MediacentreOptions) (*Mediacentre, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Hosts == nil {
		opts.Hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	if opts.RescanEvery <= 0 {
		opts.RescanEvery = 2 * time.Second
	}
	if opts.MinVersion == 0 {
		opts.MinVersion = tls.VersionTLS12
	}
	if opts.MaxVersion == 0 {
		opts.MaxVersion = tls.VersionTLS12
	}
	m := &Mediacentre{
		opts:     opts,
		log:      opts.Logger,
		catalog:  catalog(),
		people:   make(map[string]*peopleCache),
		answers:  make(map[answerKey][]byte),
		verified: make(map[[32]byte]bool),
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if opts.TLSDir == "" {
		return nil, errors.New("garsim médiacentre: a TLS directory is required")
	}
	ca, files, err := LoadOrCreateTLSDir(opts.TLSDir, opts.Hosts, opts.Idents)
	if err != nil {
		return nil, fmt.Errorf("garsim médiacentre: %w", err)
	}
	m.files = files
	m.clientCAs = ca.Pool()
	serverCert := opts.ServerCert
	if serverCert == nil {
		c, err := tls.LoadX509KeyPair(files.ServerCert, files.ServerKey)
		if err != nil {
			return nil, fmt.Errorf("garsim médiacentre: server certificate: %w", err)
		}
		serverCert = &c
	}
	tc := &tls.Config{
		MinVersion:   opts.MinVersion,
		MaxVersion:   opts.MaxVersion,
		CipherSuites: garCipherSuites(),
		Certificates: []tls.Certificate{*serverCert},
		ClientCAs:    m.clientCAs,
		ClientAuth:   tls.RequestClientCert,
		NextProtos:   []string{"http/1.1"},
		VerifyConnection: func(tls.ConnectionState) error {
			m.handshakes.Add(1)
			return nil
		},
	}
	if opts.HandshakeClientAuth {
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	for _, id := range opts.Idents {
		if _, err := m.peopleOf(id); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("garsim médiacentre: listen %s: %w", opts.Listen, err)
	}
	m.ln = tls.NewListener(ln, tc)
	m.publicURL = opts.PublicURL
	if m.publicURL == "" {
		m.publicURL = "https://" + publicHostPort(ln.Addr().String(), opts.Hosts)
	}
	m.srv = &http.Server{
		Handler:           m,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Handshake failures are the point of several tests: log them at
		// debug level rather than on standard error.
		ErrorLog:     log.New(slogWriter{m.log}, "", 0),
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				m.conns.Add(1)
			}
		},
	}
	return m, nil
}

// publicHostPort replaces a listen address's IP by the first host name of
// the certificate when it listens on loopback or all interfaces, so that
// the URL given to clients verifies.
func publicHostPort(addr string, hosts []string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || len(hosts) == 0 {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
		if ip.IsLoopback() && slices.Contains(hosts, host) {
			return addr
		}
		return net.JoinHostPort(hosts[0], port)
	}
	return addr
}

// slogWriter turns the HTTP server's log lines into debug events.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("garsim médiacentre: " + strings.TrimSpace(string(p)))
	return len(p), nil
}

// garCipherSuites are the suites of reference §7.4 that Go implements, all
// of them as GAR accepts them, including RSA key exchange and CBC-SHA256
// suites that Go leaves out by default (the DHE suites and the CBC
// SHA-384 ones do not exist in Go).
func garCipherSuites() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	}
}

// Serve answers until ctx is done, then shuts down gracefully (waiting up to
// five seconds for requests in flight) and returns nil.
func (m *Mediacentre) Serve(ctx context.Context) error {
	m.log.Info("garsim: médiacentre listening", "url", m.publicURL, "tls_dir", m.opts.TLSDir, "idents", m.opts.Idents)
	errc := make(chan error, 1)
	go func() { errc <- m.srv.Serve(m.ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("garsim médiacentre: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.srv.Shutdown(sctx); err != nil {
		m.srv.Close()
	}
	<-errc
	return nil
}

// Start runs Serve in a goroutine and returns a function that stops it
// (gracefully, as when Serve's context is done) and returns Serve's error.
func (m *Mediacentre) Start() (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

// Close stops the server at once.
func (m *Mediacentre) Close() error { return m.srv.Close() }

// URL returns the base URL to configure as mediacentre.base_url.
func (m *Mediacentre) URL() string { return m.publicURL }

// Addr returns the address the server listens on.
func (m *Mediacentre) Addr() string { return m.ln.Addr().String() }

// TLSFiles returns the files of the test PKI.
func (m *Mediacentre) TLSFiles() *TLSFiles { return m.files }

// Handshakes returns the number of TLS handshakes completed so far.
func (m *Mediacentre) Handshakes() int64 { return m.handshakes.Load() }

// Connections returns the number of TCP connections accepted so far.
func (m *Mediacentre) Connections() int64 { return m.conns.Load() }

// Requests returns the number of HTTP requests received so far.
func (m *Mediacentre) Requests() int64 { return m.requests.Load() }

// LastHeaders returns a copy of the headers of the last request.
func (m *Mediacentre) LastHeaders() http.Header {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastHdr.Clone()
}

// AddRule adds r after the rules already set and returns a function that
// removes it.
func (m *Mediacentre) AddRule(r Rule) (remove func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextRule++
	id := m.nextRule
	m.rules = append(m.rules, &ruleEntry{id: id, rule: r, left: r.Times})
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.rules = slices.DeleteFunc(m.rules, func(e *ruleEntry) bool { return e.id == id })
	}
}

// match returns the first rule matching the request, spending it, or the
// rule a magic identifier asks for, or nil.
func (m *Mediacentre) match(op, uai, user string) *Rule {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.rules {
		r := &e.rule
		if r.Operation != "" && r.Operation != op || r.UAI != "" && !strings.EqualFold(r.UAI, uai) || r.User != "" && r.User != user {
			continue
		}
		if r.Times > 0 {
			e.left--
			if e.left <= 0 {
				m.rules = slices.Delete(m.rules, i, i+1)
			}
		}
		rc := *r
		return &rc
	}
	for _, id := range []string{uai, user} {
		rest, ok := strings.CutPrefix(strings.ToUpper(id), "GARSIM-")
		if !ok {
			continue
		}
		if secs, ok := strings.CutPrefix(rest, "SLOW-"); ok {
			if n, err := strconv.Atoi(secs); err == nil && n >= 0 && n <= 600 {
				return &Rule{Delay: time.Duration(n) * time.Second}
			}
		}
		if n, err := strconv.Atoi(rest); err == nil && n >= 400 && n <= 599 {
			return &Rule{Status: n}
		}
	}
	return nil
}

// peopleOf returns the people of ident, re-reading the archives when a
// newer one was integrated (checked at most every RescanEvery).
func (m *Mediacentre) peopleOf(ident string) (*people, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.people[ident]
	if c != nil && (m.opts.Root == "" || time.Since(c.checked) < m.opts.RescanEvery) {
		return c.p, nil
	}
	var paths []string
	if m.opts.Root != "" {
		var err error
		if paths, err = latestIntegrated(m.opts.Root, ident); err != nil {
			return nil, fmt.Errorf("garsim médiacentre %s: %w", ident, err)
		}
	}
	from := strings.Join(paths, "\n")
	if c != nil && c.from == from {
		c.checked = time.Now()
		return c.p, nil
	}
	p := newPeople()
	for _, path := range paths {
		if err := p.readArchive(path); err != nil {
			// A broken archive would have landed in ERREUR, not here; keep
			// serving what was known.
			m.log.Error("garsim médiacentre: cannot read archive", "ident", ident, "error", err)
			if c != nil {
				c.checked = time.Now()
				return c.p, nil
			}
			return nil, fmt.Errorf("garsim médiacentre %s: %w", ident, err)
		}
	}
	for _, person := range m.opts.People[ident] {
		p.add(person)
	}
	m.people[ident] = &peopleCache{p: p, checked: time.Now(), from: from}
	clear(m.answers)
	m.log.Info("garsim médiacentre: directory loaded", "ident", ident, "archives", p.archives, "establishments", len(p.etabs))
	return p, nil
}

// GAR's Erreur codes and default messages per status, as the reference's
// tables 18 and 22 word them.
func erreurFor(status int) (code, message string) {
	switch status {
	case http.StatusBadRequest:
		return "Bad Request", "La requête a échoué à cause d'un format invalide ou d'un paramètre manquant."
	case http.StatusUnauthorized:
		return "Unauthorized Request", "L'authentification a échoué"
	case http.StatusForbidden:
		return "Forbidden Request", "Accès refusé"
	case http.StatusMethodNotAllowed:
		return "Method not allowed", "La méthode requêtée n'existe pas."
	case http.StatusNotAcceptable:
		return "Content not acceptable", "L'en-tête « Accept » ne contient pas une donnée valide."
	case http.StatusInternalServerError:
		return "Internal Server", "Une erreur technique est survenue."
	case http.StatusServiceUnavailable:
		return "Service Unavailable", "Le service est temporairement indisponible."
	}
	return http.StatusText(status), http.StatusText(status)
}

// request is what the handler learnt of one request.
type request struct {
	w        http.ResponseWriter
	r        *http.Request
	op       string
	resource string // the path without its leading '/', as GAR's Resource
	asJSON   bool
	encoding string
}

// ServeHTTP routes GAR's paths.
func (m *Mediacentre) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.requests.Add(1)
	m.mu.Lock()
	m.lastHdr = r.Header.Clone()
	m.mu.Unlock()
	w.Header().Set("Server", "garsim")

	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			http.Error(w, "bad path", http.StatusBadRequest)
			return
		}
		segs[i] = u
	}
	switch {
	case len(segs) == 2 && segs[0] == "vignettes":
		m.serveThumbnail(w, r, strings.TrimSuffix(segs[1], ".png"))
		return
	case len(segs) == 1 && segs[0] == "domaineGar":
		m.serveRedirector(w, r)
		return
	}

	q := &request{w: w, r: r, resource: strings.TrimPrefix(r.URL.EscapedPath(), "/"), encoding: chooseEncoding(r.Header.Get("Accept-Encoding"))}
	switch {
	case len(segs) == 4 && segs[0] == "ressources":
		q.op = "listeRessources"
	case len(segs) == 1 && segs[0] == "ressourcesDiffusables":
		q.op = "ressourcesDiffusables"
	default:
		http.NotFound(w, r)
		return
	}
	q.asJSON = acceptsJSON(r.Header.Get("Accept"))
	if r.Method != http.MethodGet {
		m.fail(q, http.StatusMethodNotAllowed, "")
		return
	}

	// Authentication first (§7.2.3.4), then the request's own checks.
	cn, status, msg := m.authenticate(r)
	if status != 0 {
		m.fail(q, status, msg)
		return
	}
	var uai, user string
	if q.op == "listeRessources" {
		uai, user = segs[2], segs[3]
		if !strings.EqualFold(cn, segs[1]) || !slices.Contains(m.opts.Idents, segs[1]) {
			m.fail(q, http.StatusForbidden, "Certificat client non autorisé pour le projet ENT passé en paramètre")
			return
		}
	}
	if rule := m.match(q.op, uai, user); rule != nil {
		if !m.applyRule(q, rule) {
			return
		}
	}
	if !acceptable(r.Header.Get("Accept"), q.op) {
		m.fail(q, http.StatusNotAcceptable, "")
		return
	}
	if msg := checkHeaders(r.Header); msg != "" {
		m.fail(q, http.StatusBadRequest, msg)
		return
	}
	if q.op == "ressourcesDiffusables" {
		m.serveDistributable(q)
		return
	}
	m.serveList(q, segs[1], uai, user)
}

// applyRule waits, answers the rule's error or raw body, or forces the
// encoding. It returns false when the answer was written.
func (m *Mediacentre) applyRule(q *request, rule *Rule) bool {
	if rule.Delay > 0 {
		t := time.NewTimer(rule.Delay)
		select {
		case <-t.C:
		case <-q.r.Context().Done():
			// The client went away: abort the connection rather than let
			// the server send an empty 200 that a racing client might read.
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	if rule.Encoding != "" {
		q.encoding = rule.Encoding
	}
	if rule.Body != nil {
		h := q.w.Header()
		if rule.ContentType != "" {
			h.Set("Content-Type", rule.ContentType)
		}
		if rule.Encoding != "" && rule.Encoding != encodingIdentity {
			h.Set("Content-Encoding", strings.TrimPrefix(rule.Encoding, "raw-"))
		}
		h.Set("Content-Length", strconv.Itoa(len(rule.Body)))
		status := rule.Status
		if status == 0 {
			status = http.StatusOK
		}
		q.w.WriteHeader(status)
		q.w.Write(rule.Body)
		return false
	}
	if rule.Status != 0 {
		if rule.RetryAfter > 0 {
			q.w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfter))
		}
		m.fail(q, rule.Status, rule.Message)
		return false
	}
	return true
}

// authenticate checks the client certificate as GAR does (§7.2.3.1,
// table 22): it returns the certificate's CN, or a 401 status and GAR's
// message.
func (m *Mediacentre) authenticate(r *http.Request) (cn string, status int, msg string) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "", http.StatusUnauthorized, "No required SSL certificate was sent"
	}
	leaf := r.TLS.PeerCertificates[0]
	sum := sha256.Sum256(leaf.Raw)
	now := time.Now()
	m.mu.Lock()
	ok, known := m.verified[sum]
	m.mu.Unlock()
	if known && ok && now.Before(leaf.NotAfter) {
		return leaf.Subject.CommonName, 0, ""
	}
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots: m.clientCAs, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		m.log.Debug("garsim médiacentre: client certificate refused", "subject", leaf.Subject.String(), "error", err)
		return "", http.StatusUnauthorized, "Invalide client certificate"
	}
	m.mu.Lock()
	if len(m.verified) >= maxCachedAnswers {
		clear(m.verified)
	}
	m.verified[sum] = true
	m.mu.Unlock()
	return leaf.Subject.CommonName, 0, ""
}

// acceptsJSON reports whether the Accept header asks for JSON.
func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}

// acceptable reports whether GAR would answer this Accept header: absent
// (XML by default), application/xml, or for listeRessources
// application/json; anything else is 406 (§7.2.3.5).
func acceptable(accept, op string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == "application/xml" || mt == "application/json" && op == "listeRessources" {
			return true
		}
	}
	return false
}

// checkHeaders enforces the headers the reference marks mandatory (tables
// 10 and 20): a valid Date and Accept-Encoding offering gzip and deflate.
func checkHeaders(h http.Header) string {
	if _, err := http.ParseTime(h.Get("Date")); err != nil {
		return "En-tête Date absent ou invalide"
	}
	ae := strings.ToLower(h.Get("Accept-Encoding"))
	if !strings.Contains(ae, "gzip") || !strings.Contains(ae, "deflate") {
		return "En-tête Accept-Encoding absent ou incomplet (gzip, deflate attendus)"
	}
	return ""
}

// fail answers GAR's Erreur for status, in the requested format and
// encoding.
func (m *Mediacentre) fail(q *request, status int, message string) {
	code, def := erreurFor(status)
	if message == "" {
		message = def
	}
	m.write(q, status, encodeErreur(code, message, q.resource, q.asJSON))
}

// write sends body compressed as the request asked.
func (m *Mediacentre) write(q *request, status int, body []byte) {
	data, coding, err := compressBody(body, q.encoding)
	if err != nil {
		http.Error(q.w, err.Error(), http.StatusInternalServerError)
		return
	}
	m.send(q, status, data, coding)
}

// send writes an encoded body with its headers.
func (m *Mediacentre) send(q *request, status int, data []byte, coding string) {
	h := q.w.Header()
	if q.asJSON {
		h.Set("Content-Type", "application/json;charset=UTF-8")
	} else {
		h.Set("Content-Type", "application/xml;charset=UTF-8")
	}
	if coding != "" {
		h.Set("Content-Encoding", coding)
	}
	h.Set("Vary", "Accept, Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	q.w.WriteHeader(status)
	q.w.Write(data)
}

// serveList answers listeRessources from the people of the archives.
func (m *Mediacentre) serveList(q *request, ident, uai, user string) {
	p, err := m.peopleOf(ident)
	if err != nil {
		m.log.Error("garsim médiacentre: directory", "error", err)
		m.fail(q, http.StatusInternalServerError, "")
		return
	}
	persons, ok := p.etabs[strings.ToUpper(uai)]
	if !ok {
		m.fail(q, http.StatusBadRequest, "Etablissement non trouvé")
		return
	}
	profile, ok := persons[user]
	if !ok {
		m.fail(q, http.StatusBadRequest, "Utilisateur non trouvé")
		return
	}
	key := answerKey{ident: ident, uai: strings.ToUpper(uai), user: user, encoding: q.encoding, json: q.asJSON}
	m.mu.Lock()
	data, ok := m.answers[key]
	m.mu.Unlock()
	if ok {
		m.send(q, http.StatusOK, data, strings.TrimPrefix(strings.TrimPrefix(q.encoding, "raw-"), encodingIdentity))
		return
	}
	items := assigned(m.catalog, ident, uai, user, profile)
	list := make([]simResource, len(items))
	for i := range items {
		list[i] = items[i].etiquette(m.publicURL, ident, strings.ToUpper(uai))
	}
	body, err := encodeList(list, q.asJSON)
	if err == nil {
		var coding string
		if data, coding, err = compressBody(body, q.encoding); err == nil {
			m.mu.Lock()
			if len(m.answers) >= maxCachedAnswers {
				clear(m.answers)
			}
			m.answers[key] = data
			m.mu.Unlock()
			m.send(q, http.StatusOK, data, coding)
			return
		}
	}
	m.fail(q, http.StatusInternalServerError, "")
}

// serveDistributable answers ressourcesDiffusables: the whole catalogue, in
// XML (the reference's only format for it).
func (m *Mediacentre) serveDistributable(q *request) {
	list := make([]simResource, len(m.catalog))
	for i := range m.catalog {
		list[i] = m.catalog[i].etiquette(m.publicURL, "", "")
	}
	body, err := encodeXMLList("ressourcesDiffusables", listNamespace, list)
	if err != nil {
		m.fail(q, http.StatusInternalServerError, "")
		return
	}
	q.asJSON = false
	m.write(q, http.StatusOK, body)
}
