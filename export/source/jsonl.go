package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"
)

// File names of the canonical source, one per record type.
const (
	FileEstablishments = "establishments.jsonl"
	FileMEFs           = "mefs.jsonl"
	FileSubjects       = "subjects.jsonl"
	FileGroups         = "groups.jsonl"
	FilePupils         = "pupils.jsonl"
	FileStaff          = "staff.jsonl"
	FileRespAff        = "respaff.jsonl"
)

// Files lists every file a source directory must hold. An empty file is a
// valid statement that there is nothing of that kind; a missing one is an
// error, because a dump that silently failed must not become an archive that
// deletes every user in GAR.
var Files = []string{FileEstablishments, FileMEFs, FileSubjects, FileGroups, FilePupils, FileStaff, FileRespAff}

// MaxLineBytes bounds one record. A line longer than that is reported as a
// bad record instead of growing a buffer without limit.
const MaxLineBytes = 1 << 20

// Pos locates a record in the source.
type Pos struct {
	File string // base name, e.g. pupils.jsonl
	Line int    // 1-based
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Record is one decoded record, or the reason it could not be decoded.
type Record[T any] struct {
	Pos   Pos
	Value T
	Err   error // non-nil: Value is not usable
}

// Source yields an ENT's records, kind by kind. Each method calls yield for
// every record in source order and stops at the first error yield returns.
// The error returned is either that error or one reading the source (I/O),
// never a bad record: those arrive through Record.Err.
type Source interface {
	Establishments(ctx context.Context, yield func(Record[Establishment]) error) error
	MEFs(ctx context.Context, yield func(Record[MEF]) error) error
	Subjects(ctx context.Context, yield func(Record[Subject]) error) error
	Groups(ctx context.Context, yield func(Record[Group]) error) error
	Pupils(ctx context.Context, yield func(Record[Pupil]) error) error
	Staff(ctx context.Context, yield func(Record[Staff]) error) error
	RespAff(ctx context.Context, yield func(Record[RespAff]) error) error
}

// Dir is a Source reading the JSON Lines files of a directory.
type Dir struct {
	path string
}

// OpenDir checks that path is a directory holding every file of Files and
// returns a Source reading it.
func OpenDir(path string) (*Dir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", path, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("source %s: not a directory", path)
	}
	var missing []error
	for _, f := range Files {
		if _, err := os.Stat(filepath.Join(path, f)); err != nil {
			missing = append(missing, fmt.Errorf("source %s: %s is missing (an empty file declares that there are none)", path, f))
		}
	}
	if len(missing) > 0 {
		return nil, errors.Join(missing...)
	}
	return &Dir{path: path}, nil
}

// Path returns the directory read.
func (d *Dir) Path() string { return d.path }

// Establishments implements Source.
func (d *Dir) Establishments(ctx context.Context, yield func(Record[Establishment]) error) error {
	return each(ctx, d.path, FileEstablishments, yield)
}

// MEFs implements Source.
func (d *Dir) MEFs(ctx context.Context, yield func(Record[MEF]) error) error {
	return each(ctx, d.path, FileMEFs, yield)
}

// Subjects implements Source.
func (d *Dir) Subjects(ctx context.Context, yield func(Record[Subject]) error) error {
	return each(ctx, d.path, FileSubjects, yield)
}

// Groups implements Source.
func (d *Dir) Groups(ctx context.Context, yield func(Record[Group]) error) error {
	return each(ctx, d.path, FileGroups, yield)
}

// Pupils implements Source.
func (d *Dir) Pupils(ctx context.Context, yield func(Record[Pupil]) error) error {
	return each(ctx, d.path, FilePupils, yield)
}

// Staff implements Source.
func (d *Dir) Staff(ctx context.Context, yield func(Record[Staff]) error) error {
	return each(ctx, d.path, FileStaff, yield)
}

// RespAff implements Source.
func (d *Dir) RespAff(ctx context.Context, yield func(Record[RespAff]) error) error {
	return each(ctx, d.path, FileRespAff, yield)
}

func each[T any](ctx context.Context, dir, name string, yield func(Record[T]) error) error {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer f.Close()
	if err := Decode(ctx, f, name, yield); err != nil {
		return err
	}
	return nil
}

