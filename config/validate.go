package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
)

// Validate checks every key of c and reports all the problems found, joined
// with errors.Join, each naming the key's path, e.g.
// "export.max_nodes: must be between 1 and 1000000, got 0". Load already
// validates; call Validate again after changing a Config, for instance from
// command-line flags. Keys needed only by some commands (ent.id for export,
// sftp.user for upload, ...) are left for those commands to require.
func (c *Config) Validate() error {
	problems := c.check()
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = p.withOrigin("")
	}
	return errors.Join(errs...)
}

// A problem is what is wrong with the value of one key.
type problem struct {
	path string
	msg  string
}

// withOrigin returns the problem as an error, saying where the value was set
// when origin (a file:line or an environment variable) is known.
func (p problem) withOrigin(origin string) error {
	if origin == "" {
		return fmt.Errorf("%s: %s", p.path, p.msg)
	}
	return fmt.Errorf("%s: %s (set by %s)", p.path, p.msg, origin)
}

type checker struct {
	problems []problem
}

func (c *checker) addf(path, format string, args ...any) {
	c.problems = append(c.problems, problem{path: path, msg: fmt.Sprintf(format, args...)})
}

func (c *checker) oneOf(path, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	want := quoted[0]
	if len(quoted) > 1 {
		want = strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
	}
	c.addf(path, "must be %s, got %q", want, value)
}

func (c *checker) intRange(path string, value, lo, hi int) {
	if value < lo || value > hi {
		c.addf(path, "must be between %d and %d, got %d", lo, hi, value)
	}
}

func (c *checker) positive(path string, d time.Duration) {
	if d <= 0 {
		c.addf(path, "must be a positive duration such as 30s, got %s", d)
	}
}

func (c *checker) durationRange(path string, value, lo, hi time.Duration) {
	if value < lo || value > hi {
		c.addf(path, "must be between %s and %s, got %s", lo, hi, value)
	}
}

func (c *checker) notEmpty(path, value string) {
	if strings.TrimSpace(value) == "" {
		c.addf(path, "must not be empty")
	}
}

// share checks a share between 0 and 1; zeroOK says whether 0 is allowed.
func (c *checker) share(path string, s float64, zeroOK bool) {
	switch {
	case math.IsNaN(s) || s < 0 || s > 1 || s == 0 && !zeroOK:
		if zeroOK {
			c.addf(path, "must be between 0 and 1, got %v", s)
		} else {
			c.addf(path, "must be greater than 0 and at most 1, got %v", s)
		}
	}
}

