// Package config holds entgar's configuration: its keys and their defaults,
// loading from a YAML file, overrides from the environment, and validation.
//
// Load starts from Default, applies the YAML file, then the environment
// variables, then validates. Every key has a dotted path made of its YAML
// names (for example export.max_nodes) and an environment variable named
// ENTGAR_ followed by the path upper-cased with '.' replaced by '_' (for
// example ENTGAR_EXPORT_MAX_NODES). Unknown keys in the file and ENTGAR_
// variables that name no key are errors, so that a typo never goes unnoticed.
//
// In the environment, lists are written comma-separated ("1D,2D"), booleans
// as accepted by strconv.ParseBool, and durations as Go durations ("90s").
//
// Secrets are never written in the configuration itself: keys such as
// sftp.key_file and sftp.key_passphrase_file name the files holding them, and
// ReadSecret reads a one-line secret such as a passphrase from its file.
package config

import "time"

// Values accepted by keys that take one of a fixed set of words.
const (
	// SourceJSONL is the source.kind of a directory of JSON Lines files in
	// entgar's canonical format, the only kind for now.
	SourceJSONL = "jsonl"

	// Degree1D is the export.degrees item for primary schools.
	Degree1D = "1D"
	// Degree2D is the export.degrees item for secondary establishments.
	Degree2D = "2D"

	// OnBadRecordSkip is the export.on_bad_record that logs and skips bad
	// records (within export.max_rejected_share).
	OnBadRecordSkip = "skip"
	// OnBadRecordFail is the export.on_bad_record that stops the run at the
	// first bad record.
	OnBadRecordFail = "fail"

	// LogLevelDebug is the log.level that logs everything.
	LogLevelDebug = "debug"
	// LogLevelInfo is the log.level that logs info, warnings and errors.
	LogLevelInfo = "info"
	// LogLevelWarn is the log.level that logs warnings and errors.
	LogLevelWarn = "warn"
	// LogLevelError is the log.level that logs errors only.
	LogLevelError = "error"

	// LogFormatAuto is the log.format that writes text when standard error
	// is a terminal and JSON otherwise.
	LogFormatAuto = "auto"
	// LogFormatText is the log.format of slog's text handler.
	LogFormatText = "text"
	// LogFormatJSON is the log.format of slog's JSON handler.
	LogFormatJSON = "json"

	// MediacentreFormatJSON is the mediacentre.format asking GAR for JSON.
	MediacentreFormatJSON = "json"
	// MediacentreFormatXML is the mediacentre.format asking GAR for XML.
	MediacentreFormatXML = "xml"

	// GarsimCheckerAnalyse is the garsim.checker using entgar's analyser.
	GarsimCheckerAnalyse = "analyse"
	// GarsimCheckerBasic is the garsim.checker using garsim's own checks.
	GarsimCheckerBasic = "basic"
	// CacheMemory is the cache.kind keeping lists in the process's memory.
	CacheMemory = "memory"
	// CacheRedis is the cache.kind keeping lists in Redis.
	CacheRedis = "redis"
)

// EnvPrefix starts the name of every environment variable that overrides a
// configuration key.
const EnvPrefix = "ENTGAR_"

// Config is the whole configuration of entgar. Its zero value is not useful:
// start from Default or Load.
type Config struct {
	// ENT identifies the ENT that entgar speaks for (key ent).
	ENT ENTConfig `yaml:"ent"`
	// Source says where the ENT's establishments and users are read from
	// (key source).
	Source SourceConfig `yaml:"source"`
	// Export configures the nightly export (key export).
	Export ExportConfig `yaml:"export"`
	// Log configures logging (key log).
	Log LogConfig `yaml:"log"`
	// SFTP configures delivery of archives to GAR's SFTP server (key sftp).
	SFTP SFTPConfig `yaml:"sftp"`
	// Mediacentre configures the client of GAR's listeRessources service
	// (key mediacentre).
	Mediacentre MediacentreConfig `yaml:"mediacentre"`
	// Server configures the HTTPS server of `entgar serve` (key server).
	Server ServerConfig `yaml:"server"`
	// Cache configures the cache of médiacentre resource lists used by
	// `entgar serve` (key cache).
	Cache CacheConfig `yaml:"cache"`
	// Analyse configures the local analyser, `entgar analyse` and the
	// analysis that follows an export (key analyse).
	Analyse AnalyseConfig `yaml:"analyse"`
	// Metrics configures the monitoring files written by the cron jobs
	// (key metrics).
	Metrics MetricsConfig `yaml:"metrics"`
	// Garsim configures the GAR simulator of `entgar garsim` (key garsim).
	Garsim GarsimConfig `yaml:"garsim"`
}

