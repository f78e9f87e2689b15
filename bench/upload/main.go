//go:build linux

// Command upload is entgar's delivery benchmark (`make bench`): it compares
// the upload throughput of entgar's SFTP client with that of OpenSSH's own
// sftp client, to the same OpenSSH server, in the same run.
//
// It starts a real sshd (internal/sshd: /usr/sbin/sshd on a free loopback
// port, needs root) and writes a file of random bytes (incompressible, like
// an archive; -size MiB, 256 by default). Then, -rounds times, alternating
// so that both see the same machine load, it uploads the file:
//
//   - with entgar: Client.PutFile over one connection made beforehand (the
//     transfer, the size check and the rename of an atomic put), timed from
//     the first byte to the rename;
//   - with OpenSSH: `sftp -b BATCH` doing `put FILE REMOTE` then `rename`,
//     so that it does the same work, timed as a whole process;
//     once with OpenSSH's default cipher (chacha20-poly1305) and once with
//     aes128-gcm@openssh.com, the cipher Go's client negotiates.
//
// Each round also times an `sftp -b` with an empty batch: OpenSSH's
// connection setup, whose best time is subtracted from OpenSSH's transfers.
//
// For each it reports the best of the rounds in MiB/s (best rather than
// mean: the machine is shared, and noise only ever slows a run), and the
// ratio of entgar's throughput to the faster OpenSSH configuration. It also
// times a whole Upload (local MD5 check of the archive, transfer, MD5 file,
// read-back) for information. Each uploaded file is compared with the
// original. It also reports the CPU time the client used (getrusage: this
// process for entgar, sftp and its ssh child for OpenSSH, connection setup
// subtracted), which the load of a shared machine disturbs less than wall
// time. Nothing is asserted: the harness reports, it does not judge.
//
// Usage, from the module root:
//
//	go run ./bench/upload [-size 256] [-rounds 5]
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/entgar/entgar/export/sftp"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/sshd"
)

func main() {
	size := flag.Int("size", 256, "file size in MiB")
	rounds := flag.Int("rounds", 5, "uploads per client")
	flag.Parse()
	if err := run(*size, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench/upload:", err)
		os.Exit(1)
	}
}

