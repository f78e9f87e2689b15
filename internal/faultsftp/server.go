// Package faultsftp is an in-process SSH/SFTP server for tests that fails
// on demand: it drops the connection at a given byte of a file, refuses or
// half-does renames, runs out of space, stalls or slows down. It is
// confined to its root directory, and it checks, as the files change, the
// promises a delivery makes: nothing is ever written under a final name,
// only complete content is renamed to one, and an .MD5 never lands before
// its archive.
package faultsftp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/entgar/entgar/internal/sshkeys"
)

// Kind is a kind of fault.
type Kind int

// The faults a Server can inject.
const (
	// DropAt writes the bytes of File before Offset, then drops the
	// connection.
	DropAt Kind = iota + 1
	// NoSpaceAt writes the bytes of File before Offset, then fails the
	// write with ENOSPC.
	NoSpaceAt
	// StallAt stops answering at Offset of File until the client gives up
	// and closes the connection.
	StallAt
	// SlowWrites waits Delay before each write to File, one write at a
	// time.
	SlowWrites
	// RenameFails refuses the rename of File's temporary file.
	RenameFails
	// RenameDropBefore drops the connection instead of renaming File.
	RenameDropBefore
	// RenameDropAfter renames File, then drops the connection before
	// answering.
	RenameDropAfter
	// DeniedWrites refuses to create any file with permission denied.
	DeniedWrites
	// StallReads stops answering reads of File until the client gives up.
	StallReads
)

// Fault is one fault to inject.
type Fault struct {
	Kind Kind
	// File is the final name of the file concerned (the fault also hits
	// writes to its temporary name); "" means any file.
	File   string
	Offset int64
	Delay  time.Duration
	// Times is how many times the fault strikes; 0 means always.
	Times int
}

// Server is a running server.
type Server struct {
	// Addr is its host:port; Root the directory it serves.
	Addr string
	Host string
	Port int
	Root string
	// ClientKey is the private key it accepts; KnownHosts a known_hosts
	// file holding its host key.
	ClientKey, KnownHosts string

	ln   net.Listener
	wg   sync.WaitGroup
	slow slowQueue // serialises SlowWrites

	mu         sync.Mutex
	faults     []*Fault
	hits       map[*Fault]int
	expect     map[string][]byte
	violations []string
	conns      map[net.Conn]bool
	accepted   int
}

// Start starts a server in dir: its root is dir/root.
func Start(dir string) (*Server, error) {
	s := &Server{Root: filepath.Join(dir, "root"), hits: map[*Fault]int{}, expect: map[string][]byte{}, conns: map[net.Conn]bool{}}
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return nil, err
	}
	hostKeyPath := filepath.Join(dir, "host_key")
	hostPub, err := sshkeys.Write(hostKeyPath, sshkeys.Ed25519, 0, "")
	if err != nil {
		return nil, err
	}
	pemBytes, err := os.ReadFile(hostKeyPath)
	if err != nil {
		return nil, err
	}
	hostSigner, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, err
	}
	s.ClientKey = filepath.Join(dir, "client_key")
	clientPub, err := sshkeys.Write(s.ClientKey, sshkeys.Ed25519, 0, "")
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(k.Marshal(), clientPub.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostSigner)
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = s.ln.Addr().String()
	s.Host = "127.0.0.1"
	s.Port = s.ln.Addr().(*net.TCPAddr).Port
	s.KnownHosts = filepath.Join(dir, "known_hosts")
	if err := sshkeys.WriteKnownHosts(s.KnownHosts, s.Addr, hostPub); err != nil {
		s.ln.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.accept(cfg)
	return s, nil
}

// Close stops the server and drops every connection.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Expect registers the complete content of the file whose final name is
// name, for the invariant checks.
func (s *Server) Expect(name string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expect[name] = content
}

// Violations returns the broken promises seen so far.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Struck returns how many times the faults injected struck, in total.
func (s *Server) Struck() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		n += h
	}
	return n
}

// Connections returns how many connections were accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

func (s *Server) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// strike returns the first fault of kind k for the final name of file
// that still has strikes left, counting the strike.
func (s *Server) strike(k Kind, file string, pred func(*Fault) bool) *Fault {
	final := finalName(path.Base(file))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Kind != k || f.File != "" && f.File != final {
			continue
		}
		if f.Times > 0 && s.hits[f] >= f.Times {
			continue
		}
		if pred != nil && !pred(f) {
			continue
		}
		s.hits[f]++
		return f
	}
	return nil
}

func (s *Server) accept(cfg *ssh.ServerConfig) {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.accepted++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c, cfg)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

