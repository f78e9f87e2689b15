// Package sshd starts a real OpenSSH server (/usr/sbin/sshd) for tests and
// benchmarks: its own configuration, host key and authorized_keys in a
// temporary directory, listening on a free loopback port, serving SFTP
// with internal-sftp. It needs root (sshd drops privileges per session);
// elsewhere the test is skipped, except under CI=true where it fails.
package sshd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/entgar/entgar/internal/sshkeys"
)

// Binary is the OpenSSH server started.
const Binary = "/usr/sbin/sshd"

// Options configures a Server.
type Options struct {
	// ReadOnly serves SFTP with `internal-sftp -R`: every write is
	// refused with permission denied.
	ReadOnly bool
	// HostKey is the host key kind, ed25519 by default.
	HostKey sshkeys.Kind
}

// Server is a running sshd.
type Server struct {
	// Host and Port are where it listens; Addr is host:port.
	Host string
	Port int
	Addr string
	// User is the user to log in as (the current one).
	User string
	// Dir holds the configuration, keys and logs; Root is an empty
	// directory inside it, for the test's files.
	Dir, Root string
	// ClientKey is an authorized ed25519 private key; KnownHosts a
	// known_hosts file holding the server's host key.
	ClientKey, KnownHosts string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey

	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan struct{}
}

// Available says why sshd cannot be started here, or "" when it can.
func Available() string {
	if _, err := os.Stat(Binary); err != nil {
		return Binary + " not found (make test installs openssh-server)"
	}
	if os.Geteuid() != 0 {
		return "sshd needs root to serve logins"
	}
	return ""
}

// Start starts sshd with a fresh configuration in dir (which must exist).
func Start(dir string, opts Options) (*Server, error) {
	if why := Available(); why != "" {
		return nil, errors.New(why)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // privilege separation directory
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: u.Username, Dir: dir, Root: filepath.Join(dir, "root")}
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return nil, err
	}
	kind := opts.HostKey
	if kind == "" {
		kind = sshkeys.Ed25519
	}
	hostKey := filepath.Join(dir, "host_key")
	if s.HostKey, err = sshkeys.Write(hostKey, kind, 3072, ""); err != nil {
		return nil, err
	}
	s.ClientKey = filepath.Join(dir, "client_ed25519")
	if _, err := sshkeys.Write(s.ClientKey, sshkeys.Ed25519, 0, ""); err != nil {
		return nil, err
	}
	pub, err := os.ReadFile(s.ClientKey + ".pub")
	if err != nil {
		return nil, err
	}
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		return nil, err
	}
	subsystem := "internal-sftp"
	if opts.ReadOnly {
		subsystem += " -R"
	}
	// The free port is found by listening and closing, so another process
	// may take it before sshd binds: retry a few times.
	for try := 0; ; try++ {
		s.Port, err = freePort()
		if err != nil {
			return nil, err
		}
		s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
		conf := filepath.Join(dir, "sshd_config")
		cfg := strings.Join([]string{
			"Port " + strconv.Itoa(s.Port),
			"ListenAddress " + s.Host,
			"HostKey " + hostKey,
			"PidFile " + filepath.Join(dir, "sshd.pid"),
			"AuthorizedKeysFile " + authorized,
			"StrictModes no",
			"UsePAM no",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"PubkeyAuthentication yes",
			"PermitRootLogin prohibit-password",
			"AllowUsers " + s.User,
			"MaxStartups 50",
			"LogLevel ERROR",
			"Subsystem sftp " + subsystem,
			"",
		}, "\n")
		if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
			return nil, err
		}
		if err := s.start(conf); err == nil {
			break
		} else if try == 2 {
			return nil, err
		}
	}
	s.KnownHosts = filepath.Join(dir, "known_hosts")
	if err := sshkeys.WriteKnownHosts(s.KnownHosts, s.Addr, s.HostKey); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(conf string) error {
	s.stderr = new(bytes.Buffer)
	s.cmd = exec.Command(Binary, "-D", "-e", "-f", conf)
	s.cmd.Stderr = s.stderr
	// A group of its own, so that Stop also ends the per-connection
	// processes sshd forks.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("sshd exited at start: %s", strings.TrimSpace(s.stderr.String()))
		default:
		}
		if banner(s.Addr) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("sshd did not answer on %s within 10s: %s", s.Addr, s.stderr.String())
}

// banner reports whether an SSH server answers on addr.
func banner(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}

// Stop kills sshd (and so its sessions) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// Log returns what sshd wrote on standard error.
func (s *Server) Log() string { return s.stderr.String() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
