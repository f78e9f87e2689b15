package ido

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/entgar/entgar/gar"
)

// FileName returns <code cible>_GAR-ENT_Transfert_<AAAAMMJJ_hhmmss>.csv.
func FileName(target string, archiveTime time.Time) string {
	return target + "_GAR-ENT_Transfert_" + archiveTime.Format(gar.TimestampLayout) + ".csv"
}

// WriteCSV writes the continuity file: one line per mapping, fields
// separated by ';', CRLF after every line, UTF-8 without BOM. The reference
// lists the columns without saying whether a header line is expected;
// entgar writes none, so that every line is a person.
func WriteCSV(w io.Writer, target string, ms []Mapping) error {
	var b bytes.Buffer
	for _, m := range ms {
		b.WriteString(m.SourceID)
		b.WriteByte(';')
		b.WriteString(m.SourceENT)
		b.WriteByte(';')
		b.WriteString(m.TargetID)
		b.WriteByte(';')
		b.WriteString(target)
		b.WriteString("\r\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Lister lists a remote folder (paths relative to GAR's root).
type Lister interface {
	ReadDir(ctx context.Context, dir string) ([]fs.FileInfo, error)
}

// Putter writes a file on the server atomically (export/sftp.Client.Put).
type Putter interface {
	Put(ctx context.Context, dir, name string, r io.Reader) error
}

// ErrNoIntegratedArchive is returned when GAR has integrated no archive of
// ours: the continuity file would have no valid stamp (§5.9).
var ErrNoIntegratedArchive = errors.New("no archive of ours in SUCCES or SUCCES_PARTIEL: GAR must integrate an archive before the IDO file is deposited")

// LastIntegrated returns the most recent archive of ident, any degree, that
// GAR integrated (in SUCCES or SUCCES_PARTIEL).
func LastIntegrated(ctx context.Context, l Lister, ident string) (gar.Name, string, error) {
	var best gar.Name
	var bestFile string
	for _, f := range []string{gar.FolderSucces, gar.FolderSuccesPartiel} {
		dir := path.Join(f, ident)
		infos, err := l.ReadDir(ctx, dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return best, "", fmt.Errorf("list %s: %w", dir, err)
		}
		for _, fi := range infos {
			n, err := gar.ParseName(fi.Name())
			if err != nil || n.Kind != gar.KindArchive || n.Ident != ident {
				continue
			}
			if bestFile == "" || n.Timestamp.After(best.Timestamp) {
				best, bestFile = n, fi.Name()
			}
		}
	}
	if bestFile == "" {
		return best, "", ErrNoIntegratedArchive
	}
	return best, bestFile, nil
}

// Transfer is what Deliver deposited.
type Transfer struct {
	File       string `json:"file"`
	Dir        string `json:"dir"`
	Archive    string `json:"archive"` // the integrated archive whose stamp it carries
	Persons    int    `json:"persons"`
	Bytes      int    `json:"bytes"`
	Dry        bool   `json:"dry_run,omitempty"`
	CSVContent []byte `json:"-"`
}

// Deliver finds the last archive of ident GAR integrated, builds the
// continuity file with its stamp, and puts it in MIGRATION_IDO/{idENT}
// (unless p is nil: a dry run that only builds it).
func Deliver(ctx context.Context, l Lister, p Putter, ident string, ms []Mapping) (*Transfer, error) {
	n, file, err := LastIntegrated(ctx, l, ident)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, ident, ms); err != nil {
		return nil, err
	}
	t := &Transfer{File: FileName(ident, n.Timestamp), Dir: path.Join(gar.FolderMigrationIDO, ident), Archive: file,
		Persons: len(ms), Bytes: b.Len(), Dry: p == nil, CSVContent: b.Bytes()}
	if p == nil {
		return t, nil
	}
	if err := p.Put(ctx, t.Dir, t.File, bytes.NewReader(b.Bytes())); err != nil {
		return nil, fmt.Errorf("put %s/%s: %w", t.Dir, t.File, err)
	}
	return t, nil
}