func (s *Server) serve(c net.Conn, cfg *ssh.ServerConfig) {
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	closed := make(chan struct{})
	var once sync.Once
	drop := func() { once.Do(func() { close(closed); c.Close() }) }
	go func() { sc.Wait(); drop() }()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			for r := range creqs {
				ok := r.Type == "subsystem" && len(r.Payload) >= 4 && string(r.Payload[4:]) == "sftp"
				r.Reply(ok, nil)
				if ok {
					h := &handler{s: s, drop: drop, closed: closed}
					rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
					go func() { rs.Serve(); rs.Close(); ch.Close() }()
				}
			}
		}()
	}
}

// finalName returns the final name a temporary name stands for, in the
// convention of export/sftp (".NAME.part"), or name itself.
func finalName(name string) string {
	if strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".part") && len(name) > len(".part")+1 {
		return strings.TrimSuffix(strings.TrimPrefix(name, "."), ".part")
	}
	return name
}

func isTemp(name string) bool { return finalName(name) != name }

// handler serves one SFTP session inside the server's root.
type handler struct {
	s      *Server
	drop   func()
	closed chan struct{}
}

// local maps an SFTP path to the file system, inside the root.
func (h *handler) local(p string) string {
	return filepath.Join(h.s.Root, filepath.FromSlash(path.Clean("/"+p)))
}

func (h *handler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	f, err := os.Open(h.local(r.Filepath))
	if err != nil {
		return nil, err
	}
	return &reader{f: f, h: h, name: path.Base(r.Filepath)}, nil
}

type reader struct {
	f    *os.File
	h    *handler
	name string
}

func (r *reader) ReadAt(b []byte, off int64) (int, error) {
	if r.h.s.strike(StallReads, r.name, nil) != nil {
		<-r.h.closed
		return 0, errors.New("connection dropped")
	}
	return r.f.ReadAt(b, off)
}

func (r *reader) Close() error { return r.f.Close() }

func (h *handler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	name := path.Base(r.Filepath)
	if h.s.strike(DeniedWrites, name, nil) != nil {
		return nil, os.ErrPermission
	}
	if !isTemp(name) && strings.Contains(r.Filepath, "ENTRANT") {
		h.s.violate("%s opened for writing under its final name", r.Filepath)
	}
	flags := os.O_WRONLY
	pf := r.Pflags()
	if pf.Creat {
		flags |= os.O_CREATE
	}
	if pf.Trunc {
		flags |= os.O_TRUNC
	}
	if pf.Excl {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(h.local(r.Filepath), flags, 0o644)
	if err != nil {
		return nil, err
	}
	return &writer{f: f, h: h, name: name}, nil
}

// slowQueue runs one slow write at a time, lowest offset first. The
// request server runs up to eight writes at once and answers them in
// request order: with a plain mutex the first write could go last, and the
// client would hear nothing for eight delays instead of one.
type slowQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	busy    bool
	waiting []int64
}

func (q *slowQueue) do(off int64, fn func()) {
	q.mu.Lock()
	if q.cond == nil {
		q.cond = sync.NewCond(&q.mu)
	}
	q.waiting = append(q.waiting, off)
	for q.busy || slices.Min(q.waiting) != off {
		q.cond.Wait()
	}
	q.waiting = slices.Delete(q.waiting, slices.Index(q.waiting, off), slices.Index(q.waiting, off)+1)
	q.busy = true
	q.mu.Unlock()
	fn()
	q.mu.Lock()
	q.busy = false
	q.cond.Broadcast()
	q.mu.Unlock()
}

type writer struct {
	f    *os.File
	h    *handler
	name string
}

func (w *writer) WriteAt(b []byte, off int64) (int, error) {
	end := off + int64(len(b))
	within := func(f *Fault) bool { return f.Offset >= off && f.Offset < end }
	if f := w.h.s.strike(SlowWrites, w.name, nil); f != nil {
		// One write at a time, like a server on a slow disk: the whole
		// transfer takes writes × Delay.
		w.h.s.slow.do(off, func() { time.Sleep(f.Delay) })
	}
	if f := w.h.s.strike(DropAt, w.name, within); f != nil {
		n, _ := w.f.WriteAt(b[:f.Offset-off], off)
		w.h.drop()
		return n, errors.New("connection dropped")
	}
	if f := w.h.s.strike(StallAt, w.name, within); f != nil {
		<-w.h.closed
		return 0, errors.New("connection dropped")
	}
	if f := w.h.s.strike(NoSpaceAt, w.name, func(f *Fault) bool { return end > f.Offset }); f != nil {
		n := 0
		if f.Offset > off {
			n, _ = w.f.WriteAt(b[:f.Offset-off], off)
		}
		return n, syscall.ENOSPC
	}
	return w.f.WriteAt(b, off)
}

