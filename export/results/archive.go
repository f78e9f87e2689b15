package results

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteErrorArchive writes rep as GAR deposits an error report: a tar.gz
// holding one XML file, named like the archive without .tar.gz plus .xml
// (the reference does not name the member; this is entgar's choice).
func WriteErrorArchive(w io.Writer, name string, rep *Report, modTime time.Time) error {
	var xmlBuf bytes.Buffer
	if err := rep.WriteXML(&xmlBuf); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     strings.TrimSuffix(name, ".tar.gz") + ".xml",
		Mode:     0o644,
		Size:     int64(xmlBuf.Len()),
		ModTime:  modTime,
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	if _, err := tw.Write(xmlBuf.Bytes()); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	return nil
}

// ReadErrorArchive parses an error report archive: the first .xml member of
// a tar.gz (other members are skipped). The member is parsed with Parse, so
// it is just as tolerant.
func ReadErrorArchive(r io.Reader) (*Report, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("error report: not gzip: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("error report: no .xml file in the archive")
		}
		if err != nil {
			return nil, fmt.Errorf("error report: tar: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg || !strings.HasSuffix(strings.ToLower(hdr.Name), ".xml") {
			continue
		}
		rep, err := Parse(tr)
		if err != nil {
			return nil, fmt.Errorf("error report %s: %w", hdr.Name, err)
		}
		if rep.Kind == "" {
			rep.Kind = KindErrors
		}
		return rep, nil
	}
}
