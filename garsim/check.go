package garsim

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
)

// Analysis is what a Checker found in an archive.
type Analysis struct {
	// Rejected is set for a technical or global error (naming inside the
	// archive, missing file type, XML not conforming): the archive goes to
	// ERREUR and GAR's data stay unchanged (§5.4).
	Rejected bool
	// Errors are the elements rejected. With Rejected false and Errors not
	// empty, the archive is integrated in part: SUCCES_PARTIEL.
	Errors []results.Element
	// Ignored are the elements ignored because their functional key is
	// empty or duplicated (§5.5.5), reported in the ignored-data report
	// whatever the outcome.
	Ignored []results.Element
}

// A Checker analyses the content of an archive whose name and MD5 the
// collecte already checked. previous is the path of the last archive of the
// same degree integrated for the ENT, "" when none. An error means the
// archive could not be analysed (I/O) and is retried at the next pass; a bad
// archive is an Analysis with Rejected set, not an error.
type Checker func(ctx context.Context, archive, previous string) (*Analysis, error)

// Labels of the built-in checks, in GAR's wording where the reference gives
// one (annex §9), else in the same style.
const (
	controlArchive   = "Contrôle de conformité de l'archive"
	controlNaming    = "Contrôle de conformité du nommage"
	controlComplete  = "Contrôle d'exhaustivité des fichiers"
	controlGrammar   = "Contrôle de conformité à la XSD"
	controlMD5       = "Contrôle de conformité du MD5"
	controlUAI       = "Vérification que l'établissement GARStructureUAI existe"
	controlKeyDup    = "Clé fonctionnelle présente en plusieurs exemplaires"
	controlKeyEmpty  = "Clé fonctionnelle vide"
	operationAjout   = "Ajout"
	maxBuiltinErrors = 100000
)

// CheckArchive is garsim's basic Checker, independent of the analyser
// (garsim.checker: basic): a second opinion when the
// analyser itself is under test. It reads the archive twice, streaming:
//
//   - technical checks, any failure rejecting the archive: gzip and tar
//     readable, every member a regular file named
//     <idENT>_GAR-ENT_Complet_<stamp>_<degré>_<Type>_<NNNN>.xml with the
//     archive's idENT, stamp and degree, the five types present, every file
//     well-formed XML whose root is the type's root in the degree's
//     namespace;
//   - element checks (SUCCES_PARTIEL): an element of the Eleve, Enseignant,
//     Groupe or RespAff files whose GARStructureUAI or GARPersonEtab names an
//     establishment absent from the Etab files is rejected (annex §9,
//     "Vérification que l'établissement GARStructureUAI existe");
//   - ignored elements: a GAREleve, GAREnseignant or GAREtab whose key
//     (GARPersonIdentifiant, GARStructureUAI) is empty or already seen in
//     another sub-file of the same type.
//
// Full grammar validation and the other coherence controls are the
// analyser's (AnalyseChecker, the default).
func CheckArchive(ctx context.Context, archive, previous string) (*Analysis, error) {
	name := filepath.Base(archive)
	an, err := gar.ParseName(name)
	if err != nil || an.Kind != gar.KindArchive {
		return reject(name, "", 0, controlNaming, fmt.Sprintf("nom d'archive non conforme: %v", err)), nil
	}
	c := &checker{archive: an, name: name, etabs: map[string]bool{}, keys: map[gar.FileType]map[string]string{}}
	// Pass 1: names, completeness, well-formedness, establishments.
	if a, err := c.pass(ctx, archive, c.scanFirst); a != nil || err != nil {
		return a, err
	}
	for _, t := range gar.FileTypes {
		if !c.types[t] {
			return reject(name, "", 0, controlComplete, fmt.Sprintf("l'archive ne contient aucun fichier %s (les cinq types sont obligatoires)", t)), nil
		}
	}
	// Pass 2: references to establishments and functional keys.
	if a, err := c.pass(ctx, archive, c.scanSecond); a != nil || err != nil {
		return a, err
	}
	return &c.result, nil
}

