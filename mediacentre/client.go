package mediacentre

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entgar/entgar/config"
)

// Config configures a Client: one idENT, its certificate, and the limits of
// every call. NewClient applies the defaults of DefaultConfig to zero
// fields; FromConfig builds it from entgar's configuration file.
type Config struct {
	// BaseURL is GAR's web service, an https:// URL; the service paths
	// (/ressources/..., /ressourcesDiffusables) are appended to its path.
	BaseURL string
	// Ident is the ENT's idENT, the first path segment of listeRessources.
	Ident string
	// CertFile and KeyFile are the PEM client certificate (with its chain,
	// if any) and its private key.
	CertFile, KeyFile string
	// PKCS12File is a PKCS#12 file holding the client certificate and key,
	// instead of CertFile and KeyFile; PKCS12Password is its password.
	PKCS12File, PKCS12Password string
	// CAFile is a PEM bundle of the authorities trusted for GAR's server
	// certificate; empty means the system's authorities.
	CAFile string
	// Format is the answer format asked of GAR: "json" or "xml"
	// (config.MediacentreFormatJSON or config.MediacentreFormatXML).
	Format string
	// Timeout bounds one attempt, from connecting to the last byte of the
	// answer.
	Timeout time.Duration
	// Deadline bounds a whole call, retries included.
	Deadline time.Duration
	// Retries is how many times a 503 answer or a network failure is
	// retried, with exponential backoff, within Deadline.
	Retries int
	// MaxBody bounds an answer, both as received and once decompressed, in
	// bytes.
	MaxBody int64
	// MaxConns bounds the connections to GAR (and the establishments
	// fetched at once by ResourcesByEstablishment).
	MaxConns int
	// CertWarnDays is how many days before its expiry the client certificate
	// is warned about in the logs (at start and then once a day).
	CertWarnDays int
	// Logger receives the certificate warnings and retry notices; nil
	// discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults NewClient applies, the same as the
// defaults of the mediacentre section of the configuration file.
func DefaultConfig() Config {
	d := config.Default().Mediacentre
	return Config{
		Format:       d.Format,
		Timeout:      d.Timeout,
		Deadline:     d.Deadline,
		Retries:      d.Retries,
		MaxBody:      int64(d.MaxBody),
		MaxConns:     d.MaxConns,
		CertWarnDays: d.CertWarnDays,
	}
}

// FromConfig returns the client configuration that entgar's configuration
// describes: the mediacentre section and ent.id, with the PKCS#12 password
// read from its file.
func FromConfig(c *config.Config, logger *slog.Logger) (Config, error) {
	m := c.Mediacentre
	cfg := Config{
		BaseURL:      m.BaseURL,
		Ident:        c.ENT.ID,
		CertFile:     m.CertFile,
		KeyFile:      m.KeyFile,
		PKCS12File:   m.PKCS12File,
		CAFile:       m.CAFile,
		Format:       m.Format,
		Timeout:      m.Timeout,
		Deadline:     m.Deadline,
		Retries:      m.Retries,
		MaxBody:      int64(m.MaxBody),
		MaxConns:     m.MaxConns,
		CertWarnDays: m.CertWarnDays,
		Logger:       logger,
	}
	if m.PKCS12PasswordFile != "" {
		pw, err := config.ReadSecret(m.PKCS12PasswordFile)
		if err != nil {
			return Config{}, fmt.Errorf("mediacentre.pkcs12_password_file: %w", err)
		}
		cfg.PKCS12Password = pw
	}
	return cfg, nil
}

// Client calls GAR's médiacentre web services for one idENT over mutual TLS,
// through one pool of connections. It is safe for concurrent use; create one
// per idENT and keep it for the life of the process.
type Client struct {
	cfg     Config
	base    *url.URL
	accept  string
	http    *http.Client
	leaf    *x509.Certificate
	log     *slog.Logger
	metrics *metrics
	// lastWarn is when the certificate expiry was last logged (Unix
	// seconds), so that a long-running server warns once a day.
	lastWarn atomic.Int64
	// gzips keeps gzip readers and bufs answer buffers between calls, to
	// spare the garbage collector tens of kilobytes per call.
	gzips, bufs sync.Pool
}

// NewClient checks cfg, loads the client certificate and the trusted
// authorities, and returns a client with its own connection pool. It logs a
// warning when the certificate expires within CertWarnDays, and fails when
// it has already expired, since GAR would refuse every call.
func NewClient(cfg Config) (*Client, error) {
	d := DefaultConfig()
	if cfg.Format == "" {
		cfg.Format = d.Format
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = d.Deadline
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = d.MaxBody
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = d.MaxConns
	}
	if cfg.CertWarnDays <= 0 {
		cfg.CertWarnDays = d.CertWarnDays
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}

	base, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("mediacentre.base_url: must be set to GAR's web service URL")
	case err != nil:
		return nil, fmt.Errorf("mediacentre.base_url: %w", err)
	case base.Scheme != "https" || base.Host == "":
		return nil, fmt.Errorf("mediacentre.base_url: must be an https:// URL with a host, got %q", cfg.BaseURL)
	case base.RawQuery != "" || base.Fragment != "":
		return nil, fmt.Errorf("mediacentre.base_url: must not have a query or fragment, got %q", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.Ident) == "" {
		return nil, errors.New("ent.id: the idENT must be set to call GAR's médiacentre")
	}
	var accept string
	switch cfg.Format {
	case config.MediacentreFormatJSON:
		accept = "application/json"
	case config.MediacentreFormatXML:
		accept = "application/xml"
	default:
		return nil, fmt.Errorf("mediacentre.format: must be %q or %q, got %q", config.MediacentreFormatJSON, config.MediacentreFormatXML, cfg.Format)
	}

	cert, err := loadClientCertificate(&cfg)
	if err != nil {
		return nil, err
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
	}
	roots, err := loadRoots(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("mediacentre.ca_file: %w", err)
	}

	c := &Client{
		cfg:    cfg,
		base:   base,
		accept: accept,
		leaf:   leaf,
		log:    cfg.Logger.With("ident", cfg.Ident),
	}
	c.metrics = newMetrics(cfg.Ident, leaf)
	c.http = &http.Client{
		Transport: newTransport(newTLSConfig(cert, roots, base.Hostname()), cfg),
		// Redirects are not part of the service: a 3xx is reported as is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	now := time.Now()
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("client certificate %q expired on %s: renew it with the ministry's authority", leaf.Subject.CommonName, leaf.NotAfter.UTC().Format(time.DateOnly))
	}
	c.warnExpiry(now)
	return c, nil
}

// newTransport is the connection pool: HTTP/1.1 only, keep-alive, at most
// MaxConns connections, all kept idle for reuse. Compression is negotiated
// by the client itself (DisableCompression), so that a deflate answer is
// accepted and a gzip bomb is caught by the size limits.
func newTransport(tc *tls.Config, cfg Config) *http.Transport {
	dialer := &net.Dialer{Timeout: min(cfg.Timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tc,
		TLSHandshakeTimeout:    min(cfg.Timeout, 10*time.Second),
		ResponseHeaderTimeout:  cfg.Timeout,
		DisableCompression:     true,
		MaxConnsPerHost:        cfg.MaxConns,
		MaxIdleConns:           cfg.MaxConns,
		MaxIdleConnsPerHost:    cfg.MaxConns,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		// A non-nil empty map turns HTTP/2 off: GAR's service is HTTP/1.1.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
}

// Ident returns the idENT the client speaks for.
func (c *Client) Ident() string { return c.cfg.Ident }

// CertificateExpiry returns when the client certificate expires.
func (c *Client) CertificateExpiry() time.Time { return c.leaf.NotAfter }

// Certificate returns the client certificate presented to GAR.
func (c *Client) Certificate() *x509.Certificate { return c.leaf }

// CloseIdleConnections closes the pooled connections not in use, for a
// clean shutdown.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// warnExpiry logs a warning when the certificate expires within
// CertWarnDays, at most once a day.
func (c *Client) warnExpiry(now time.Time) {
	left := c.leaf.NotAfter.Sub(now)
	if left > time.Duration(c.cfg.CertWarnDays)*24*time.Hour {
		return
	}
	last := c.lastWarn.Load()
	if last != 0 && now.Unix()-last < 24*3600 {
		return
	}
	if !c.lastWarn.CompareAndSwap(last, now.Unix()) {
		return
	}
	level := slog.LevelWarn
	if left <= 0 {
		level = slog.LevelError
	}
	c.log.Log(context.Background(), level, "médiacentre client certificate expires soon: renew it with the ministry's authority",
		"subject", c.leaf.Subject.CommonName,
		"not_after", c.leaf.NotAfter.UTC().Format(time.RFC3339),
		"days_left", int(left.Hours()/24))
}

// Resources returns the resources GAR assigns to user (a
// GARPersonIdentifiant) in the establishment uai: GET
// /ressources/{idENT}/{UAI}/{user}. An empty list means no resource is
// assigned. Errors are *Error for GAR's answers (UserMessage gives the text
// to show), or wrap the network, TLS or decoding failure.
func (c *Client) Resources(ctx context.Context, uai, user string) ([]Resource, error) {
	uai = strings.ToUpper(strings.TrimSpace(uai))
	switch {
	case uai == "":
		return nil, errors.New("listeRessources: empty UAI")
	case user == "":
		return nil, errors.New("listeRessources: empty user id")
	case isDotSegment(uai):
		return nil, fmt.Errorf("listeRessources: UAI %q is not one", uai)
	case isDotSegment(user):
		return nil, fmt.Errorf("listeRessources: user id %q is not a GARPersonIdentifiant", user)
	}
	p := &servicePath{
		segments: []string{"ressources", c.cfg.Ident, uai, user},
		op:       opList,
		accept:   c.accept,
		xmlRoot:  "listeRessources",
	}
	return c.call(ctx, p)
}

// ResourcesByEstablishment returns, for each establishment of uais (in the
// same order, upper-cased, duplicates removed), the resources GAR assigns to
// user there. The establishments are fetched concurrently (at most MaxConns
// at once); one that fails keeps its error in its EstablishmentResult and
// does not hide the others.
func (c *Client) ResourcesByEstablishment(ctx context.Context, user string, uais []string) []EstablishmentResult {
	out := make([]EstablishmentResult, 0, len(uais))
	seen := make(map[string]bool, len(uais))
	for _, u := range uais {
		u = strings.ToUpper(strings.TrimSpace(u))
		if seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, EstablishmentResult{UAI: u})
	}
	sem := make(chan struct{}, c.cfg.MaxConns)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func(r *EstablishmentResult) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				r.Err = fmt.Errorf("listeRessources %s: %w", r.UAI, ctx.Err())
				return
			}
			defer func() { <-sem }()
			r.Resources, r.Err = c.Resources(ctx, r.UAI, user)
			if r.Err != nil {
				r.Resources = nil
			}
		}(&out[i])
	}
	wg.Wait()
	return out
}

