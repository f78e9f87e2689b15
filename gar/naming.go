package gar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FileType is one of the five file types every archive holds (§5.2.2.3).
type FileType string

// The five file types, in the order entgar writes them into an archive.
const (
	FileEleve      FileType = "Eleve"
	FileEnseignant FileType = "Enseignant"
	FileEtab       FileType = "Etab"
	FileGroupe     FileType = "Groupe"
	FileRespAff    FileType = "RespAff"
)

// FileTypes lists the five file types in archive order.
var FileTypes = []FileType{FileEleve, FileEnseignant, FileEtab, FileGroupe, FileRespAff}

// Root returns the local name of the file type's root element, e.g.
// GAR-ENT-Eleve.
func (t FileType) Root() string { return "GAR-ENT-" + string(t) }

// TimestampLayout is the Go layout of the AAAAMMJJ_HHMMSS stamp shared by an
// archive, its MD5 and every file inside it.
const TimestampLayout = "20060102_150405"

const namePrefix = "_GAR-ENT_Complet_"

// ArchiveName returns <idENT>_GAR-ENT_Complet_<AAAAMMJJ_HHMMSS>_<1D|2D>.tar.gz.
// entgar always writes the degree, although GAR still accepts 2D archives
// without it.
func ArchiveName(ident string, ts time.Time, d Degree) string {
	return ident + namePrefix + ts.Format(TimestampLayout) + "_" + d.String() + ".tar.gz"
}

// MD5Name returns the name of the checksum file that goes with an archive:
// the same name with .MD5 instead of .tar.gz (§5.2.2.6).
func MD5Name(archive string) string {
	return strings.TrimSuffix(archive, ".tar.gz") + ".MD5"
}

// XMLName returns <idENT>_GAR-ENT_Complet_<stamp>_<degree>_<Type>_<NNNN>.xml.
func XMLName(ident string, ts time.Time, d Degree, t FileType, index int) string {
	return fmt.Sprintf("%s%s%s_%s_%s_%04d.xml", ident, namePrefix, ts.Format(TimestampLayout), d, t, index)
}

// Name is what a GAR export file name says.
type Name struct {
	Ident     string
	Timestamp time.Time // in UTC location; GAR stamps carry no zone
	Degree    Degree
	// DegreeWritten is false when the name omitted the degree (2D by
	// backward compatibility).
	DegreeWritten bool
	Kind          NameKind
	Type          FileType // for XML files
	Index         int      // for XML files
}

// NameKind tells which of the three kinds of export file a name denotes.
type NameKind int

// The kinds of names ParseName recognises.
const (
	KindArchive NameKind = iota + 1
	KindMD5
	KindXML
)

// ParseName parses an archive, MD5 or XML file name of a full export and
// says precisely what is wrong when it does not follow §5.2.2.1 and §5.2.2.5.
func ParseName(name string) (Name, error) {
	var n Name
	var rest string
	switch {
	case strings.HasSuffix(name, ".tar.gz"):
		n.Kind, rest = KindArchive, strings.TrimSuffix(name, ".tar.gz")
	case strings.HasSuffix(name, ".MD5"):
		n.Kind, rest = KindMD5, strings.TrimSuffix(name, ".MD5")
	case strings.HasSuffix(name, ".xml"):
		n.Kind, rest = KindXML, strings.TrimSuffix(name, ".xml")
	default:
		return n, fmt.Errorf("%s: extension is not .tar.gz, .MD5 or .xml", name)
	}
	i := strings.Index(rest, namePrefix)
	if i <= 0 {
		return n, fmt.Errorf("%s: does not start with <idENT>%s", name, namePrefix)
	}
	n.Ident, rest = rest[:i], rest[i+len(namePrefix):]
	if up, err := NormalizeIdent(n.Ident); err != nil || up != n.Ident {
		return n, fmt.Errorf("%s: idENT %q must be upper-case letters, digits or '-'", name, n.Ident)
	}
	if len(rest) < len(TimestampLayout) {
		return n, fmt.Errorf("%s: missing AAAAMMJJ_HHMMSS timestamp", name)
	}
	ts, err := time.Parse(TimestampLayout, rest[:len(TimestampLayout)])
	if err != nil {
		return n, fmt.Errorf("%s: timestamp %q is not AAAAMMJJ_HHMMSS", name, rest[:len(TimestampLayout)])
	}
	n.Timestamp, rest = ts, rest[len(TimestampLayout):]
	n.Degree = D2
	if strings.HasPrefix(rest, "_1D") || strings.HasPrefix(rest, "_2D") {
		n.Degree, n.DegreeWritten = Degree(rest[1]-'0'), true
		rest = rest[3:]
	}
	if n.Kind != KindXML {
		if rest != "" {
			return n, fmt.Errorf("%s: unexpected %q after the timestamp and degree", name, rest)
		}
		return n, nil
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 3 || parts[0] != "" {
		return n, fmt.Errorf("%s: want _<Type>_<NNNN>.xml after the timestamp and degree", name)
	}
	n.Type = FileType(parts[1])
	known := false
	for _, t := range FileTypes {
		known = known || t == n.Type
	}
	if !known {
		return n, fmt.Errorf("%s: unknown file type %q (want Eleve, Enseignant, Etab, Groupe or RespAff)", name, parts[1])
	}
	if len(parts[2]) != 4 {
		return n, fmt.Errorf("%s: index %q is not 4 digits", name, parts[2])
	}
	idx, err := strconv.Atoi(parts[2])
	if err != nil || idx < 0 {
		return n, fmt.Errorf("%s: index %q is not 4 digits", name, parts[2])
	}
	n.Index = idx
	return n, nil
}