// listenAddr checks a host:port to listen on (port 0 picks a free one);
// example shows the form in the message, orEmpty says empty is allowed.
func (c *checker) listenAddr(path, addr, example string, orEmpty bool) {
	or := ""
	if orEmpty {
		or = ", or empty"
	}
	if _, port, err := net.SplitHostPort(addr); err != nil {
		c.addf(path, "must be host:port such as %s%s, got %q", example, or, addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		c.addf(path, "port must be between 0 and 65535, got %q", port)
	}
}

// check returns the problems of c, in the order of the keys. Each section
// validates itself in its own function, so that a new section brings its
// rules with it and checks nothing of the others'.
func (c *Config) check() []problem {
	var k checker
	c.ENT.check(&k)
	c.Source.check(&k)
	c.Export.check(&k)
	c.Log.check(&k)
	c.SFTP.check(&k)
	c.Mediacentre.check(&k)
	c.Server.check(&k)
	c.Cache.check(&k)
	c.Analyse.check(&k)
	c.Metrics.check(&k)
	c.Garsim.check(&k)
	return k.problems
}

func (s *ENTConfig) check(k *checker) {
	if id := s.ID; id != "" && !validIdent(id) {
		k.addf("ent.id", "must hold only letters A-Z or a-z, digits and '-', got %q", id)
	}
	if tz := s.Timezone; tz == "" {
		k.addf("ent.timezone", "must be an IANA time zone name such as Europe/Paris")
	} else if _, err := time.LoadLocation(tz); err != nil {
		k.addf("ent.timezone", "unknown time zone %q (want an IANA name such as Europe/Paris)", tz)
	}
}

func (s *SourceConfig) check(k *checker) {
	k.oneOf("source.kind", s.Kind, SourceJSONL)
	k.notEmpty("source.path", s.Path)
}

func (e *ExportConfig) check(k *checker) {
	k.notEmpty("export.out", e.Out)
	if len(e.Degrees) == 0 {
		k.addf("export.degrees", "must list at least one degree (%s, %s)", Degree1D, Degree2D)
	}
	seenDegree := make(map[string]int)
	for i, d := range e.Degrees {
		switch {
		case d != Degree1D && d != Degree2D:
			k.addf("export.degrees", "item %d: must be %q or %q, got %q", i+1, Degree1D, Degree2D, d)
		case seenDegree[d] > 0:
			k.addf("export.degrees", "item %d: %q is already item %d", i+1, d, seenDegree[d])
		default:
			seenDegree[d] = i + 1
		}
	}
	k.intRange("export.max_nodes", e.MaxNodes, 1, 1_000_000)
	k.oneOf("export.on_bad_record", e.OnBadRecord, OnBadRecordSkip, OnBadRecordFail)
	k.share("export.max_rejected_share", e.MaxRejectedShare, true)
	included := k.uais("export.establishments.include", e.Establishments.Include)
	k.uais("export.establishments.exclude", e.Establishments.Exclude)
	for i, u := range e.Establishments.Exclude {
		if j := included[gar.NormalizeCode(u)]; j > 0 {
			k.addf("export.establishments.exclude", "item %d: %q is also item %d of export.establishments.include", i+1, u, j)
		}
	}
	k.intRange("export.gzip_level", e.GzipLevel, 1, 9)
	if e.Keep < 1 {
		k.addf("export.keep", "must be at least 1, got %d", e.Keep)
	}
}

func (s *LogConfig) check(k *checker) {
	k.oneOf("log.level", s.Level, LogLevelDebug, LogLevelInfo, LogLevelWarn, LogLevelError)
	k.oneOf("log.format", s.Format, LogFormatAuto, LogFormatText, LogFormatJSON)
}

func (sf *SFTPConfig) check(k *checker) {
	k.intRange("sftp.port", sf.Port, 1, 65535)
	if v := sf.KeyPassphraseEnv; v != "" {
		switch {
		case !validEnvName(v):
			k.addf("sftp.key_passphrase_env", "must be an environment variable name (letters, digits and '_', not starting with a digit), got %q", v)
		case strings.HasPrefix(strings.ToUpper(v), EnvPrefix):
			k.addf("sftp.key_passphrase_env", "must not start with %s, which names configuration keys, got %q", EnvPrefix, v)
		}
	}
	k.positive("sftp.connect_timeout", sf.ConnectTimeout)
	k.positive("sftp.io_timeout", sf.IOTimeout)
	k.positive("sftp.keepalive", sf.KeepAlive)
	k.intRange("sftp.retries", sf.Retries, 0, 100)
	k.positive("sftp.retry_backoff", sf.RetryBackoff)
}

func (m *MediacentreConfig) check(k *checker) {
	if m.PKCS12File != "" && (m.CertFile != "" || m.KeyFile != "") {
		k.addf("mediacentre.pkcs12_file", "give either pkcs12_file or cert_file and key_file, not both")
	}
	if m.PKCS12PasswordFile != "" && m.PKCS12File == "" {
		k.addf("mediacentre.pkcs12_password_file", "set without mediacentre.pkcs12_file")
	}
	k.oneOf("mediacentre.format", m.Format, MediacentreFormatJSON, MediacentreFormatXML)
	k.durationRange("mediacentre.timeout", m.Timeout, 100*time.Millisecond, 5*time.Minute)
	k.durationRange("mediacentre.deadline", m.Deadline, max(m.Timeout, 100*time.Millisecond), 10*time.Minute)
	k.intRange("mediacentre.retries", m.Retries, 0, 10)
	k.intRange("mediacentre.max_body", m.MaxBody, 64<<10, 1<<30)
	k.intRange("mediacentre.max_conns", m.MaxConns, 1, 1024)
	k.intRange("mediacentre.cert_warn_days", m.CertWarnDays, 1, 365)
}

func (s *ServerConfig) check(k *checker) {
	k.durationRange("server.shutdown_timeout", s.ShutdownTimeout, time.Second, 10*time.Minute)
}

func (s *CacheConfig) check(k *checker) {
	k.oneOf("cache.kind", s.Kind, CacheMemory, CacheRedis)
	k.durationRange("cache.ttl", s.TTL, time.Second, 24*time.Hour)
	k.intRange("cache.max_entries", s.MaxEntries, 1, 10_000_000)
	if s.Kind == CacheRedis {
		k.notEmpty("cache.redis.addr", s.Redis.Addr)
	}
	k.intRange("cache.redis.db", s.Redis.DB, 0, 1000)
}

func (s *AnalyseConfig) check(k *checker) {
	k.share("analyse.max_deletion_share", s.MaxDeletionShare, false)
	if s.MaxExamples < 1 {
		k.addf("analyse.max_examples", "must be at least 1, got %d", s.MaxExamples)
	}
}

func (s *MetricsConfig) check(k *checker) {
	if tf := s.Textfile; tf != "" && !strings.HasSuffix(tf, ".prom") {
		k.addf("metrics.textfile", "must end in .prom (the node exporter's textfile collector reads only those), got %q", tf)
	}
	if tf := s.Textfile; tf != "" && s.JSONFile == tf {
		k.addf("metrics.json_file", "must differ from metrics.textfile, got %q", tf)
	}
}

func (g *GarsimConfig) check(k *checker) {
	k.notEmpty("garsim.root", g.Root)
	seenIdent := make(map[string]int)
	for i, id := range g.Idents {
		up := strings.ToUpper(id)
		switch {
		case id == "" || !validIdent(id):
			k.addf("garsim.idents", "item %d: must hold only letters A-Z or a-z, digits and '-', got %q", i+1, id)
		case seenIdent[up] > 0:
			k.addf("garsim.idents", "item %d: %q is already item %d", i+1, id, seenIdent[up])
		default:
			seenIdent[up] = i + 1
		}
	}
	k.listenAddr("garsim.sftp_listen", g.SFTPListen, "127.0.0.1:2222", false)
	k.notEmpty("garsim.host_key_file", g.HostKeyFile)
	k.notEmpty("garsim.authorized_keys", g.AuthorizedKeys)
	k.positive("garsim.collecte_interval", g.CollecteInterval)
	k.oneOf("garsim.checker", g.Checker, GarsimCheckerAnalyse, GarsimCheckerBasic)
	if g.MediacentreListen != "" {
		k.listenAddr("garsim.mediacentre_listen", g.MediacentreListen, "127.0.0.1:8444", true)
		k.notEmpty("garsim.tls_dir", g.TLSDir)
	}
}

// uais checks a list of UAIs (non-empty, no duplicates once normalised as
// GAR compares them) and returns the item number (from 1) of each normalised
// UAI.
func (c *checker) uais(path string, list []string) map[string]int {
	seen := make(map[string]int, len(list))
	for i, u := range list {
		n := gar.NormalizeCode(u)
		switch {
		case n == "":
			c.addf(path, "item %d: must not be empty", i+1)
		case seen[n] > 0:
			c.addf(path, "item %d: %q is already item %d", i+1, u, seen[n])
		default:
			seen[n] = i + 1
		}
	}
	return seen
}

// validIdent reports whether id holds only A-Z, a-z, 0-9 and '-'.
func validIdent(id string) bool {
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// validEnvName reports whether name can be an environment variable set from
// a shell: letters, digits and '_', not starting with a digit.
func validEnvName(name string) bool {
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b == '_' || i > 0 && b >= '0' && b <= '9') {
			return false
		}
	}
	return name != ""
}