// Distributable returns GAR's daily list of distributable resources
// (ressourcesDiffusables, §7.2.4): resources with at least one validated
// personal-data declaration and not deactivated. GAR answers it in XML only,
// about 3 MB; each element named ressource under the root becomes a
// Resource with the étiquette fields it carries (the reference does not
// publish this document's schema, so fields it lacks are left empty).
func (c *Client) Distributable(ctx context.Context) ([]Resource, error) {
	p := &servicePath{
		segments: []string{"ressourcesDiffusables"},
		op:       opDistributable,
		accept:   "application/xml",
	}
	return c.call(ctx, p)
}

// isDotSegment reports whether s is "." or "..", which url.PathEscape
// leaves as they are and which a proxy or server in front of GAR resolves,
// turning the call into a request for another path.
func isDotSegment(s string) bool { return s == "." || s == ".." }

// The operations, as named in metrics and errors.
const (
	opList          = "listeRessources"
	opDistributable = "ressourcesDiffusables"
)

// servicePath is one call: the path segments (escaped one by one), the
// operation name, the Accept header and the XML root required of the answer.
type servicePath struct {
	segments []string
	op       string
	accept   string
	xmlRoot  string
}

// url returns the absolute URL of the call, each segment escaped so that a
// '/', '?' or '%' in a user id stays inside its segment.
func (c *Client) url(p *servicePath) *url.URL {
	u := *c.base
	raw := strings.TrimRight(c.base.EscapedPath(), "/")
	plain := strings.TrimRight(c.base.Path, "/")
	for _, s := range p.segments {
		raw += "/" + url.PathEscape(s)
		plain += "/" + s
	}
	u.Path, u.RawPath = plain, raw
	return &u
}

