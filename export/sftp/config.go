package sftp

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/entgar/entgar/config"
)

// Config says how to reach and authenticate to the SFTP server. Dial
// refuses a Config without Host, User, KeyFile or KnownHosts.
type Config struct {
	// Host and Port locate the server.
	Host string
	Port int
	// User is the SFTP user name.
	User string
	// KeyFile is the private key (OpenSSH or PEM): ed25519, ECDSA, or RSA
	// of at least 2048 bits.
	KeyFile string
	// KeyPassphraseFile, when set, names a file holding the key's
	// passphrase (see config.ReadSecret).
	KeyPassphraseFile string
	// KeyPassphraseEnv, when set and KeyPassphraseFile is not, names an
	// environment variable holding the key's passphrase.
	KeyPassphraseEnv string
	// KnownHosts is an OpenSSH known_hosts file that must hold the server's
	// host key. Unknown hosts and mismatches are errors; nothing is ever
	// added to the file.
	KnownHosts string
	// Root is the remote directory holding GAR's folders; "" means the
	// login directory.
	Root string
	// ConnectTimeout bounds the TCP connection, the SSH handshake and the
	// start of the SFTP session.
	ConnectTimeout time.Duration
	// IOTimeout is how long an operation may go without progress before
	// the connection is closed and the operation fails (and is retried).
	IOTimeout time.Duration
	// KeepAlive is the interval of keepalive@openssh.com requests.
	KeepAlive time.Duration
	// Retries is how many times a failed network operation is retried,
	// after reconnecting when the connection broke.
	Retries int
	// RetryBackoff is the wait before the first retry; it doubles at each
	// retry, up to MaxBackoff.
	RetryBackoff time.Duration
	// Logger receives retries, reconnections and deliveries; nil discards.
	Logger *slog.Logger

	// segment overrides defaultSegment, for tests.
	segment int64
}

// MaxBackoff caps the wait between two retries.
const MaxBackoff = time.Minute

// FromConfig returns the Config described by the sftp section of the
// configuration file.
func FromConfig(c config.SFTPConfig) Config {
	return Config{
		Host:              c.Host,
		Port:              c.Port,
		User:              c.User,
		KeyFile:           c.KeyFile,
		KeyPassphraseFile: c.KeyPassphraseFile,
		KeyPassphraseEnv:  c.KeyPassphraseEnv,
		KnownHosts:        c.KnownHosts,
		Root:              c.Root,
		ConnectTimeout:    c.ConnectTimeout,
		IOTimeout:         c.IOTimeout,
		KeepAlive:         c.KeepAlive,
		Retries:           c.Retries,
		RetryBackoff:      c.RetryBackoff,
	}
}

// ConfigError is a problem with the configuration of the client, as
// opposed to one with the network or the server: a missing or unreadable
// key file, a weak key, no known_hosts file. Key names the configuration
// key to fix.
type ConfigError struct {
	Key string
	Err error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

func (c *Config) check() error {
	switch {
	case c.Host == "":
		return &ConfigError{"sftp.host", fmt.Errorf("no server host name")}
	case c.Port < 1 || c.Port > 65535:
		return &ConfigError{"sftp.port", fmt.Errorf("must be between 1 and 65535, got %d", c.Port)}
	case c.User == "":
		return &ConfigError{"sftp.user", fmt.Errorf("no SFTP user name (GAR assigns it)")}
	case c.KeyFile == "":
		return &ConfigError{"sftp.key_file", fmt.Errorf("no private key file")}
	case c.KnownHosts == "":
		return &ConfigError{"sftp.known_hosts", fmt.Errorf("no known_hosts file: the server's host key must be known before connecting (see docs/delivery.md, ssh-keyscan)")}
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 30 * time.Second
	}
	if c.IOTimeout <= 0 {
		c.IOTimeout = 2 * time.Minute
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 2 * time.Second
	}
	return nil
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Validate reports the first problem of c that Dial would refuse before
// connecting, without reading any file; a *ConfigError naming the key.
func (c Config) Validate() error { return c.check() }
