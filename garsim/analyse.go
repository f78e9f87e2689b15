package garsim

import (
	"context"
	"path/filepath"

	"github.com/entgar/entgar/export/analyse"
	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
)

// AnalyseChecker returns the collecte's Checker built on entgar's local
// analyser (export/analyse): grammar, keys across sub-files, the annex §9
// coherence controls, and with the previous integrated archive the calcul
// des écarts and its mass-deletion control. The verdict decides the folder:
// Rejected -> ERREUR; findings that reject a node -> SUCCES_PARTIEL with
// the error report; repeated functional keys (key.duplicate) -> the
// ignored-data report, GAR ignoring the repeats (§5.5.5); warnings are not
// reported, as GAR would not.
//
// In the reports, controle holds the analyser's stable control code (e.g.
// ref.etab) and erreur its message, which uses GAR's wording where the
// reference gives one.
func AnalyseChecker(opts analyse.Options) Checker {
	opts.MaxExamples = -1 // the report lists every element, as GAR's does
	return func(ctx context.Context, archive, previous string) (*Analysis, error) {
		o := opts
		o.Previous = previous
		rep, err := analyse.Archive(ctx, archive, o)
		if err != nil {
			return nil, err
		}
		return fromReport(rep, filepath.Base(archive)), nil
	}
}

// fromReport turns an analyser report into the collecte's Analysis.
func fromReport(rep *analyse.Report, archive string) *Analysis {
	an := &Analysis{Rejected: rep.Verdict == analyse.Rejected}
	for _, f := range rep.Findings {
		if f.Severity == analyse.Warning {
			continue
		}
		el := results.Element{
			Fichier: f.File, Ligne: f.Line, Operation: f.Operation,
			Balise: f.Element, Controle: f.Control, Erreur: f.Message,
		}
		if el.Fichier == "" {
			el.Fichier = archive
		}
		if n, err := gar.ParseName(f.File); err == nil && n.Kind == gar.KindXML {
			el.Type = string(n.Type)
		}
		if el.Operation == "" && f.Severity == analyse.NodeRejected {
			// Without a previous archive every node is an addition.
			el.Operation = analyse.OpAjout
		}
		switch {
		case f.Control == analyse.CtlKeyDuplicate:
			an.Ignored = append(an.Ignored, el)
		case an.Rejected && f.Severity != analyse.ArchiveRejected:
			// The archive is rejected as a whole: node findings would
			// never be reached by GAR's later stages.
		default:
			an.Errors = append(an.Errors, el)
		}
	}
	if an.Rejected && len(an.Errors) == 0 {
		an.Errors = append(an.Errors, results.Element{Fichier: archive, Controle: "archive", Erreur: "archive rejetée"})
	}
	return an
}