// call runs one operation: attempts with retries on 503 and network
// failures, exponential backoff (honouring Retry-After when it fits), all
// within Deadline and the caller's context.
func (c *Client) call(ctx context.Context, p *servicePath) ([]Resource, error) {
	start := time.Now()
	c.warnExpiry(start)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Deadline)
	defer cancel()
	u := c.url(p)
	var err error
	for attempt := 0; ; attempt++ {
		var res []Resource
		var retryAfter time.Duration
		res, retryAfter, err = c.attempt(ctx, p, u)
		if err == nil {
			c.metrics.observe(p.op, "ok", time.Since(start))
			return res, nil
		}
		if attempt >= c.cfg.Retries || ctx.Err() != nil || !retryable(err) {
			break
		}
		wait := backoff(attempt, retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+50*time.Millisecond {
			break
		}
		c.metrics.retry(p.op)
		c.log.Debug("médiacentre: retrying", "operation", p.op, "attempt", attempt+1, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	c.metrics.observe(p.op, Outcome(err), time.Since(start))
	return nil, err
}

// backoff is the wait before retry number attempt+1: 100 ms, 200 ms,
// 400 ms... capped at 2 s, with up to 25% jitter so that many clients do not
// retry together; or GAR's Retry-After when it asked for one under 5 s.
func backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 && retryAfter <= 5*time.Second {
		return retryAfter
	}
	d := min(100*time.Millisecond<<attempt, 2*time.Second)
	jitter := time.Duration(uint64(time.Now().UnixNano()) % uint64(d/4+1))
	return d + jitter
}

// retryable reports whether a failed attempt may succeed if tried again:
// GAR's 503, timeouts of one attempt, and connections refused, reset or
// closed early. Certificate problems, GAR's other errors and unreadable
// answers are not.
func retryable(err error) bool {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Temporary()
	}
	if errors.Is(err, ErrBodyTooLarge) || isTLSProblem(err) {
		return false
	}
	var de *decodeError
	if errors.As(err, &de) && !isNetworkError(de.err) {
		return false
	}
	return isNetworkError(err)
}

