package results

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReportKind tells the two kinds of report GAR deposits apart.
type ReportKind string

// The two kinds of report (§5.5.4.2 and §5.5.5).
const (
	// KindErrors is the error report, RapportErreurs, a tar.gz holding
	// one XML file: the elements GAR rejected.
	KindErrors ReportKind = "errors"
	// KindIgnored is the ignored-data report, RapportDonneesIgnorees, a
	// plain XML file: the elements GAR ignored because their functional key
	// was empty or duplicated.
	KindIgnored ReportKind = "ignored"
)

// Root element names entgar writes (garsim) and expects first (parser). The
// reference names the objects ("InformationsGenerales", "elementsRejetes")
// but not the document's root: these are inferred from the file names.
const (
	errorsRoot  = "RapportErreurs"
	ignoredRoot = "RapportDonneesIgnorees"
	infoElem    = "InformationsGenerales"
	elementElem = "elementsRejetes"
)

// NoPreviousArchive is the value of NomArchivePrecedente when GAR had no
// previous archive (§5.5.4.2, Tableau 2: "pas d'archive").
const NoPreviousArchive = "pas d'archive"

// Report is one GAR report as read from, or written to, its XML file. The
// layout is inferred from the reference (§5.5.4.2, Tableaux 2 and 3), since
// GAR publishes no sample: one InformationsGenerales object and one
// elementsRejetes object per element. See docs/results.md.
type Report struct {
	// Kind is the kind of report. The parser sets it from the root element
	// when it names one, else leaves what the caller set.
	Kind ReportKind `json:"kind"`
	// Info is the InformationsGenerales object.
	Info Info `json:"info"`
	// Elements are the rejected (or ignored) elements, in document order.
	Elements []Element `json:"elements"`
	// Unknown lists, once each, the names of elements the parser did not
	// recognise and skipped, so that a change of format shows up.
	Unknown []string `json:"unknown,omitempty"`
}

// Info is the InformationsGenerales object of a report (Tableau 2).
type Info struct {
	DateNotification     string `json:"date_notification"`
	ModuleExpediteur     string `json:"module_expediteur"`
	FonctionDestinataire string `json:"fonction_destinataire"`
	CodeProjetENT        string `json:"code_projet_ent"`
	NomProjetENT         string `json:"nom_projet_ent"`
	Degre                string `json:"degre"`
	NomNouvelleArchive   string `json:"nom_nouvelle_archive"`
	NomArchivePrecedente string `json:"nom_archive_precedente"`
}

// Element is one elementsRejetes object (Tableau 3): an element GAR
// rejected or ignored, with where it was and why.
type Element struct {
	// Archive names the N-1 archive; GAR writes it only for delta archives.
	Archive string `json:"archive,omitempty"`
	// Fichier is the XML file in the archive (in archive N-1 for a
	// deletion).
	Fichier string `json:"fichier"`
	// Ligne is the line in Fichier, 0 when GAR gave none or it was not a
	// number.
	Ligne int `json:"ligne"`
	// Type is the file type (Eleve, Enseignant, ...).
	Type string `json:"type"`
	// Operation is the kind of change (Ajout, Modification, Suppression).
	Operation string `json:"operation"`
	// Balise is the element concerned, e.g. GARPersonMEF.
	Balise string `json:"balise"`
	// Controle is the label of the coherence control that failed.
	Controle string `json:"controle"`
	// Erreur is the error message.
	Erreur string `json:"erreur"`
}

// infoFields and elementFields map the lower-cased element names of the
// reference's tables to the fields they fill.
var infoFields = map[string]func(*Info) *string{
	"datenotification":     func(i *Info) *string { return &i.DateNotification },
	"moduleexpediteur":     func(i *Info) *string { return &i.ModuleExpediteur },
	"fonctiondestinataire": func(i *Info) *string { return &i.FonctionDestinataire },
	"codeprojetent":        func(i *Info) *string { return &i.CodeProjetENT },
	"nomprojetent":         func(i *Info) *string { return &i.NomProjetENT },
	"degre":                func(i *Info) *string { return &i.Degre },
	"nomnouvellearchive":   func(i *Info) *string { return &i.NomNouvelleArchive },
	"nomarchiveprecedente": func(i *Info) *string { return &i.NomArchivePrecedente },
}