// AnalyseConfig configures the local analyser (key analyse).
type AnalyseConfig struct {
	// AfterExport makes `entgar export` analyse each archive it wrote and
	// fail (exit 1) when GAR would reject it or drop data. Key
	// analyse.after_export, default true.
	AfterExport bool `yaml:"after_export"`
	// MaxDeletionShare is the mass-deletion guard of `analyse --previous`:
	// the analysis fails when the share of persons (pupils and staff) of
	// the previous archive that the new one deletes is greater. Key
	// analyse.max_deletion_share, default 0.10; greater than 0, at most 1.
	MaxDeletionShare float64 `yaml:"max_deletion_share"`
	// MaxExamples is the number of findings reported per control. Key
	// analyse.max_examples, default 20; at least 1.
	MaxExamples int `yaml:"max_examples"`
}

// ENTConfig identifies the ENT (key ent).
type ENTConfig struct {
	// ID is the idENT that GAR assigned to the ENT, used in every archive
	// and file name (upper-cased there). Key ent.id, default "" (unset).
	// Load accepts it empty, since only some commands need it (export does);
	// when set it may only hold A-Z, a-z, 0-9 and '-'.
	ID string `yaml:"id"`
	// Name is a human-readable name of the ENT, used in logs and pages.
	// Key ent.name, default "".
	Name string `yaml:"name"`
	// Timezone is the IANA time zone in which archive timestamps and dates
	// are written. Key ent.timezone, default "Europe/Paris"; it must be a
	// name accepted by time.LoadLocation.
	Timezone string `yaml:"timezone"`
}

// SourceConfig says where the ENT's data is read from (key source).
type SourceConfig struct {
	// Kind is the kind of source. Key source.kind, default "jsonl" (a
	// directory of JSON Lines files in entgar's canonical format), the only
	// kind accepted for now.
	Kind string `yaml:"kind"`
	// Path is the directory holding the JSON Lines files. Key source.path,
	// default "./data"; must not be empty.
	Path string `yaml:"path"`
}

// ExportConfig configures the nightly export (key export).
type ExportConfig struct {
	// Out is the directory where archives (and their .MD5 files) are
	// written. Key export.out, default "./out"; must not be empty.
	Out string `yaml:"out"`
	// Degrees lists the degrees exported, each "1D" (primary schools) or
	// "2D" (secondary establishments), one archive per degree. Key
	// export.degrees, default ["1D", "2D"]; at least one, no duplicates.
	Degrees []string `yaml:"degrees"`
	// MaxNodes is the number of record nodes after which an XML file is
	// split into a new sub-file, as GAR requires. Key export.max_nodes,
	// default 10000; between 1 and 1000000.
	MaxNodes int `yaml:"max_nodes"`
	// OnBadRecord says what a record that cannot be read or is invalid does:
	// "skip" logs and skips it, "fail" stops the run. Key
	// export.on_bad_record, default "skip".
	OnBadRecord string `yaml:"on_bad_record"`
	// MaxRejectedShare is, when bad records are skipped, the largest share
	// of person records that may be rejected before the run fails anyway
	// (0.01 is 1%; 0 fails on the first rejected person). Key
	// export.max_rejected_share, default 0.01; between 0 and 1.
	MaxRejectedShare float64 `yaml:"max_rejected_share"`
	// Establishments selects the establishments exported (key
	// export.establishments).
	Establishments EstablishmentsConfig `yaml:"establishments"`
	// GzipLevel is the gzip compression level of the archives, 1 (fastest)
	// to 9 (smallest). Key export.gzip_level, default 6.
	GzipLevel int `yaml:"gzip_level"`
	// Keep is the number of exported archives of each degree kept in Out;
	// older ones are removed. Key export.keep, default 3; at least 1.
	Keep int `yaml:"keep"`
	// TempDir is the directory of the export's scratch files: nodes waiting
	// for their section and the sub-file being filled, unlinked as soon as
	// they are created. Archives themselves are always built inside Out
	// under hidden .partial names, so that the final move is a rename on the
	// same file system. Key export.temp_dir, default "" (Out).
	TempDir string `yaml:"temp_dir"`
}

