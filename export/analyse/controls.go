package analyse

// Control describes one check: its stable code, the severity of its
// findings and what it verifies.
type Control struct {
	Code     string
	Severity Severity
	Summary  string
}

// Control codes. They are stable: scripts, the JSON output and the GAR
// simulator rely on them.
const (
	CtlArchiveName      = "archive.name"
	CtlArchiveMD5       = "archive.md5"
	CtlArchiveNoMD5     = "archive.md5_missing"
	CtlArchiveRead      = "archive.read"
	CtlArchiveLimit     = "archive.limit"
	CtlArchiveEntry     = "archive.entry"
	CtlArchiveFileName  = "archive.file_name"
	CtlArchiveTypes     = "archive.types"
	CtlArchiveNumbering = "archive.numbering"
	CtlArchiveNodes     = "archive.nodes"
	CtlXSD              = "xsd" // followed by "." and an xsd.Code*, e.g. xsd.content
	CtlKeyDuplicate     = "key.duplicate"
	CtlRefEtab          = "ref.etab"
	CtlRefPerson        = "ref.person"
	CtlRefMEF           = "ref.mef"
	CtlRefMatiere       = "ref.matiere"
	CtlRefGroupe        = "ref.groupe"
	CtlGroupStatus      = "group.status"
	CtlGroupDivision    = "group.division"
	CtlProfile          = "profile"
	CtlRespAffPupil     = "respaff.pupil"
	CtlRespAffLimit     = "respaff.limit"
	CtlCase             = "case.code"
	CtlVersion          = "xsd.version"
	CtlMassDeletion     = "diff.mass_deletion"
	CtlRefUnchecked     = "ref.unchecked"
)

// Controls lists every control in report order.
var Controls = []Control{
	{CtlArchiveName, ArchiveRejected, "archive name is <idENT>_GAR-ENT_Complet_<AAAAMMJJ_HHMMSS>_<1D|2D>.tar.gz (§5.2.2.1); GAR ignores an archive it cannot name"},
	{CtlArchiveMD5, ArchiveRejected, "the .MD5 file beside the archive holds the archive's MD5 (§5.2.2.6)"},
	{CtlArchiveNoMD5, Warning, "a .MD5 file is beside the archive: GAR imports from ENTRANT only an archive with its MD5 (the ANALYSEUR folder takes one without)"},
	{CtlArchiveRead, ArchiveRejected, "the archive is a readable gzip-compressed tar"},
	{CtlArchiveLimit, ArchiveRejected, "sizes stay within the analyser's limits (entry size, total size, entry count): a hostile or broken archive"},
	{CtlArchiveEntry, ArchiveRejected, "the tar is flat and holds only regular .xml files"},
	{CtlArchiveFileName, ArchiveRejected, "each XML file is named <idENT>_GAR-ENT_Complet_<stamp>_<degree>_<Type>_<NNNN>.xml with the archive's idENT, stamp and degree (§5.2.2.5)"},
	{CtlArchiveTypes, ArchiveRejected, "the five file types are present, even when empty (§5.2.2.3)"},
	{CtlArchiveNumbering, ArchiveRejected, "sub-files of a type are numbered 0000, 0001... without gap or repeat"},
	{CtlArchiveNodes, ArchiveRejected, "a sub-file holds at most about 10,000 nodes (a few hundred more are tolerated, §5.2.2.4)"},
	{CtlXSD + ".xml", ArchiveRejected, "the file is well-formed UTF-8 XML"},
	{CtlXSD + ".namespace", ArchiveRejected, "elements are in the degree's GAR namespace"},
	{CtlXSD + ".root", ArchiveRejected, "the root element is the file type's (GAR-ENT-Eleve...)"},
	{CtlXSD + ".attribute", ArchiveRejected, "the root has its required Version attribute and no undeclared one"},
	{CtlXSD + ".content", ArchiveRejected, "elements come in the grammar's order and cardinalities"},
	{CtlXSD + ".length", ArchiveRejected, "values fit the lengths of their types"},
	{CtlXSD + ".date", ArchiveRejected, "dates are valid xs:date values"},
	{CtlXSD + ".key", ArchiveRejected, "functional keys (xs:key) are unique within the file"},
	{CtlXSD + ".official", ArchiveRejected, "with --xsd: the official XSD engine rejects the file"},
	{CtlKeyDuplicate, NodeRejected, "functional keys are unique across the sub-files of a type; GAR ignores the repeats"},
	{CtlRefEtab, NodeRejected, "every establishment referred to is defined by a GAREtab of the archive"},
	{CtlRefPerson, NodeRejected, "every person referred to exists for that establishment (a profile or GARPersonEtab there)"},
	{CtlRefMEF, NodeRejected, "every GARMEFCode referred to is a GARMEF of that establishment"},
	{CtlRefMatiere, NodeRejected, "every GARMatiereCode referred to is a GARMatiere of that establishment"},
	{CtlRefGroupe, NodeRejected, "every GARGroupeCode referred to is a GARGroupe of that establishment"},
	{CtlGroupStatus, NodeRejected, "GARGroupeStatut is DIVISION or GROUPE, and links require the right one (GAREnsClasseMatiere: DIVISION, GAREnsGroupeMatiere: GROUPE)"},
	{CtlGroupDivision, NodeRejected, "GARGroupeDivAppartenance is given for a GROUPE only and names a DIVISION of the same establishment"},
	{CtlProfile, NodeRejected, "profiles are in GAR's list for the file and degree (National_doc is 2D only, pupils are National_elv)"},
	{CtlRespAffPupil, NodeRejected, "a RespAff is not a pupil of the establishment"},
	{CtlRespAffLimit, NodeRejected, "at most 50 RespAff per establishment"},
	{CtlRefUnchecked, Warning, "references that could not be checked (limits of the analyser)"},
	{CtlCase, Warning, "GARStructureUAI, GARGroupeCode, GARMatiereCode and GARMEFCode are upper-case without accents (keys are case-sensitive)"},
	{CtlVersion, Warning, "the Version attribute is the grammar version entgar knows (2D 1.7, 1D 1.4)"},
	{CtlMassDeletion, ArchiveRejected, "with --previous: the share of persons deleted stays under analyse.max_deletion_share (GAR rejects mass deletions)"},
}

// controlSeverity returns the severity of a control code.
func controlSeverity(code string) Severity {
	for _, c := range Controls {
		if c.Code == code {
			return c.Severity
		}
	}
	return ArchiveRejected
}