var elementFields = map[string]func(*Element) *string{
	"archive":   func(e *Element) *string { return &e.Archive },
	"fichier":   func(e *Element) *string { return &e.Fichier },
	"type":      func(e *Element) *string { return &e.Type },
	"operation": func(e *Element) *string { return &e.Operation },
	"balise":    func(e *Element) *string { return &e.Balise },
	"controle":  func(e *Element) *string { return &e.Controle },
	"erreur":    func(e *Element) *string { return &e.Erreur },
}

// MaxReportBytes bounds the XML a parser reads, so that a corrupt or hostile
// report cannot exhaust memory. Real reports list every rejected element of
// one archive, a few MB at worst.
const MaxReportBytes = 256 << 20

// maxObjectNodes bounds the elements one top-level object (an
// InformationsGenerales, or a list of rejected elements) may hold, and
// maxDepth its nesting. The byte limit alone is not enough: a subtree costs
// about twenty times its text in memory, so 256 MiB of "<a/>" would take
// gigabytes. A real list object holds about nine elements per rejected
// element, so this still reads a wrapped list of over 100,000 of them;
// objects directly under the root, as the reference lays them out, are read
// one at a time and are not limited in number.
const (
	maxObjectNodes = 1 << 20
	maxDepth       = 64
)

// node is a generic XML subtree, so that the parser accepts the objects
// whatever their exact nesting.
type node struct {
	XMLName xml.Name
	Text    string
	Nodes   []node
}

// readNode reads the subtree that start opens, up to its end element,
// counting the elements it holds against *budget.
func readNode(dec *xml.Decoder, start xml.StartElement, depth int, budget *int) (node, error) {
	n := node{XMLName: start.Name}
	if depth > maxDepth {
		return n, fmt.Errorf("elements nested more than %d deep", maxDepth)
	}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if *budget--; *budget < 0 {
				return n, fmt.Errorf("more than %d elements in one object", maxObjectNodes)
			}
			c, err := readNode(dec, t, depth+1, budget)
			if err != nil {
				return n, err
			}
			n.Nodes = append(n.Nodes, c)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			n.Text = text.String()
			return n, nil
		}
	}
}

// Parse reads a report's XML. It is tolerant by design, since the format is
// inferred: any root element and namespace, element names matched without
// case, unknown elements skipped and listed in Report.Unknown, the objects
// either directly under the root or wrapped in a list element. It fails only
// on XML that is not well-formed or has no InformationsGenerales and no
// element at all.
func Parse(r io.Reader) (*Report, error) {
	lr := &io.LimitedReader{R: r, N: MaxReportBytes + 1}
	dec := xml.NewDecoder(lr)
	dec.Strict = true
	dec.CharsetReader = latin1Reader
	rep := &Report{}
	unknown := map[string]bool{}
	var sawInfo, sawRoot bool
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return nil, fmt.Errorf("report larger than %d bytes", MaxReportBytes)
			}
			return nil, fmt.Errorf("report XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !sawRoot {
			sawRoot = true
			switch strings.ToLower(se.Name.Local) {
			case strings.ToLower(errorsRoot):
				rep.Kind = KindErrors
			case strings.ToLower(ignoredRoot):
				rep.Kind = KindIgnored
			}
			if !isInfo(se.Name.Local) && !isElementList(se.Name.Local) {
				continue // the root: its children are the objects
			}
		}
		if !isInfo(se.Name.Local) && !isElementList(se.Name.Local) {
			// Skipped without building its subtree: its size is not
			// bounded by anything but MaxReportBytes.
			unknown[se.Name.Local] = true
			if err := dec.Skip(); err != nil {
				if lr.N <= 0 {
					return nil, fmt.Errorf("report larger than %d bytes", MaxReportBytes)
				}
				return nil, fmt.Errorf("report XML: %s: %w", se.Name.Local, err)
			}
			continue
		}
		budget := maxObjectNodes
		n, err := readNode(dec, se, 0, &budget)
		if err != nil {
			if lr.N <= 0 {
				return nil, fmt.Errorf("report larger than %d bytes", MaxReportBytes)
			}
			return nil, fmt.Errorf("report XML: %s: %w", se.Name.Local, err)
		}
		switch {
		case isInfo(n.XMLName.Local):
			sawInfo = true
			rep.Info.fill(n, unknown)
		case isElementList(n.XMLName.Local):
			rep.addElements(n, unknown)
		default:
			unknown[n.XMLName.Local] = true
		}
	}
	if !sawRoot {
		return nil, errors.New("report XML: no root element")
	}
	if !sawInfo && len(rep.Elements) == 0 {
		return nil, errors.New("report XML: neither InformationsGenerales nor any elementsRejetes")
	}
	for name := range unknown {
		rep.Unknown = append(rep.Unknown, name)
	}
	slices.Sort(rep.Unknown)
	return rep, nil
}

