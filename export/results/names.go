package results

import (
	"strings"
	"time"

	"github.com/entgar/entgar/gar"
)

// The infixes of report names (§5.5.4.2, §5.5.5). The reference's example
// spells the error report "_GAR-ENT_Rapport_" while its naming rule says
// "_GAR-ENT_RapportErreurs_": entgar writes the rule and reads both.
const (
	errorsInfix      = "_GAR-ENT_RapportErreurs_"
	errorsShortInfix = "_GAR-ENT_Rapport_"
	ignoredInfix     = "_GAR-ENT_RapportDonneesIgnorees_"
)

// ErrorReportName returns
// <idENT>_GAR-ENT_RapportErreurs_<AAAAMMJJ_HHMMSS>_<degré>.tar.gz, stamped
// with the archive's date, not the report's.
func ErrorReportName(ident string, archiveTime time.Time, d gar.Degree) string {
	return ident + errorsInfix + archiveTime.Format(gar.TimestampLayout) + "_" + d.String() + ".tar.gz"
}

// IgnoredReportName returns
// <idENT>_GAR-ENT_RapportDonneesIgnorees_<AAAAMMJJ_HHMMSS>_<degré>.xml.
func IgnoredReportName(ident string, archiveTime time.Time, d gar.Degree) string {
	return ident + ignoredInfix + archiveTime.Format(gar.TimestampLayout) + "_" + d.String() + ".xml"
}

// ReportName is what a report's file name says.
type ReportName struct {
	Kind ReportKind
	// Ident is the ENT project code.
	Ident string
	// ArchiveTime is the timestamp of the archive the report is about.
	ArchiveTime time.Time
	Degree      gar.Degree
}

// ParseReportName recognises the name of an error report (.tar.gz) or an
// ignored-data report (.xml). The degree may be missing (2D, as for
// archives).
func ParseReportName(name string) (ReportName, bool) {
	var rn ReportName
	var rest string
	switch {
	case strings.HasSuffix(name, ".tar.gz"):
		rn.Kind, rest = KindErrors, strings.TrimSuffix(name, ".tar.gz")
	case strings.HasSuffix(name, ".xml"):
		rn.Kind, rest = KindIgnored, strings.TrimSuffix(name, ".xml")
	default:
		return rn, false
	}
	infixes := []string{ignoredInfix}
	if rn.Kind == KindErrors {
		infixes = []string{errorsInfix, errorsShortInfix}
	}
	for _, infix := range infixes {
		i := strings.Index(rest, infix)
		if i <= 0 {
			continue
		}
		rn.Ident, rest = rest[:i], rest[i+len(infix):]
		if len(rest) < len(gar.TimestampLayout) {
			return rn, false
		}
		ts, err := time.Parse(gar.TimestampLayout, rest[:len(gar.TimestampLayout)])
		if err != nil {
			return rn, false
		}
		rn.ArchiveTime, rest = ts, rest[len(gar.TimestampLayout):]
		switch rest {
		case "", "_2D":
			rn.Degree = gar.D2
		case "_1D":
			rn.Degree = gar.D1
		default:
			return rn, false
		}
		return rn, true
	}
	return rn, false
}
