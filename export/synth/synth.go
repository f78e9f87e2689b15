// Package synth generates realistic, deterministic synthetic ENT data in the
// canonical source format (see export/source): establishments with their
// MEFs, subjects and groups, pupils, staff and RespAff, with French names,
// plausible UAIs and codes, for `entgar gen`, the demo, tests and benchmarks.
//
// The same Options always give byte-identical files. Establishments and
// their reference data are built in memory (they are few); pupils and staff
// are streamed, so memory does not grow with the number of pupils.
package synth

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/entgar/entgar/export/source"
	"github.com/entgar/entgar/gar"
)

// Options says how much to generate.
type Options struct {
	Pupils int // total pupils
	// Teachers is the total of staff members (teachers and other staff);
	// 0 means Pupils/14.
	Teachers int
	// Schools is the total of establishments; 0 means derive it (about one
	// per 500 pupils in 2D, one per 150 in 1D, at least one per degree
	// generated). An explicit count is raised to one per degree if lower.
	Schools int
	// Degrees lists the degrees to generate (D1, D2 or both; none means
	// both). With both, pupils, teachers and schools are split about 40%
	// 1D / 60% 2D.
	Degrees []gar.Degree
	Seed    int64
}

// Stats counts what was written, per file.
type Stats struct {
	// Each field is the number of lines (records) of the file of the
	// same name.
	Establishments, MEFs, Subjects, Groups, Pupils, Staff, RespAff int
}

// The seven files Generate writes, in the order it writes them.
const (
	fileEstablishments = "establishments.jsonl"
	fileMEFs           = "mefs.jsonl"
	fileSubjects       = "subjects.jsonl"
	fileGroups         = "groups.jsonl"
	filePupils         = "pupils.jsonl"
	fileStaff          = "staff.jsonl"
	fileRespAff        = "respaff.jsonl"
)

// Independent random streams per phase: a change in how pupils are drawn
// does not reshuffle staff or establishments generated from the same seed.
const (
	streamPlan   = 0x6574616273 // "etabs"
	streamPupils = 0x7075706c73 // "pupls"
	streamStaff  = 0x7374616666 // "staff"
)

// bufSize is large so that the writes of a million pupils turn into few
// system calls.
const bufSize = 1 << 20

// Generate writes the seven files establishments.jsonl, mefs.jsonl,
// subjects.jsonl, groups.jsonl, pupils.jsonl, staff.jsonl and respaff.jsonl
// into dir (created if missing) and returns what it wrote.
//
// Every file is first written under a temporary name in dir and the seven
// are renamed only once all are complete, so an interrupted or failed run
// leaves no truncated file under a final name.
func Generate(ctx context.Context, dir string, o Options) (Stats, error) {
	var st Stats
	cs, err := split(o)
	if err != nil {
		return st, err
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("synth: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, fmt.Errorf("synth: create %s: %w", dir, err)
	}
	seed := uint64(o.Seed)
	p, err := newPlan(rand.New(rand.NewPCG(seed, streamPlan)), cs)
	if err != nil {
		return st, err
	}
	pupils, staff := 0, 0
	for _, c := range cs {
		pupils += c.pupils
		staff += c.staff
	}
	g := newPeople(p, pupils, staff)

	var done []*outFile
	defer func() {
		for _, f := range done {
			f.discard()
		}
	}()
	write := func(name string, body func(f *outFile) error) error {
		f, err := create(dir, name)
		if err != nil {
			return err
		}
		done = append(done, f)
		if err := body(f); err != nil {
			return err
		}
		if err := f.close(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("synth: write %s: %w", name, err)
		}
		return nil
	}

	// Staff come before RespAff: RespAff are picked while staff are
	// generated.
	var ras []source.RespAff
	steps := []struct {
		name string
		body func(f *outFile) error
	}{
		{fileEstablishments, func(f *outFile) (err error) { st.Establishments, err = p.writeEstablishments(f); return }},
		{fileMEFs, func(f *outFile) (err error) { st.MEFs, err = p.writeMEFs(f); return }},
		{fileSubjects, func(f *outFile) (err error) { st.Subjects, err = p.writeSubjects(f); return }},
		{fileGroups, func(f *outFile) (err error) { st.Groups, err = p.writeGroups(f); return }},
		{filePupils, func(f *outFile) (err error) {
			st.Pupils, err = g.writePupils(ctx, rand.New(rand.NewPCG(seed, streamPupils)), f)
			return
		}},
		{fileStaff, func(f *outFile) (err error) {
			st.Staff, ras, err = g.writeStaff(ctx, rand.New(rand.NewPCG(seed, streamStaff)), f)
			return
		}},
		{fileRespAff, func(f *outFile) error {
			var line []byte
			for i := range ras {
				line = appendRespAff(line[:0], &ras[i])
				if err := f.write(line); err != nil {
					return err
				}
			}
			st.RespAff = len(ras)
			return nil
		}},
	}
	for _, s := range steps {
		if err := write(s.name, s.body); err != nil {
			return Stats{}, err
		}
	}

	for len(done) > 0 {
		if err := done[0].commit(); err != nil {
			return Stats{}, err
		}
		done = done[1:]
	}
	return st, nil
}

// outFile is a file being written under a temporary name.
type outFile struct {
	name, final string
	f           *os.File
	w           *bufio.Writer
	closed      bool
}

func create(dir, name string) (*outFile, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("synth: create %s: %w", name, err)
	}
	return &outFile{name: name, final: filepath.Join(dir, name), f: f, w: bufio.NewWriterSize(f, bufSize)}, nil
}

