package analyse

import (
	"bytes"
	"context"
	"io"
	"runtime"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/xsd"
)

// maxBuffered is the largest entry validated on a worker goroutine: it is
// read into memory first (a 10,000-node sub-file is a few MB). Larger
// entries are validated while they are read, in constant memory.
const maxBuffered = 32 << 20

// job is one XML file validated on a worker and applied, in archive order,
// on the reading goroutine.
type job struct {
	idx     int
	name    string
	ftype   gar.FileType
	grammar *xsd.Grammar
	v       *xsd.Validator // of vg, reused from file to file
	vg      *xsd.Grammar
	data    []byte
	buf     []byte
	log     xsd.NodeLog
	res     *xsd.Result
	codes   map[string]int // grammar errors per code, all of them
	shown   map[string]int // of which in res.Errors
	errs    []Finding      // from the official XSD engine (--xsd)
	err     error
	done    chan struct{}
	apply   func(*job)
}

// pipeline validates files on GOMAXPROCS workers while the archive is
// read, and applies their results in order.
type pipeline struct {
	ctx      context.Context
	official *officialGrammar
	work     chan *job
	pending  []*job
	free     []*job
	depth    int
}

func newPipeline(ctx context.Context, official *officialGrammar) *pipeline {
	n := runtime.GOMAXPROCS(0)
	p := &pipeline{ctx: ctx, official: official, work: make(chan *job), depth: n}
	for range n {
		go p.worker()
	}
	return p
}

func (p *pipeline) worker() {
	for j := range p.work {
		p.validate(j)
		close(j.done)
	}
}

func (p *pipeline) validate(j *job) {
	clear(j.codes)
	clear(j.shown)
	j.errs, j.err = nil, nil
	j.log.Reset()
	if j.v == nil || j.vg != j.grammar {
		j.v, j.vg = j.grammar.NewValidator(), j.grammar
	}
	res, err := j.v.ValidateBytes(p.ctx, j.data, xsd.Options{
		Type:    j.ftype,
		Buffer:  j.buf,
		OnNode:  j.log.Add,
		OnError: func(e xsd.Error) { j.codes[e.Code]++ },
	})
	j.res, j.err = res, err
	for _, e := range res.Errors {
		j.shown[e.Code]++
	}
	if p.official != nil && err == nil {
		j.errs, j.err = officialFindings(p.official.eng.Validate(p.ctx, bytes.NewReader(j.data)))
	}
}

// submit reads the entry and queues it; the oldest job is applied first
// when the pipeline is full. It returns the first error of an applied job.
func (p *pipeline) submit(j *job, body io.Reader, size int64) error {
	if int64(cap(j.data)) < size {
		j.data = make([]byte, size+size/8)
	}
	j.data = j.data[:size]
	if _, err := io.ReadFull(body, j.data); err != nil {
		p.release(j)
		return &readErr{err}
	}
	j.done = make(chan struct{})
	select {
	case p.work <- j:
	default:
		// Every worker is busy: validate here rather than wait.
		p.validate(j)
		close(j.done)
	}
	p.pending = append(p.pending, j)
	if len(p.pending) >= p.depth {
		return p.applyOldest()
	}
	return nil
}

func (p *pipeline) applyOldest() error {
	j := p.pending[0]
	p.pending = p.pending[1:]
	<-j.done
	err := j.err
	if err == nil {
		j.apply(j)
	}
	p.release(j)
	return err
}

// drain applies every queued job.
func (p *pipeline) drain() error {
	var first error
	for len(p.pending) > 0 {
		if err := p.applyOldest(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// get returns a job with its buffers.
func (p *pipeline) get() *job {
	if n := len(p.free); n > 0 {
		j := p.free[n-1]
		p.free = p.free[:n-1]
		return j
	}
	return &job{buf: make([]byte, 256<<10), codes: map[string]int{}, shown: map[string]int{}}
}

func (p *pipeline) release(j *job) {
	if cap(j.data) > maxBuffered/2 {
		j.data = nil // a rare big file: do not keep its buffer
	}
	p.free = append(p.free, j)
}

// stop drains the pipeline and ends the workers.
func (p *pipeline) stop() error {
	err := p.drain()
	close(p.work)
	return err
}