func isInfo(name string) bool { return strings.EqualFold(name, infoElem) }

// isElementList accepts elementsRejetes (the reference's name), its
// singular, and the same for ignored elements, so that either spelling of
// the ignored-data report parses.
func isElementList(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "elementsrejete") || strings.HasPrefix(l, "elementrejete") ||
		strings.HasPrefix(l, "elementsignore") || strings.HasPrefix(l, "elementignore")
}

func (i *Info) fill(n node, unknown map[string]bool) {
	for _, c := range n.Nodes {
		if f, ok := infoFields[strings.ToLower(c.XMLName.Local)]; ok {
			*f(i) = strings.TrimSpace(c.Text)
		} else {
			unknown[n.XMLName.Local+"/"+c.XMLName.Local] = true
		}
	}
}

// addElements adds n as one element, or, when n wraps complex children (a
// list element), each of them.
func (r *Report) addElements(n node, unknown map[string]bool) {
	wrapper := len(n.Nodes) > 0
	for _, c := range n.Nodes {
		if len(c.Nodes) == 0 {
			wrapper = false
			break
		}
	}
	if wrapper {
		for _, c := range n.Nodes {
			r.addElements(c, unknown)
		}
		return
	}
	var e Element
	for _, c := range n.Nodes {
		name := strings.ToLower(c.XMLName.Local)
		text := strings.TrimSpace(c.Text)
		if name == "ligne" {
			if v, err := strconv.Atoi(text); err == nil && v >= 0 {
				e.Ligne = v
			}
			continue
		}
		if f, ok := elementFields[name]; ok {
			*f(&e) = text
		} else {
			unknown[n.XMLName.Local+"/"+c.XMLName.Local] = true
		}
	}
	r.Elements = append(r.Elements, e)
}

// Notified parses DateNotification in the forms a Java service commonly
// writes (xs:dateTime with or without zone, xs:date, French dd/mm/yyyy).
func (i Info) Notified() (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02", "02/01/2006 15:04:05", "02/01/2006"} {
		if t, err := time.Parse(layout, i.DateNotification); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// WriteXML writes the report in the layout entgar infers from the
// reference, the one Parse reads first: a root named after the report's kind,
// one InformationsGenerales, then one elementsRejetes per element with the
// fields of Tableau 3 in the table's order (archive only when set).
func (r *Report) WriteXML(w io.Writer) error {
	root := errorsRoot
	if r.Kind == KindIgnored {
		root = ignoredRoot
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	start := xml.StartElement{Name: xml.Name{Local: root}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	info := []struct{ name, value string }{
		{"dateNotification", r.Info.DateNotification},
		{"moduleExpediteur", r.Info.ModuleExpediteur},
		{"fonctionDestinataire", r.Info.FonctionDestinataire},
		{"codeProjetENT", r.Info.CodeProjetENT},
		{"nomProjetENT", r.Info.NomProjetENT},
		{"degre", r.Info.Degre},
		{"nomNouvelleArchive", r.Info.NomNouvelleArchive},
		{"nomArchivePrecedente", r.Info.NomArchivePrecedente},
	}
	if err := writeObject(enc, infoElem, info); err != nil {
		return err
	}
	for _, e := range r.Elements {
		fields := make([]struct{ name, value string }, 0, 8)
		if e.Archive != "" {
			fields = append(fields, struct{ name, value string }{"archive", e.Archive})
		}
		fields = append(fields, []struct{ name, value string }{
			{"fichier", e.Fichier},
			{"ligne", strconv.Itoa(e.Ligne)},
			{"type", e.Type},
			{"operation", e.Operation},
			{"balise", e.Balise},
			{"controle", e.Controle},
			{"erreur", e.Erreur},
		}...)
		if err := writeObject(enc, elementElem, fields); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func writeObject(enc *xml.Encoder, name string, fields []struct{ name, value string }) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	for _, f := range fields {
		if err := enc.EncodeElement(f.value, xml.StartElement{Name: xml.Name{Local: f.name}}); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}