func reject(file, typ string, line int, control, msg string) *Analysis {
	return &Analysis{Rejected: true, Errors: []results.Element{{
		Fichier: file, Ligne: line, Type: typ, Controle: control, Erreur: msg,
	}}}
}

type checker struct {
	archive gar.Name
	name    string
	types   map[gar.FileType]bool
	etabs   map[string]bool
	keys    map[gar.FileType]map[string]string // key -> file where first seen
	result  Analysis
	fatal   *Analysis // set by a visit that rejects the archive
}

// pass reads every member of the archive with scan. It returns a rejecting
// Analysis for an unreadable archive or a member scan rejects.
func (c *checker) pass(ctx context.Context, archive string, scan func(name string, n gar.Name, r io.Reader) *Analysis) (*Analysis, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", c.name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return reject(c.name, "", 0, controlArchive, fmt.Sprintf("l'archive n'est pas au format gzip: %v", err)), nil
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	c.types = map[gar.FileType]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return reject(c.name, "", 0, controlArchive, fmt.Sprintf("l'archive n'est pas un tar lisible: %v", err)), nil
		}
		if hdr.Typeflag != tar.TypeReg {
			return reject(hdr.Name, "", 0, controlArchive, "l'archive ne doit contenir que des fichiers XML"), nil
		}
		n, err := gar.ParseName(hdr.Name)
		switch {
		case err != nil:
			return reject(hdr.Name, "", 0, controlNaming, fmt.Sprintf("nom de fichier non conforme: %v", err)), nil
		case n.Kind != gar.KindXML:
			return reject(hdr.Name, "", 0, controlNaming, "l'archive ne doit contenir que des fichiers .xml"), nil
		case n.Ident != c.archive.Ident || !n.Timestamp.Equal(c.archive.Timestamp) || n.Degree != c.archive.Degree:
			return reject(hdr.Name, string(n.Type), 0, controlNaming, fmt.Sprintf("le fichier doit porter l'idENT, l'horodatage et le degré de l'archive (%s)", c.name)), nil
		}
		c.types[n.Type] = true
		if a := scan(hdr.Name, n, tr); a != nil {
			return a, nil
		}
		// Drain what scan left, so that a gzip or tar error after the
		// XML's end is still seen.
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return reject(hdr.Name, string(n.Type), 0, controlArchive, fmt.Sprintf("lecture de l'archive: %v", err)), nil
		}
	}
}

// node is one top-level element of a GAR file with the direct children the
// checks need.
type node struct {
	name  string
	line  int
	id    string   // GARPersonIdentifiant
	uai   string   // GARStructureUAI
	etabs []string // GARPersonEtab
	hasID bool
}

// walk streams one XML file, checking it is well-formed with the expected
// root, and calls visit for each top-level element.
func (c *checker) walk(name string, n gar.Name, r io.Reader, visit func(node)) *Analysis {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	depth := 0
	var cur node
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if depth != 0 {
				return reject(name, string(n.Type), 0, controlGrammar, "fin de fichier inattendue")
			}
			return nil
		}
		if err != nil {
			line := 0
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			return reject(name, string(n.Type), line, controlGrammar, fmt.Sprintf("XML mal formé: %v", err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				want := n.Type.Root()
				if t.Name.Local != want || t.Name.Space != n.Degree.Namespace() {
					line, _ := dec.InputPos()
					return reject(name, string(n.Type), line, controlGrammar,
						fmt.Sprintf("élément racine {%s}%s, attendu {%s}%s", t.Name.Space, t.Name.Local, n.Degree.Namespace(), want))
				}
			case 2:
				line, _ := dec.InputPos()
				cur = node{name: t.Name.Local, line: line}
			case 3:
				text.Reset()
			}
		case xml.CharData:
			if depth == 3 {
				text.Write(t)
			}
		case xml.EndElement:
			switch depth {
			case 3:
				v := strings.TrimSpace(text.String())
				switch t.Name.Local {
				case "GARPersonIdentifiant":
					cur.id, cur.hasID = v, true
				case "GARStructureUAI":
					cur.uai = v
				case "GARPersonEtab":
					cur.etabs = append(cur.etabs, v)
				}
			case 2:
				visit(cur)
			}
			depth--
		}
	}
}