func (w *writer) Close() error { return w.f.Close() }

func (h *handler) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Rename", "PosixRename":
		return h.rename(r.Filepath, r.Target)
	case "Remove":
		h.checkRemove(r.Filepath)
		return os.Remove(h.local(r.Filepath))
	case "Mkdir":
		return os.Mkdir(h.local(r.Filepath), 0o755)
	case "Rmdir":
		return os.Remove(h.local(r.Filepath))
	case "Setstat":
		if r.AttrFlags().Size {
			return os.Truncate(h.local(r.Filepath), int64(r.Attributes().Size))
		}
		return nil
	}
	return fmt.Errorf("%s: %w", r.Method, sftp.ErrSSHFxOpUnsupported)
}

// PosixRename makes the server announce and serve posix-rename@openssh.com.
func (h *handler) PosixRename(r *sftp.Request) error { return h.rename(r.Filepath, r.Target) }

func (h *handler) rename(from, to string) error {
	target := path.Base(to)
	if h.s.strike(RenameFails, target, nil) != nil {
		return errors.New("rename refused by fault injection")
	}
	if h.s.strike(RenameDropBefore, target, nil) != nil {
		h.drop()
		return errors.New("connection dropped")
	}
	h.checkRename(from, to)
	if err := os.Rename(h.local(from), h.local(to)); err != nil {
		return err
	}
	if h.s.strike(RenameDropAfter, target, nil) != nil {
		h.drop()
		return errors.New("connection dropped")
	}
	return nil
}

// checkRename records a violation when incomplete content is about to be
// published under a final name, or an MD5 before its archive.
func (h *handler) checkRename(from, to string) {
	name := path.Base(to)
	if isTemp(name) {
		return
	}
	h.s.mu.Lock()
	want, ok := h.s.expect[name]
	h.s.mu.Unlock()
	if ok {
		got, err := os.ReadFile(h.local(from))
		if err != nil || !bytes.Equal(got, want) {
			h.s.violate("%s renamed to %s with %d bytes, not its %d expected bytes", from, to, len(got), len(want))
		}
	}
	if arch, isMD5 := strings.CutSuffix(name, ".MD5"); isMD5 {
		archive := path.Join(path.Dir(to), arch+".tar.gz")
		h.s.mu.Lock()
		want, ok := h.s.expect[path.Base(archive)]
		h.s.mu.Unlock()
		got, err := os.ReadFile(h.local(archive))
		if err != nil || ok && !bytes.Equal(got, want) {
			h.s.violate("%s put in place before its archive %s was complete", to, archive)
		}
	}
}

// checkRemove records a violation when an archive is removed while its MD5
// stays.
func (h *handler) checkRemove(p string) {
	if arch, ok := strings.CutSuffix(p, ".tar.gz"); ok {
		if _, err := os.Stat(h.local(arch + ".MD5")); err == nil {
			h.s.violate("%s removed while its MD5 stays", p)
		}
	}
}

func (h *handler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		ents, err := os.ReadDir(h.local(r.Filepath))
		if err != nil {
			return nil, err
		}
		var list lister
		for _, e := range ents {
			fi, err := e.Info()
			if err == nil {
				list = append(list, fi)
			}
		}
		return list, nil
	case "Stat", "Lstat":
		fi, err := os.Stat(h.local(r.Filepath))
		if err != nil {
			return nil, err
		}
		return lister{fi}, nil
	}
	return nil, fmt.Errorf("%s: %w", r.Method, sftp.ErrSSHFxOpUnsupported)
}

type lister []os.FileInfo

func (l lister) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}

// String describes a fault for test names.
func (f Fault) String() string {
	names := map[Kind]string{DropAt: "drop", NoSpaceAt: "enospc", StallAt: "stall", SlowWrites: "slow",
		RenameFails: "rename-fails", RenameDropBefore: "rename-drop-before", RenameDropAfter: "rename-drop-after", DeniedWrites: "denied", StallReads: "stall-reads"}
	s := names[f.Kind]
	if f.File != "" {
		kind := "archive"
		if strings.HasSuffix(f.File, ".MD5") {
			kind = "md5"
		}
		s += "/" + kind
	}
	if f.Kind == DropAt || f.Kind == NoSpaceAt || f.Kind == StallAt {
		s += "@" + strconv.FormatInt(f.Offset, 10)
	}
	if f.Times > 0 {
		s += "x" + strconv.Itoa(f.Times)
	} else {
		s += "-always"
	}
	return s
}