func run(sizeMiB, rounds int) error {
	if why := sshd.Available(); why != "" {
		return fmt.Errorf("cannot start OpenSSH: %s", why)
	}
	if _, err := exec.LookPath("sftp"); err != nil {
		return fmt.Errorf("OpenSSH's sftp client is missing (make peers installs openssh-client)")
	}
	work, err := os.MkdirTemp("", "entgar-bench-upload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := os.MkdirAll(filepath.Join(work, "sshd"), 0o755); err != nil {
		return err
	}
	srv, err := sshd.Start(filepath.Join(work, "sshd"), sshd.Options{})
	if err != nil {
		return err
	}
	defer srv.Stop()
	dest := filepath.Join(srv.Root, "ENTRANT", "ZZ")
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}

	stamp := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	name := gar.ArchiveName("ZZ", stamp, gar.D2)
	src := filepath.Join(work, name)
	sum, err := writeRandom(src, int64(sizeMiB)<<20)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, gar.MD5Name(name)), []byte(sum), 0o644); err != nil {
		return err
	}
	bytesN := float64(int64(sizeMiB) << 20)
	fmt.Fprintf(os.Stderr, "file: %d MiB of random bytes; sshd on %s\n", sizeMiB, srv.Addr)

	ctx := context.Background()
	cfg := sftp.Config{
		Host: srv.Host, Port: srv.Port, User: srv.User, KeyFile: srv.ClientKey, KnownHosts: srv.KnownHosts,
		Root: srv.Root, ConnectTimeout: 10 * time.Second, IOTimeout: time.Minute, KeepAlive: 15 * time.Second,
	}
	c, err := sftp.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()

	best := map[string]time.Duration{}
	cpu := map[string]time.Duration{}
	keep := func(k string, d, c time.Duration) {
		if b, ok := best[k]; !ok || d < b {
			best[k] = d
		}
		if b, ok := cpu[k]; !ok || c < b {
			cpu[k] = c
		}
	}
	remote := filepath.Join(dest, "bench")
	for r := 0; r < rounds; r++ {
		// OpenSSH's connection setup, measured each round, is subtracted
		// from its transfers.
		h, hc, err := timeSFTP(srv, work, "empty", "", "")
		if err != nil {
			return err
		}
		keep("handshake", h, hc)
		os.Remove(remote)
		c0, t0 := selfCPU(), time.Now()
		if err := c.PutFile(ctx, "ENTRANT/ZZ", "bench", src); err != nil {
			return err
		}
		keep("entgar", time.Since(t0), selfCPU()-c0)
		if err := same(remote, sum); err != nil {
			return fmt.Errorf("entgar: %w", err)
		}
		for _, cipher := range []string{"", "aes128-gcm@openssh.com"} {
			os.Remove(remote)
			d, dc, err := timeSFTP(srv, work, "put", src, cipher)
			if err != nil {
				return err
			}
			keep("openssh "+cipherName(cipher), d, dc)
			if err := same(remote, sum); err != nil {
				return fmt.Errorf("openssh: %w", err)
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", r+1, rounds)
	}
	handshake := best["handshake"]
	for _, k := range []string{"openssh " + cipherName(""), "openssh " + cipherName("aes128-gcm@openssh.com")} {
		best[k] -= handshake
		cpu[k] -= cpu["handshake"]
	}
	// A whole delivery, for information.
	os.Remove(remote)
	t0 := time.Now()
	if _, err := c.Upload(ctx, src); err != nil {
		return err
	}
	whole := time.Since(t0)

	mibs := func(d time.Duration) float64 { return bytesN / (1 << 20) / d.Seconds() }
	ref := "openssh " + cipherName("")
	if best["openssh "+cipherName("aes128-gcm@openssh.com")] < best[ref] {
		ref = "openssh " + cipherName("aes128-gcm@openssh.com")
	}
	fmt.Printf("upload of %d MiB to OpenSSH sshd over loopback, best of %d rounds (OpenSSH connection setup of %.0f ms subtracted)\n",
		sizeMiB, rounds, handshake.Seconds()*1000)
	fmt.Printf("%-40s %10s %10s %16s\n", "client", "seconds", "MiB/s", "client CPU s")
	for _, k := range []string{"entgar PutFile", "openssh " + cipherName(""), "openssh " + cipherName("aes128-gcm@openssh.com")} {
		key := k
		if k == "entgar PutFile" {
			key = "entgar"
		}
		fmt.Printf("%-40s %10.2f %10.1f %16.2f\n", k, best[key].Seconds(), mibs(best[key]), cpu[key].Seconds())
	}
	fmt.Printf("%-40s %10.2f %10.1f\n", "entgar Upload (MD5 check + put + .MD5)", whole.Seconds(), mibs(whole))
	fmt.Printf("ratio entgar / %s: %.2f (target >= 0.80)\n", ref, mibs(best["entgar"])/mibs(best[ref]))
	return nil
}

func cipherName(c string) string {
	if c == "" {
		return "(default cipher)"
	}
	return "(" + c + ")"
}

// timeSFTP runs OpenSSH's sftp in batch mode: "empty" runs no command (the
// connection cost), "put" uploads src to ENTRANT/ZZ/bench through a
// temporary name and renames it, as entgar does.
func timeSFTP(srv *sshd.Server, work, what, src, cipher string) (wall, cpu time.Duration, err error) {
	batch := filepath.Join(work, "batch")
	var cmds string
	if what == "put" {
		tmp := filepath.Join(srv.Root, "ENTRANT", "ZZ", ".bench.part")
		cmds = fmt.Sprintf("put %s %s\nrename %s %s\n", src, tmp, tmp, filepath.Join(srv.Root, "ENTRANT", "ZZ", "bench"))
	}
	if err := os.WriteFile(batch, []byte(cmds), 0o644); err != nil {
		return 0, 0, err
	}
	args := []string{"-q", "-b", batch, "-i", srv.ClientKey, "-P", strconv.Itoa(srv.Port),
		"-o", "UserKnownHostsFile=" + srv.KnownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"}
	if cipher != "" {
		args = append(args, "-c", cipher)
	}
	args = append(args, srv.User+"@"+srv.Host)
	var stderr bytes.Buffer
	cmd := exec.Command("sftp", args...)
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("sftp %s: %v: %s", what, err, stderr.String())
	}
	wall = time.Since(t0)
	// wait4's usage covers sftp and the ssh process it ran and waited for.
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// selfCPU returns the CPU time used by this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func writeRandom(p string, n int64) (string, error) {
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(rand.Reader, n)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), f.Sync()
}

func same(p, sum string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("%s differs from the file sent", p)
	}
	return nil
}