// EstablishmentsConfig selects the establishments exported
// (key export.establishments). An establishment is exported when it passes
// OnlyGAREnabled, is in Include (or Include is empty), and is not in Exclude.
type EstablishmentsConfig struct {
	// OnlyGAREnabled restricts the export to establishments that the source
	// marks as subscribed to GAR. Key export.establishments.only_gar_enabled,
	// default true.
	OnlyGAREnabled bool `yaml:"only_gar_enabled"`
	// Include lists the UAIs of the establishments to export. Key
	// export.establishments.include, default [] (empty: all establishments).
	// UAIs are compared case-insensitively; no duplicates.
	Include []string `yaml:"include"`
	// Exclude lists the UAIs of establishments never exported. Key
	// export.establishments.exclude, default [] (none). UAIs are compared
	// case-insensitively; no duplicates, and none may also be in Include.
	Exclude []string `yaml:"exclude"`
}

// LogConfig configures logging (key log).
type LogConfig struct {
	// Level is the lowest level logged: "debug", "info", "warn" or "error".
	// Key log.level, default "info".
	Level string `yaml:"level"`
	// Format is the log format: "text", "json", or "auto" (text when
	// standard error is a terminal, JSON otherwise, as under cron or a
	// service manager). Key log.format, default "auto".
	Format string `yaml:"format"`
}

// SFTPConfig configures delivery of archives to GAR's SFTP server
// (key sftp). Authentication is by key only and the host key is always
// checked against KnownHosts.
type SFTPConfig struct {
	// Host is the SFTP server's host name or address. Key sftp.host,
	// default "127.0.0.1".
	Host string `yaml:"host"`
	// Port is the SFTP server's TCP port. Key sftp.port, default 22;
	// between 1 and 65535.
	Port int `yaml:"port"`
	// User is the SFTP user name that GAR assigned. Key sftp.user,
	// default "".
	User string `yaml:"user"`
	// KeyFile is the path of the private key (OpenSSH or PEM format) used to
	// authenticate. Key sftp.key_file, default "".
	KeyFile string `yaml:"key_file"`
	// KeyPassphraseFile is the path of a file holding the passphrase of
	// KeyFile (read with ReadSecret); empty when the key is not encrypted.
	// Key sftp.key_passphrase_file, default "".
	KeyPassphraseFile string `yaml:"key_passphrase_file"`
	// KeyPassphraseEnv is the name of an environment variable holding the
	// passphrase of KeyFile, for service managers that inject secrets into
	// the environment; KeyPassphraseFile wins when both are set. It must
	// not start with ENTGAR_, since those variables name configuration keys.
	// Key sftp.key_passphrase_env, default "".
	KeyPassphraseEnv string `yaml:"key_passphrase_env"`
	// KnownHosts is the path of an OpenSSH known_hosts file that must hold
	// the server's host key. Key sftp.known_hosts, default "".
	KnownHosts string `yaml:"known_hosts"`
	// Root is the remote directory holding GAR's folders (ENTRANT/,
	// SUCCES/, SUCCES_PARTIEL/, ERREUR/, IGNORE/, ...). Key sftp.root,
	// default "/".
	Root string `yaml:"root"`
	// ConnectTimeout bounds the TCP connection and SSH handshake. Key
	// sftp.connect_timeout, default 30s; positive.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// IOTimeout is how long an operation may go without progress (nothing
	// received from the server's SFTP side) before the connection is
	// declared dead. Key sftp.io_timeout, default 2m;
	// positive.
	IOTimeout time.Duration `yaml:"io_timeout"`
	// KeepAlive is the interval of the SSH keepalive requests that detect a
	// dead connection and keep firewalls from dropping an idle one. Key
	// sftp.keepalive, default 15s; positive.
	KeepAlive time.Duration `yaml:"keepalive"`
	// Retries is how many times a failed network operation is retried
	// (after reconnecting) before the run fails. Key sftp.retries, default
	// 5; between 0 and 100.
	Retries int `yaml:"retries"`
	// RetryBackoff is the wait before the first retry; it doubles at each
	// retry, up to one minute. Key sftp.retry_backoff, default 2s; positive.
	RetryBackoff time.Duration `yaml:"retry_backoff"`
}

