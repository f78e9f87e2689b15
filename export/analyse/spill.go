package analyse

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// rec is one node (or sub-element) reduced to fingerprints: what it is
// (kind), which archive it comes from, where it is, the fingerprint of its
// functional key and of its content. 24 bytes, so that the keys of a
// million-pupil archive sort in a few fixed-size runs on disk.
type rec struct {
	key  uint64
	val  uint64
	line uint32
	file uint16
	kind uint8
	arch uint8 // 0: the analysed archive, 1: the previous one
}

const recSize = 24

func (r *rec) put(b []byte) {
	binary.LittleEndian.PutUint64(b[0:], r.key)
	binary.LittleEndian.PutUint64(b[8:], r.val)
	binary.LittleEndian.PutUint32(b[16:], r.line)
	binary.LittleEndian.PutUint16(b[20:], r.file)
	b[22], b[23] = r.kind, r.arch
}

func (r *rec) get(b []byte) {
	r.key = binary.LittleEndian.Uint64(b[0:])
	r.val = binary.LittleEndian.Uint64(b[8:])
	r.line = binary.LittleEndian.Uint32(b[16:])
	r.file = binary.LittleEndian.Uint16(b[20:])
	r.kind, r.arch = b[22], b[23]
}

func compareRec(a, b rec) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	if c := cmp.Compare(a.arch, b.arch); c != 0 {
		return c
	}
	if c := cmp.Compare(a.file, b.file); c != 0 {
		return c
	}
	return cmp.Compare(a.line, b.line)
}

// runRecs is the number of records sorted in memory before a run is
// written: 256 Ki records, 6 MiB.
const runRecs = 256 << 10

// spiller sorts records of any number with a fixed memory: sorted runs in
// unlinked temporary files, merged at the end.
type spiller struct {
	dir  string
	buf  []rec
	runs []*os.File
	err  error
}

func newSpiller(dir string) *spiller { return &spiller{dir: dir} }

func (s *spiller) add(r rec) {
	if s.err != nil {
		return
	}
	if s.buf == nil {
		s.buf = make([]rec, 0, runRecs)
	}
	s.buf = append(s.buf, r)
	if len(s.buf) == cap(s.buf) {
		s.err = s.flush()
	}
}

func (s *spiller) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	slices.SortFunc(s.buf, compareRec)
	f, err := os.CreateTemp(s.dir, "entgar-analyse-*")
	if err != nil {
		return fmt.Errorf("spill keys: %w", err)
	}
	os.Remove(f.Name()) // unlinked: the file goes away with the process
	w := bufio.NewWriterSize(f, 1<<20)
	var b [recSize]byte
	for i := range s.buf {
		s.buf[i].put(b[:])
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("spill keys to %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("spill keys: %w", err)
	}
	s.runs = append(s.runs, f)
	s.buf = s.buf[:0]
	return nil
}

func (s *spiller) close() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs = nil
}

// run is one sorted stream of the merge.
type run struct {
	r   *bufio.Reader // nil for the in-memory remainder
	mem []rec
	cur rec
}

func (src *run) next() (bool, error) {
	if src.r == nil {
		if len(src.mem) == 0 {
			return false, nil
		}
		src.cur, src.mem = src.mem[0], src.mem[1:]
		return true, nil
	}
	var b [recSize]byte
	if _, err := io.ReadFull(src.r, b[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, fmt.Errorf("read spilled keys: %w", err)
	}
	src.cur.get(b[:])
	return true, nil
}

type mergeHeap []*run

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return compareRec(h[i].cur, h[j].cur) < 0 }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// groups merges every record in order and calls fn with each run of
// records sharing kind and key (the slice is reused).
func (s *spiller) groups(ctx context.Context, fn func([]rec)) error {
	if s.err != nil {
		return s.err
	}
	slices.SortFunc(s.buf, compareRec)
	h := mergeHeap{}
	for _, f := range s.runs {
		src := &run{r: bufio.NewReaderSize(f, 256<<10)}
		ok, err := src.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, src)
		}
	}
	if len(s.buf) > 0 {
		src := &run{mem: s.buf}
		src.next()
		h = append(h, src)
	}
	heap.Init(&h)
	var group []rec
	for n := 0; h.Len() > 0; n++ {
		if n&(1<<16-1) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		src := h[0]
		r := src.cur
		if len(group) > 0 && (group[0].kind != r.kind || group[0].key != r.key) {
			fn(group)
			group = group[:0]
		}
		group = append(group, r)
		ok, err := src.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	if len(group) > 0 {
		fn(group)
	}
	return nil
}
