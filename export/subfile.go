package export

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
)

// fileWriter writes one file type of one archive as a series of sub-files.
//
// The grammar wants every node of a section (e.g. all GAREleve) before the
// first node of the next (all GARPersonMEF), but a pupil record yields
// nodes for several sections at once. Nodes for the section being written
// go straight into the current sub-file; nodes for later sections are
// spilled to a temporary file and replayed when their section's turn comes.
//
// The sub-file being filled is staged in an unlinked temporary file too: a
// tar entry's size must be known before its content, and holding several
// sub-files of 10,000 nodes in memory (one per file type and degree being
// written) would cost tens of megabytes; the page cache carries them
// instead, and memory stays flat.
type fileWriter struct {
	arch     *archiveWriter
	ident    string
	stamp    time.Time
	degree   gar.Degree
	typ      gar.FileType
	sections []string
	maxNodes int
	tmpDir   string

	cur    int // the section written directly
	closed []bool
	spills []*spill

	head, tail []byte // root start and end tags
	stage      *spill // nodes of the sub-file being filled
	size       int64  // bytes in stage
	nodes      int
	count      map[string]int // nodes per element in the current sub-file
	index      int            // index of the sub-file being filled
	total      map[string]int // nodes per element in the whole file type
}

func newFileWriter(a *archiveWriter, ident string, stamp time.Time, d gar.Degree, t gar.FileType, maxNodes int, tmpDir string) *fileWriter {
	secs := gar.Sections(d, t)
	f := &fileWriter{
		arch: a, ident: ident, stamp: stamp, degree: d, typ: t,
		sections: secs, maxNodes: maxNodes, tmpDir: tmpDir,
		closed: make([]bool, len(secs)),
		spills: make([]*spill, len(secs)),
		count:  map[string]int{},
		total:  map[string]int{},
	}
	f.head = fmt.Appendf(nil, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<men:%s xmlns:men=\"%s\" Version=\"%s\">\n",
		t.Root(), d.Namespace(), d.GrammarVersion())
	f.tail = fmt.Appendf(nil, "</men:%s>\n", t.Root())
	return f
}

// section returns the index of the named section; it panics on a name the
// grammar does not have in this file, which is a programming error.
func (f *fileWriter) section(name string) int {
	for i, s := range f.sections {
		if s == name {
			return i
		}
	}
	panic(fmt.Sprintf("export: %s %s has no section %s", f.degree, f.typ, name))
}

// add writes node n, which must be complete, into section sec.
func (f *fileWriter) add(sec int, n []byte) error {
	switch {
	case sec < f.cur || f.closed[sec]:
		return fmt.Errorf("export: internal error: node for closed section %s of %s", f.sections[sec], f.typ)
	case sec == f.cur:
		return f.emit(sec, n)
	}
	if f.spills[sec] == nil {
		s, err := newSpill(f.tmpDir)
		if err != nil {
			return err
		}
		f.spills[sec] = s
	}
	return f.spills[sec].write(n)
}

// closeSection says no more nodes will come for sec. When it is the section
// being written, the writer moves on and replays what was spilled for the
// next sections.
func (f *fileWriter) closeSection(sec int) error {
	f.closed[sec] = true
	for f.cur < len(f.sections) && f.closed[f.cur] {
		f.cur++
		if f.cur == len(f.sections) {
			break
		}
		if s := f.spills[f.cur]; s != nil {
			f.spills[f.cur] = nil
			err := s.replay(func(n []byte) error { return f.emit(f.cur, n) })
			s.remove()
			if err != nil {
				return fmt.Errorf("%s %s: %w", f.degree, f.typ, err)
			}
		}
	}
	return nil
}

// finish closes every section and writes the last sub-file. A file type
// with no node at all still gets its _0000 sub-file: GAR wants all five.
func (f *fileWriter) finish() error {
	for i := range f.sections {
		if !f.closed[i] {
			if err := f.closeSection(i); err != nil {
				return err
			}
		}
	}
	if f.nodes > 0 || f.index == 0 {
		if err := f.flush(); err != nil {
			return err
		}
	}
	if f.stage != nil {
		f.stage.remove() // the file type is complete
		f.stage = nil
	}
	return nil
}

