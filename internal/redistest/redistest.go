// Package redistest runs a real redis-server for tests.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Server is a redis-server started for one test.
type Server struct {
	// Addr is the server's 127.0.0.1:port.
	Addr string
	cmd  *exec.Cmd
	dir  string
}

// Start starts redis-server on a free port of 127.0.0.1, without
// persistence, in a temporary directory, and stops it at the end of the
// test. When redis-server is missing the test is skipped, or fails when the
// CI variable is "true" (CI must run every peer; `make peers` installs it).
// args are added to redis-server's command line, e.g. "--requirepass", "pw".
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found (run make peers): %v", err)
		}
		t.Skipf("redis-server not found (run make peers): %v", err)
	}
	s := &Server{dir: t.TempDir()}
	// A port found free may be taken before redis binds it: retry a few
	// times with a new one.
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
		s.cmd = exec.Command(bin,
			append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no",
				"--dir", s.dir, "--daemonize", "no", "--loglevel", "warning"}, args...)...)
		logPath := s.dir + "/redis.log"
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
		if err := s.cmd.Start(); err != nil {
			logFile.Close()
			t.Fatalf("start redis-server: %v", err)
		}
		logFile.Close()
		if s.waitReady(5 * time.Second) {
			break
		}
		s.cmd.Process.Kill()
		s.cmd.Wait()
		if attempt == 2 {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("redis-server did not answer PING on %s:\n%s", s.Addr, log)
		}
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the server; it is safe to call more than once.
func (s *Server) Stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// waitReady sends PING until the server answers PONG (or, with a password
// set, NOAUTH) or timeout passes.
func (s *Server) waitReady(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s.cmd.ProcessState != nil {
			return false
		}
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH") {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
