package garsim

import (
	"bytes"
	"fmt"
	"path"
	"time"

	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
)

// What garsim writes in the InformationsGenerales of its reports. The
// reference names the fields, not their values: these say who sends what to
// whom as its e-mail template does (§5.6).
const (
	reportModule   = "Collecte GAR (garsim)"
	reportFunction = "Exploitant ENT"
)

func (c *Collecte) info(id string, a *deposit, previous string) results.Info {
	name := c.opts.Names[id]
	if name == "" {
		name = id
	}
	return results.Info{
		DateNotification:     c.opts.Now().Format(time.RFC3339),
		ModuleExpediteur:     reportModule,
		FonctionDestinataire: reportFunction,
		CodeProjetENT:        id,
		NomProjetENT:         name,
		Degre:                a.name.Degree.String(),
		NomNouvelleArchive:   a.file,
		NomArchivePrecedente: previous,
	}
}

// writeErrors deposits the error report of archive a in ERREUR/{idENT}
// (§5.5.4.2), named after the archive's stamp and degree.
func (c *Collecte) writeErrors(id string, a *deposit, previous string, els []results.Element) (string, error) {
	rep := &results.Report{Kind: results.KindErrors, Info: c.info(id, a, previous), Elements: els}
	name := results.ErrorReportName(id, a.name.Timestamp, a.name.Degree)
	var buf bytes.Buffer
	if err := results.WriteErrorArchive(&buf, name, rep, c.opts.Now()); err != nil {
		return "", err
	}
	return name, c.publish(path.Join(gar.FolderErreur, id, name), buf.Bytes())
}

// writeIgnored deposits the ignored-data report (§5.5.5). The reference
// does not say in which folder; garsim uses ERREUR/{idENT}, beside the error
// reports.
func (c *Collecte) writeIgnored(id string, a *deposit, previous string, els []results.Element) (string, error) {
	rep := &results.Report{Kind: results.KindIgnored, Info: c.info(id, a, previous), Elements: els}
	name := results.IgnoredReportName(id, a.name.Timestamp, a.name.Degree)
	var buf bytes.Buffer
	if err := rep.WriteXML(&buf); err != nil {
		return "", fmt.Errorf("report %s: %w", name, err)
	}
	return name, c.publish(path.Join(gar.FolderErreur, id, name), buf.Bytes())
}

// publish writes data under a hidden temporary name and renames it, so that
// a client listing the folder never reads half a report.
func (c *Collecte) publish(rel string, data []byte) error {
	tmp := path.Join(path.Dir(rel), "."+path.Base(rel)+".tmp")
	f, err := c.root.OpenFile(tmp, osCreateTrunc, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = c.root.Rename(tmp, rel)
	}
	if err != nil {
		c.root.Remove(tmp)
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}