// discard removes spill files after a failure.
func (f *fileWriter) discard() {
	if f.stage != nil {
		f.stage.remove()
		f.stage = nil
	}
	for i, s := range f.spills {
		if s != nil {
			s.remove()
			f.spills[i] = nil
		}
	}
}

func (f *fileWriter) emit(sec int, n []byte) error {
	if f.nodes >= f.maxNodes {
		if err := f.flush(); err != nil {
			return err
		}
	}
	if f.stage == nil {
		s, err := newSpill(f.tmpDir)
		if err != nil {
			return err
		}
		f.stage = s
	}
	if _, err := f.stage.w.Write(n); err != nil {
		return fmt.Errorf("%s %s: scratch file (export.temp_dir): %w", f.degree, f.typ, err)
	}
	f.size += int64(len(n))
	f.nodes++
	f.count[f.sections[sec]]++
	f.total[f.sections[sec]]++
	return nil
}

func (f *fileWriter) flush() error {
	if f.index > 9999 {
		return fmt.Errorf("%s %s: more than 10000 sub-files: raise max_nodes", f.degree, f.typ)
	}
	st := FileStat{
		Name:  gar.XMLName(f.ident, f.stamp, f.degree, f.typ, f.index),
		Nodes: f.nodes,
		Count: f.count,
	}
	var body io.Reader = strings.NewReader("")
	if f.stage != nil {
		if err := f.stage.rewind(); err != nil {
			return err
		}
		body = io.LimitReader(f.stage.f, f.size)
	}
	if err := f.arch.addFile(st, f.head, body, f.size, f.tail); err != nil {
		return err
	}
	if f.stage != nil {
		if err := f.stage.reset(); err != nil {
			return err
		}
	}
	f.index++
	f.size = 0
	f.nodes = 0
	f.count = map[string]int{}
	return nil
}

// spill is a temporary file of length-prefixed nodes.
type spill struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newSpill(dir string) (*spill, error) {
	f, err := os.CreateTemp(dir, ".entgar-spill-*")
	if err != nil {
		return nil, fmt.Errorf("scratch file in export.temp_dir: %w", err)
	}
	// Unlinked at once: the open file keeps the data, and a killed run
	// leaves nothing behind.
	os.Remove(f.Name())
	return &spill{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (s *spill) write(n []byte) error {
	var hdr [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(hdr[:], uint64(len(n)))
	if _, err := s.w.Write(hdr[:k]); err != nil {
		return fmt.Errorf("scratch file %s (export.temp_dir): %w", s.f.Name(), err)
	}
	if _, err := s.w.Write(n); err != nil {
		return fmt.Errorf("scratch file %s (export.temp_dir): %w", s.f.Name(), err)
	}
	s.n++
	return nil
}

func (s *spill) replay(fn func([]byte) error) error {
	if err := s.rewind(); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 256<<10)
	var buf []byte
	for i := 0; i < s.n; i++ {
		size, err := binary.ReadUvarint(r)
		if err != nil {
			return fmt.Errorf("scratch file %s (export.temp_dir): node %d: %w", s.f.Name(), i, err)
		}
		if uint64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("scratch file %s (export.temp_dir): node %d: %w", s.f.Name(), i, err)
		}
		if err := fn(buf); err != nil {
			return err
		}
	}
	return nil
}

func (s *spill) remove() { s.f.Close() }

// rewind flushes what was written and goes back to the start for reading.
func (s *spill) rewind() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("scratch file %s (export.temp_dir): %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("scratch file %s (export.temp_dir): %w", s.f.Name(), err)
	}
	return nil
}

// reset empties the file for the next sub-file.
func (s *spill) reset() error {
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("scratch file %s (export.temp_dir): %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("scratch file %s (export.temp_dir): %w", s.f.Name(), err)
	}
	s.w.Reset(s.f)
	s.n = 0
	return nil
}