// Decode reads JSON Lines records of type T from r, naming positions after
// file. Blank lines are skipped. A line that is not valid UTF-8, not one JSON
// object of the expected shape (unknown fields included), or longer than
// MaxLineBytes is yielded as a Record with Err set, and reading goes on.
//
// JSON decoding is the costliest part of an export after compression, so
// lines are decoded in batches by a few goroutines; yield still sees every
// record once, in file order, from the calling goroutine.
func Decode[T any](ctx context.Context, r io.Reader, file string, yield func(Record[T]) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := min(max(runtime.GOMAXPROCS(0), 1), 4)
	work := make(chan *batch[T], workers)
	order := make(chan *batch[T], 2*workers)
	for range workers {
		go func() {
			for b := range work {
				b.decode(file)
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		readErr <- splitLines(ctx, r, file, func(b *batch[T]) bool {
			select {
			case work <- b:
			case <-ctx.Done():
				return false
			}
			select {
			case order <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	for b := range order {
		select {
		case <-b.done:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, rec := range b.recs {
			if err := yield(rec); err != nil {
				return err
			}
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	return ctx.Err()
}

// batch is a run of consecutive lines decoded together.
type batch[T any] struct {
	lines [][]byte // nil entry: the line was too long
	pos   []int
	buf   []byte // backing store of lines
	recs  []Record[T]
	done  chan struct{}
}

const (
	batchLines = 256
	batchBytes = 256 << 10
)

func (b *batch[T]) decode(file string) {
	b.recs = make([]Record[T], len(b.lines))
	for i, data := range b.lines {
		rec := &b.recs[i]
		rec.Pos = Pos{File: file, Line: b.pos[i]}
		if data == nil {
			rec.Err = fmt.Errorf("record longer than %d bytes", MaxLineBytes)
			continue
		}
		rec.Err = decodeLine(data, &rec.Value)
	}
	b.lines, b.buf = nil, nil
}

// splitLines reads r line by line and hands batches of non-blank lines to
// send, which returns false when the reader must stop.
func splitLines[T any](ctx context.Context, r io.Reader, file string, send func(*batch[T]) bool) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte // the start of a line that did not fit in br's buffer
	tooLong := false
	line := 0
	b := &batch[T]{done: make(chan struct{})}
	flush := func() bool {
		if len(b.lines) == 0 {
			return true
		}
		ok := send(b)
		b = &batch[T]{done: make(chan struct{})}
		return ok
	}
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong && len(long)+len(chunk) <= MaxLineBytes {
				long = append(long, chunk...)
			} else {
				tooLong, long = true, nil
			}
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("source: read %s: %w", file, err)
		}
		data := chunk
		if long != nil || tooLong {
			if !tooLong && len(long)+len(chunk) <= MaxLineBytes {
				data = append(long, chunk...)
			} else {
				tooLong = true
			}
		}
		data = bytes.TrimSpace(data)
		line++
		if tooLong {
			b.lines = append(b.lines, nil)
			b.pos = append(b.pos, line)
		} else if len(data) > 0 {
			// Copy: data points into br's buffer, reused by the next read.
			off := len(b.buf)
			b.buf = append(b.buf, data...)
			b.lines = append(b.lines, b.buf[off:len(b.buf):len(b.buf)])
			b.pos = append(b.pos, line)
		}
		long, tooLong = nil, false
		if err == io.EOF {
			if !flush() {
				return ctx.Err()
			}
			return nil
		}
		if len(b.lines) >= batchLines || len(b.buf) >= batchBytes {
			if !flush() {
				return ctx.Err()
			}
		}
	}
}

func decodeLine(data []byte, v any) error {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("invalid UTF-8 at byte %d", i+1)
	}
	if data[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	return decodeRecord(data, v)
}

// decodeJSON decodes data into v with encoding/json. decodeRecord does the
// same for the record types of this package, faster.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	// Anything but white space after the object, a stray ']' or '}'
	// included (Decoder.More does not count those), is a malformed line.
	if len(bytes.Trim(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return fmt.Errorf("more than one JSON value on the line")
	}
	return nil
}

func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// Embedded structs show in the path; the JSON has no such level.
		field := strings.ReplaceAll(te.Field, "Identity.", "")
		return fmt.Errorf("field %q: %s is not a %s", field, te.Value, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	return err
}
