package export

import (
	"archive/tar"
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// archiveWriter writes one tar.gz under a temporary name. Compression runs
// in its own goroutine so that it overlaps with reading the source and
// building XML; the MD5 is computed on the compressed bytes as they go to
// disk, so the archive is never read back.
type archiveWriter struct {
	tmpPath string
	modTime time.Time
	file    *os.File
	tw      *tar.Writer
	pipe    *asyncWriter
	sink    *hashWriter
	files   []FileStat
	xmlSize int64
	copyBuf []byte
}

// FileStat describes one XML file written into an archive.
type FileStat struct {
	Name  string         `json:"name"`
	Nodes int            `json:"nodes"`
	Bytes int64          `json:"bytes"`
	Count map[string]int `json:"count"` // nodes per element
}

func createArchive(tmpPath string, modTime time.Time, level int) (*archiveWriter, error) {
	f, err := os.OpenFile(tmpPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmpPath, err)
	}
	sink := &hashWriter{w: bufio.NewWriterSize(f, 1<<20), h: md5.New()}
	zw, err := gzip.NewWriterLevel(sink, level)
	if err != nil {
		f.Close()
		os.Remove(tmpPath)
		return nil, err
	}
	zw.ModTime = modTime
	a := &archiveWriter{tmpPath: tmpPath, modTime: modTime, file: f, sink: sink}
	a.pipe = newAsyncWriter(zw)
	a.tw = tar.NewWriter(a.pipe)
	return a, nil
}

// addFile writes one XML file, head + size bytes of body + tail, as a flat
// tar entry.
func (a *archiveWriter) addFile(st FileStat, head []byte, body io.Reader, size int64, tail []byte) error {
	st.Bytes = int64(len(head)) + size + int64(len(tail))
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     st.Name,
		Mode:     0o644,
		Size:     st.Bytes,
		ModTime:  a.modTime,
		Format:   tar.FormatUSTAR,
	}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("archive %s: %w", st.Name, err)
	}
	if _, err := a.tw.Write(head); err != nil {
		return fmt.Errorf("archive %s: %w", st.Name, err)
	}
	if a.copyBuf == nil {
		a.copyBuf = make([]byte, 1<<20) // few large reads of the staged file
	}
	if n, err := io.CopyBuffer(a.tw, struct{ io.Reader }{body}, a.copyBuf); err != nil || n != size {
		return fmt.Errorf("archive %s: copied %d of %d bytes: %v", st.Name, n, size, err)
	}
	if _, err := a.tw.Write(tail); err != nil {
		return fmt.Errorf("archive %s: %w", st.Name, err)
	}
	a.files = append(a.files, st)
	a.xmlSize += st.Bytes
	return nil
}

// finish completes the tar and gzip streams, flushes and syncs the file and
// returns the archive's MD5 and compressed size.
func (a *archiveWriter) finish() (sum string, size int64, err error) {
	err = a.tw.Close()
	if cerr := a.pipe.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = a.sink.w.(*bufio.Writer).Flush()
	}
	if err == nil {
		err = a.file.Sync()
	}
	if cerr := a.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("write %s: %w", a.tmpPath, err)
	}
	return hex.EncodeToString(a.sink.h.Sum(nil)), a.sink.n, nil
}

// abort stops the compressor and removes the temporary file.
func (a *archiveWriter) abort() {
	a.pipe.Close()
	a.file.Close()
	os.Remove(a.tmpPath)
}

type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// asyncWriter hands the bytes written to it to a goroutine that writes them
// to a WriteCloser, through a few reused buffers. It lets the producer build
// the next XML while the previous buffer is being compressed.
type asyncWriter struct {
	full chan []byte
	free chan []byte
	buf  []byte
	done chan struct{}
	// err is set by the goroutine before failed or done; read it only
	// after observing one of them.
	err    error
	failed atomic.Bool
	dst    io.WriteCloser
	closed bool
}

const asyncBufSize = 1 << 20

func newAsyncWriter(dst io.WriteCloser) *asyncWriter {
	const n = 4
	w := &asyncWriter{
		full: make(chan []byte, n),
		free: make(chan []byte, n),
		done: make(chan struct{}),
		dst:  dst,
	}
	for range n - 1 {
		w.free <- make([]byte, 0, asyncBufSize)
	}
	w.buf = make([]byte, 0, asyncBufSize)
	go w.run(w.full)
	return w
}

func (w *asyncWriter) run(full <-chan []byte) {
	defer close(w.done)
	for b := range full {
		if w.err == nil {
			if _, w.err = w.dst.Write(b); w.err != nil {
				w.failed.Store(true)
			}
		}
		w.free <- b[:0]
	}
	if cerr := w.dst.Close(); w.err == nil {
		w.err = cerr
	}
}

func (w *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := cap(w.buf) - len(w.buf)
		if room == 0 {
			if err := w.send(); err != nil {
				return n - len(p), err
			}
			continue
		}
		k := min(room, len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

func (w *asyncWriter) send() error {
	if w.failed.Load() {
		return w.err
	}
	w.full <- w.buf
	w.buf = <-w.free
	return nil
}

// Close sends what is buffered, waits for the goroutine to finish and
// closes the destination. It is safe to call more than once.
func (w *asyncWriter) Close() error {
	if w.closed {
		<-w.done
		return w.err
	}
	if len(w.buf) > 0 {
		w.full <- w.buf
		w.buf = nil
	}
	close(w.full)
	w.closed = true
	<-w.done
	return w.err
}
