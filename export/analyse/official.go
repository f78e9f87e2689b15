package analyse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	xsdengine "github.com/jacoelho/xsd"
	"github.com/jacoelho/xsd/xsderrors"

	"github.com/entgar/entgar/gar"
)

// officialGrammar validates with the official XSD files of a directory
// (--xsd) through github.com/jacoelho/xsd, a streaming XSD 1.0 engine.
type officialGrammar struct {
	eng  *xsdengine.Engine
	path string
}

func compileOfficial(ctx context.Context, dir string, d gar.Degree) (*officialGrammar, error) {
	p := filepath.Join(dir, "GAR-ENT-"+d.String()+".xsd")
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("--xsd: %w", err)
	}
	eng, err := xsdengine.Compile(ctx, xsdengine.File(p))
	if err != nil {
		return nil, fmt.Errorf("--xsd: compile %s: %w", p, err)
	}
	return &officialGrammar{eng: eng, path: p}, nil
}

// officialRun validates one file with the official grammar while the
// built-in validator reads the same bytes (for the coherence controls).
type officialRun struct {
	done chan struct{}
	errs []Finding
	err  error
	pw   *io.PipeWriter
}

// start tees *body into the engine, which runs on its own goroutine.
func (g *officialGrammar) start(ctx context.Context, body *io.Reader) *officialRun {
	pr, pw := io.Pipe()
	run := &officialRun{done: make(chan struct{}), pw: pw}
	*body = io.TeeReader(*body, pw)
	go func() {
		defer close(run.done)
		err := g.eng.ValidateWithOptions(ctx, pr, xsdengine.ValidateOptions{MaxInstanceBytes: 1 << 40})
		io.Copy(io.Discard, pr) // let the tee finish the file
		pr.Close()
		run.errs, run.err = officialFindings(err)
	}()
	return run
}

// wait closes the tee and returns the engine's findings; the error is for
// cancellation only.
func (r *officialRun) wait() ([]Finding, error) {
	r.pw.Close()
	<-r.done
	return r.errs, r.err
}

func officialFindings(err error) ([]Finding, error) {
	if err == nil {
		return nil, nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	var out []Finding
	var list xsderrors.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			out = append(out, officialFinding(e))
		}
		return out, nil
	}
	return []Finding{officialFinding(err)}, nil
}

func officialFinding(err error) Finding {
	f := Finding{Control: CtlXSD + ".official", Severity: ArchiveRejected, Message: err.Error()}
	var xe *xsderrors.Error
	if errors.As(err, &xe) {
		f.Line, f.Column, f.Message = xe.Line, xe.Column, fmt.Sprintf("%s: %s", xe.Code, xe.Message)
		if xe.Path != "" {
			f.Message += " (" + xe.Path + ")"
		}
	}
	return f
}
