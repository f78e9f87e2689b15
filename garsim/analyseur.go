package garsim

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/entgar/entgar/gar"
)

const osCreateTrunc = os.O_WRONLY | os.O_CREATE | os.O_TRUNC

// passAnalyseur analyses the archives deposited in ANALYSEUR (§5.8): GAR
// mails the result and destroys the data; garsim logs the result and
// removes the archive. Names that are not archive names (uploads in
// progress) are left alone.
func (c *Collecte) passAnalyseur(ctx context.Context) error {
	entries, err := c.list(gar.FolderAnalyseur)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n, err := gar.ParseName(e.Name())
		if !e.Mode().IsRegular() || err != nil || n.Kind != gar.KindArchive {
			continue
		}
		rel := path.Join(gar.FolderAnalyseur, e.Name())
		an, err := c.opts.Check(ctx, c.abs(rel), "")
		if err != nil {
			return fmt.Errorf("analyseur %s: %w", e.Name(), err)
		}
		verdict := "conforme"
		switch {
		case an.Rejected:
			verdict = "rejetée"
		case len(an.Errors) > 0:
			verdict = "intégrable en partie"
		}
		var first []string
		for i, el := range an.Errors {
			if i == 5 {
				break
			}
			first = append(first, fmt.Sprintf("%s:%d %s: %s", el.Fichier, el.Ligne, el.Controle, el.Erreur))
		}
		c.log.Info("analyseur: compte rendu d'analyse", "archive", e.Name(), "verdict", verdict,
			"errors", len(an.Errors), "ignored", len(an.Ignored), "first_errors", strings.Join(first, " | "))
		if err := c.root.Remove(rel); err != nil {
			return fmt.Errorf("analyseur: remove %s: %w", e.Name(), err)
		}
	}
	return nil
}