// MediacentreConfig configures the client of GAR's listeRessources service
// (key mediacentre), reached over mutual TLS.
type MediacentreConfig struct {
	// BaseURL is the base URL of GAR's web service. Key
	// mediacentre.base_url, default "".
	BaseURL string `yaml:"base_url"`
	// CertFile is the path of the PEM client certificate presented to GAR.
	// Key mediacentre.cert_file, default "".
	CertFile string `yaml:"cert_file"`
	// KeyFile is the path of the PEM private key of CertFile. Key
	// mediacentre.key_file, default "".
	KeyFile string `yaml:"key_file"`
	// CAFile is the path of a PEM bundle of the authorities trusted for
	// GAR's server certificate; empty means the system's. Key
	// mediacentre.ca_file, default "".
	CAFile string `yaml:"ca_file"`
	// PKCS12File is the path of a PKCS#12 file (.p12, .pfx) holding the
	// client certificate, its key and chain, instead of CertFile and KeyFile.
	// Key mediacentre.pkcs12_file, default "".
	PKCS12File string `yaml:"pkcs12_file"`
	// PKCS12PasswordFile is the path of a file holding the password of
	// PKCS12File (read with ReadSecret). Key mediacentre.pkcs12_password_file,
	// default "".
	PKCS12PasswordFile string `yaml:"pkcs12_password_file"`
	// Format is the response format asked of GAR: "json" or "xml". Key
	// mediacentre.format, default "json".
	Format string `yaml:"format"`
	// Timeout bounds one attempt of a call, from connecting to the last
	// byte. Key mediacentre.timeout, default 5s; between 100ms and 5m.
	Timeout time.Duration `yaml:"timeout"`
	// Deadline bounds a whole call, retries included. Key
	// mediacentre.deadline, default 12s; at least mediacentre.timeout and at
	// most 10m.
	Deadline time.Duration `yaml:"deadline"`
	// Retries is how many times a 503 answer or a network failure is
	// retried, with exponential backoff, within the deadline. Key
	// mediacentre.retries, default 2; between 0 and 10.
	Retries int `yaml:"retries"`
	// MaxBody bounds an answer of GAR in bytes, as received and once
	// decompressed. Key mediacentre.max_body, default 16777216 (16 MiB);
	// between 65536 and 1073741824.
	MaxBody int `yaml:"max_body"`
	// MaxConns bounds the connections kept open to GAR. Key
	// mediacentre.max_conns, default 32; between 1 and 1024.
	MaxConns int `yaml:"max_conns"`
	// CertWarnDays is how many days before its expiry the client certificate
	// is warned about in the logs. Key mediacentre.cert_warn_days, default
	// 30; between 1 and 365.
	CertWarnDays int `yaml:"cert_warn_days"`
}