func (c *checker) scanFirst(name string, n gar.Name, r io.Reader) *Analysis {
	return c.walk(name, n, r, func(nd node) {
		if n.Type == gar.FileEtab && nd.name == "GAREtab" && nd.uai != "" {
			c.etabs[nd.uai] = true
		}
	})
}

func (c *checker) scanSecond(name string, n gar.Name, r io.Reader) *Analysis {
	if a := c.walk(name, n, r, c.visitSecond(name, n)); a != nil {
		return a
	}
	return c.fatal
}

func (c *checker) visitSecond(name string, n gar.Name) func(node) {
	return func(nd node) {
		c.checkKey(name, n.Type, nd)
		if n.Type == gar.FileEtab {
			return
		}
		uais := nd.etabs
		if nd.uai != "" {
			uais = append(uais, nd.uai)
		}
		for _, u := range uais {
			if c.etabs[u] || len(c.result.Errors) >= maxBuiltinErrors {
				continue
			}
			who := ""
			if nd.id != "" {
				who = fmt.Sprintf(" pour l'utilisateur avec le <GARPersonIdentifiant> %s", nd.id)
			}
			c.result.Errors = append(c.result.Errors, results.Element{
				Fichier: name, Ligne: nd.line, Type: string(n.Type), Operation: operationAjout,
				Balise: nd.name, Controle: controlUAI,
				Erreur: fmt.Sprintf("Impossible de créer le <%s>%s et l'établissement <GARStructureUAI> %s car il n'existe aucun établissement avec cet UAI dans le GAR", nd.name, who, u),
			})
			break
		}
	}
}

// checkKey records the functional key of persons and establishments and
// reports the empty and duplicated ones as ignored.
func (c *checker) checkKey(file string, t gar.FileType, nd node) {
	var key, keyName string
	switch nd.name {
	case "GAREleve", "GAREnseignant":
		key, keyName = nd.id, "GARPersonIdentifiant"
	case "GAREtab":
		key, keyName = nd.uai, "GARStructureUAI"
	default:
		return
	}
	if len(c.result.Ignored) >= maxBuiltinErrors {
		return
	}
	el := results.Element{Fichier: file, Ligne: nd.line, Type: string(t), Operation: operationAjout, Balise: nd.name}
	if key == "" {
		el.Controle = controlKeyEmpty
		el.Erreur = fmt.Sprintf("Le <%s> est ignoré car son <%s> est vide", nd.name, keyName)
		c.result.Ignored = append(c.result.Ignored, el)
		return
	}
	seen := c.keys[t]
	if seen == nil {
		seen = map[string]string{}
		c.keys[t] = seen
	}
	if first, dup := seen[key]; dup && first == file && c.fatal == nil {
		// Within one file the grammar's xs:key forbids it: the XSD check
		// fails and the archive is rejected.
		c.fatal = reject(file, string(t), nd.line, controlGrammar,
			fmt.Sprintf("la clé fonctionnelle %s %s du <%s> est en double dans le fichier (xs:key)", keyName, key, nd.name))
		return
	} else if dup {
		el.Controle = controlKeyDup
		el.Erreur = fmt.Sprintf("Le <%s> avec le <%s> %s est ignoré car il est présent en plusieurs exemplaires (déjà dans %s)", nd.name, keyName, key, first)
		c.result.Ignored = append(c.result.Ignored, el)
		return
	}
	seen[key] = file
}