func (o *outFile) write(b []byte) error {
	if _, err := o.w.Write(b); err != nil {
		return fmt.Errorf("synth: write %s: %w", o.name, err)
	}
	return nil
}

// close flushes and closes the temporary file. There is no fsync: the data
// can be generated again, and the rename after a complete write is what
// protects readers from a truncated file when a run is interrupted.
func (o *outFile) close() error {
	o.closed = true
	if err := o.w.Flush(); err != nil {
		o.f.Close()
		return fmt.Errorf("synth: write %s: %w", o.name, err)
	}
	// CreateTemp makes private files; the data is meant to be read by
	// other tools and users.
	if err := o.f.Chmod(0o644); err != nil {
		o.f.Close()
		return fmt.Errorf("synth: chmod %s: %w", o.name, err)
	}
	if err := o.f.Close(); err != nil {
		return fmt.Errorf("synth: close %s: %w", o.name, err)
	}
	return nil
}

// commit gives the file its final name.
func (o *outFile) commit() error {
	if err := os.Rename(o.f.Name(), o.final); err != nil {
		return fmt.Errorf("synth: rename %s: %w", o.name, err)
	}
	return nil
}

// discard removes a temporary file that will not be committed.
func (o *outFile) discard() {
	if !o.closed {
		o.f.Close()
	}
	os.Remove(o.f.Name())
}

func (p *plan) writeEstablishments(f *outFile) (int, error) {
	var line []byte
	for _, s := range p.schools {
		e := source.Establishment{UAI: s.uai, Degree: s.degree, Name: s.name, GAREnabled: s.enabled,
			Contract: s.contract, Phone: s.phone, Email: s.email, FunctionalAttachment: s.attach}
		line = appendEstablishment(line[:0], &e)
		if err := f.write(line); err != nil {
			return 0, err
		}
	}
	return len(p.schools), nil
}

func (p *plan) writeMEFs(f *outFile) (int, error) {
	var line []byte
	n := 0
	for _, s := range p.schools {
		for _, i := range s.mefs {
			d := &mefTable[i]
			m := source.MEF{UAI: s.uai, Code: d.code, Label: d.label, Attachment: d.attach, MEFSTAT11: d.mefstat11}
			line = appendMEF(line[:0], &m)
			if err := f.write(line); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func (p *plan) writeSubjects(f *outFile) (int, error) {
	var line []byte
	n := 0
	for _, s := range p.schools {
		for _, i := range s.subjects {
			d := &subjectTable[i]
			line = appendSubject(line[:0], &source.Subject{UAI: s.uai, Code: d.code, Label: d.label})
			if err := f.write(line); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func (p *plan) writeGroups(f *outFile) (int, error) {
	var line []byte
	n := 0
	for _, s := range p.schools {
		for _, d := range s.divs {
			g := source.Group{UAI: s.uai, Code: d.code, Label: d.label, Status: gar.StatusDivision}
			line = appendGroup(line[:0], &g)
			if err := f.write(line); err != nil {
				return n, err
			}
			n++
		}
		var divs []string
		for _, grp := range s.groups {
			divs = divs[:0]
			for _, j := range grp.divs {
				divs = append(divs, s.divs[j].code)
			}
			g := source.Group{UAI: s.uai, Code: grp.code, Label: grp.label, Status: gar.StatusGroup, Divisions: divs}
			line = appendGroup(line[:0], &g)
			if err := f.write(line); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