// ServerConfig configures the HTTPS server of `entgar serve` (key server):
// SSO endpoints, médiacentre, /metrics and /healthz.
type ServerConfig struct {
	// Listen is the address the server listens on, as host:port. Key
	// server.listen, default ":8443" (all interfaces, port 8443).
	Listen string `yaml:"listen"`
	// BaseURL is the public URL of the server, as GAR and browsers reach it
	// (used in SAML metadata and OIDC discovery). Key server.base_url,
	// default "".
	BaseURL string `yaml:"base_url"`
	// TLSCert is the path of the server's PEM certificate chain. Key
	// server.tls_cert, default "".
	TLSCert string `yaml:"tls_cert"`
	// TLSKey is the path of the PEM private key of TLSCert. Key
	// server.tls_key, default "".
	TLSKey string `yaml:"tls_key"`
	// APIKeysFile is the path of the file of the API keys accepted from the
	// ENT portals, one "NAME sha256:HEX" line each (see docs/serve.md).
	// Key server.api_keys_file, default "" (no API key accepted).
	APIKeysFile string `yaml:"api_keys_file"`
	// ClientCAFile is the path of a PEM bundle of the authorities whose
	// client certificates authenticate portals. Key server.client_ca_file,
	// default "" (no client certificate asked).
	ClientCAFile string `yaml:"client_ca_file"`
	// ShutdownTimeout bounds how long a shutdown (SIGINT, SIGTERM) waits
	// for the requests in flight. Key server.shutdown_timeout, default 20s;
	// between 1s and 10m.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// CacheConfig configures the cache of médiacentre resource lists, kept per
// idENT, establishment and user (key cache).
type CacheConfig struct {
	// Kind is where lists are cached: "memory" (in the process, bounded by
	// MaxEntries) or "redis" (shared by every server, see Redis). Key
	// cache.kind, default "memory".
	Kind string `yaml:"kind"`
	// TTL is how long a list is served from the cache before GAR is asked
	// again. Errors are never cached. Key cache.ttl, default 5m; between
	// 1s and 24h.
	TTL time.Duration `yaml:"ttl"`
	// MaxEntries bounds the lists held by the memory cache; the least
	// recently used goes first. Key cache.max_entries, default 10000;
	// between 1 and 10000000.
	MaxEntries int `yaml:"max_entries"`
	// Redis configures the Redis cache (key cache.redis).
	Redis RedisConfig `yaml:"redis"`
}

// RedisConfig says how to reach Redis (key cache.redis).
type RedisConfig struct {
	// Addr is Redis's host:port. Key cache.redis.addr, default
	// "127.0.0.1:6379"; must not be empty when cache.kind is redis.
	Addr string `yaml:"addr"`
	// PasswordFile is the path of a file holding Redis's password (read
	// with ReadSecret); empty when Redis has none. Key
	// cache.redis.password_file, default "".
	PasswordFile string `yaml:"password_file"`
	// DB is the Redis database number. Key cache.redis.db, default 0;
	// between 0 and 1000.
	DB int `yaml:"db"`
}

// MetricsConfig configures the monitoring files that export, upload and
// results update at the end of each run (key metrics).
type MetricsConfig struct {
	// Textfile is a Prometheus textfile for the node exporter's textfile
	// collector, holding the last run of each job (timestamps, duration,
	// bytes, outcome). Key metrics.textfile, default "" (none); when set it
	// must end in ".prom", the only files the collector reads.
	Textfile string `yaml:"textfile"`
	// JSONFile is the JSON summary of the last run of each job, also the
	// state from which the textfile is rewritten. Key metrics.json_file,
	// default "" (with a textfile: the textfile's name with .json for
	// .prom; without: none).
	JSONFile string `yaml:"json_file"`
}

// GarsimConfig configures the GAR simulator (key garsim): an SFTP drop with
// GAR's folders and collecte, for rehearsals and tests.
type GarsimConfig struct {
	// Root is the directory served over SFTP, holding ENTRANT/, SUCCES/,
	// ... (created when missing). Key garsim.root, default "./garsim/root".
	Root string `yaml:"root"`
	// Idents are the idENTs the simulator serves. Key garsim.idents,
	// default [] (ent.id); same characters as ent.id, no duplicates.
	Idents []string `yaml:"idents"`
	// SFTPListen is the address of the SSH/SFTP server, host:port (port 0
	// picks a free port). Key garsim.sftp_listen, default "127.0.0.1:2222".
	SFTPListen string `yaml:"sftp_listen"`
	// HostKeyFile is the server's SSH host key, generated (ed25519) when
	// the file does not exist; it must be outside Root. Key
	// garsim.host_key_file, default "./garsim/host_key".
	HostKeyFile string `yaml:"host_key_file"`
	// AuthorizedKeys is the OpenSSH authorized_keys file of the keys
	// allowed to connect, read again at each connection. Key
	// garsim.authorized_keys, default "./garsim/authorized_keys".
	AuthorizedKeys string `yaml:"authorized_keys"`
	// CollecteInterval is the time between two passes of the collecte over
	// ENTRANT (GAR: several times an hour). Key garsim.collecte_interval,
	// default 10m; positive.
	CollecteInterval time.Duration `yaml:"collecte_interval"`
	// Checker is how the collecte analyses an archive's content: "analyse"
	// (entgar's analyser: grammar, keys, annex §9 controls, écarts) or
	// "basic" (garsim's own checks, independent of the analyser: a second opinion).
	// Key garsim.checker, default "analyse".
	Checker string `yaml:"checker"`
	// MediacentreListen is the address of the simulated listeRessources
	// service (HTTPS with client certificates), host:port; "" does not
	// start it. Key garsim.mediacentre_listen, default "".
	MediacentreListen string `yaml:"mediacentre_listen"`
	// TLSDir holds the simulator's test PKI (CA, server certificate, one
	// client certificate per idENT), created when missing. Key
	// garsim.tls_dir, default "./garsim/tls"; must not be empty when
	// mediacentre_listen is set.
	TLSDir string `yaml:"tls_dir"`
}

// Default returns a new Config holding the default of every key. Each call
// returns fresh values that the caller may modify.
func Default() *Config {
	return &Config{
		ENT: ENTConfig{
			Timezone: "Europe/Paris",
		},
		Source: SourceConfig{
			Kind: SourceJSONL,
			Path: "./data",
		},
		Export: ExportConfig{
			Out:              "./out",
			Degrees:          []string{Degree1D, Degree2D},
			MaxNodes:         10000,
			OnBadRecord:      OnBadRecordSkip,
			MaxRejectedShare: 0.01,
			Establishments: EstablishmentsConfig{
				OnlyGAREnabled: true,
			},
			GzipLevel: 6,
			Keep:      3,
		},
		Log: LogConfig{
			Level:  LogLevelInfo,
			Format: LogFormatAuto,
		},
		SFTP: SFTPConfig{
			Host:           "127.0.0.1",
			Port:           22,
			Root:           "/",
			ConnectTimeout: 30 * time.Second,
			IOTimeout:      2 * time.Minute,
			KeepAlive:      15 * time.Second,
			Retries:        5,
			RetryBackoff:   2 * time.Second,
		},
		Mediacentre: MediacentreConfig{
			Format:       MediacentreFormatJSON,
			Timeout:      5 * time.Second,
			Deadline:     12 * time.Second,
			Retries:      2,
			MaxBody:      16 << 20,
			MaxConns:     32,
			CertWarnDays: 30,
		},
		Server: ServerConfig{
			Listen:          ":8443",
			ShutdownTimeout: 20 * time.Second,
		},
		Cache: CacheConfig{
			Kind:       CacheMemory,
			TTL:        5 * time.Minute,
			MaxEntries: 10000,
			Redis: RedisConfig{
				Addr: "127.0.0.1:6379",
			},
		},
		Analyse: AnalyseConfig{
			AfterExport:      true,
			MaxDeletionShare: 0.10,
			MaxExamples:      20,
		},
		Garsim: GarsimConfig{
			Root:             "./garsim/root",
			SFTPListen:       "127.0.0.1:2222",
			HostKeyFile:      "./garsim/host_key",
			AuthorizedKeys:   "./garsim/authorized_keys",
			CollecteInterval: 10 * time.Minute,
			Checker:          GarsimCheckerAnalyse,
			TLSDir:           "./garsim/tls",
		},
	}
}