func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded)
}

// decodeError marks a failure to read or decode an answer's body.
type decodeError struct {
	op  string
	err error
}

func (e *decodeError) Error() string { return e.op + ": " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// attempt sends one request and reads its answer, within Timeout.
func (c *Client) attempt(ctx context.Context, p *servicePath, u *url.URL) ([]Resource, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", p.op, err)
	}
	// Headers are built for each request, never shared between requests.
	req.Host = u.Host
	req.Header = http.Header{
		"Date":            {time.Now().UTC().Format(http.TimeFormat)},
		"Accept":          {p.accept},
		"Accept-Encoding": {"gzip, deflate"},
		"User-Agent":      {"entgar-mediacentre"},
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", p.op, c.redacted(u), attemptErr(ctx, err, c.cfg.Timeout))
	}
	defer resp.Body.Close()

	body, release, err := decodedBody(resp.Body, resp.Header.Get("Content-Encoding"), c.cfg.MaxBody, &c.gzips)
	if resp.StatusCode != http.StatusOK {
		var fields erreurFields
		if err == nil {
			// An error body is small: read a bounded prefix.
			b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
			release()
			drainEnd(resp.Body)
			fields = parseErreur(b, resp.Header.Get("Content-Type"))
		}
		ge := newError(resp.StatusCode, fields.Code, fields.Message, fields.Resource)
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), ge
	}
	if err != nil {
		return nil, 0, &decodeError{p.op, err}
	}
	// Read to the end before decoding: the gzip checksum is verified
	// there, trailing garbage is caught, and the connection goes back to
	// the pool at once.
	buf := c.buffer()
	defer c.putBuffer(buf)
	_, err = buf.ReadFrom(body)
	release()
	if err != nil {
		return nil, 0, &decodeError{p.op, attemptErr(ctx, err, c.cfg.Timeout)}
	}
	drainEnd(resp.Body)
	res, err := decodeResources(buf.Bytes(), resp.Header.Get("Content-Type"), p.xmlRoot)
	if err != nil {
		return nil, 0, &decodeError{p.op, attemptErr(ctx, err, c.cfg.Timeout)}
	}
	return res, 0, nil
}

// drainEnd reads what is left of a body whose content was read: a deflate
// stream ends at its checksum, before the end of a chunked body (the last,
// empty chunk), and a body closed before its end costs the connection, so
// every call would pay a new TLS handshake. Anything but that end is not
// read past a few bytes.
func drainEnd(body io.Reader) {
	io.CopyN(io.Discard, body, 512)
}

// buffer returns an empty buffer for an answer.
func (c *Client) buffer() *bytes.Buffer {
	if b, ok := c.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// putBuffer keeps b for another answer, unless it grew past 1 MiB
// (ressourcesDiffusables): that one is left to the garbage collector.
func (c *Client) putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		c.bufs.Put(b)
	}
}

// attemptErr says that an attempt ran out of time, rather than reporting a
// bare "context deadline exceeded" or, when the expiry cut an answer short,
// a decoding error: the result then wraps the context's error, so that
// callers and Outcome see a timeout (or a cancellation).
func attemptErr(ctx context.Context, err error, timeout time.Duration) error {
	cerr := ctx.Err()
	if cerr == nil || errors.Is(err, ErrBodyTooLarge) {
		return err
	}
	if errors.Is(err, cerr) {
		return fmt.Errorf("no complete answer within %s (mediacentre.timeout, deadline or the caller's): %w", timeout, err)
	}
	return fmt.Errorf("no complete answer within %s (mediacentre.timeout, deadline or the caller's): %w (%v)", timeout, cerr, err)
}

// redacted returns the URL for error messages with the user id (the last
// segment of listeRessources) masked, since errors reach logs.
func (c *Client) redacted(u *url.URL) string {
	s := u.String()
	if i := strings.LastIndexByte(s, '/'); i > 0 && strings.Contains(s, "/ressources/") {
		return s[:i+1] + "…"
	}
	return s
}

// parseRetryAfter reads a Retry-After header, in seconds or as an HTTP
// date (RFC 9110 §10.2.3); 0 when absent, invalid or past.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// Outcome names the outcome of a call for metrics, logs and scripts: "ok"
// for nil, the ErrorKind name of a GAR error (unknown_user, unavailable...),
// "too_large" (ErrBodyTooLarge), "tls" (certificates, handshake),
// "timeout", "decode" (an answer that could not be read) or "network".
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var ge *Error
	switch {
	case errors.As(err, &ge):
		return ge.Kind.String()
	case errors.Is(err, ErrBodyTooLarge):
		return "too_large"
	case isTLSProblem(err):
		return "tls"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	var de *decodeError
	if errors.As(err, &de) && !isNetworkError(de.err) {
		return "decode"
	}
	return "network"
}
