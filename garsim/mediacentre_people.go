package garsim

import (
	"archive/tar"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/entgar/entgar/gar"
)

// Person is someone listeRessources knows: a GARPersonIdentifiant with a
// profile in each of their establishments.
type Person struct {
	// ID is the GARPersonIdentifiant.
	ID string
	// Profiles maps each establishment's UAI (upper case) to the person's
	// profile there (National_elv, National_ens, ...).
	Profiles map[string]string
}

// people is what the médiacentre side knows of one idENT: its
// establishments and, in each, its persons and their profile.
type people struct {
	// etabs maps a UAI to its persons (GARPersonIdentifiant -> profile).
	etabs map[string]map[string]string
	// archives are the archives read, for logs.
	archives []string
}

func newPeople() *people { return &people{etabs: make(map[string]map[string]string)} }

func (p *people) addEtab(uai string) map[string]string {
	uai = strings.ToUpper(strings.TrimSpace(uai))
	m := p.etabs[uai]
	if m == nil {
		m = make(map[string]string)
		p.etabs[uai] = m
	}
	return m
}

func (p *people) add(person Person) {
	for uai, profile := range person.Profiles {
		p.addEtab(uai)[person.ID] = profile
	}
}

// integratedFolders are where GAR's collecte moves the archives it
// integrated (§5.2): their persons are the ones listeRessources knows.
var integratedFolders = [...]string{"SUCCES", "SUCCES_PARTIEL"}

// latestIntegrated returns, for each degree, the path of the most recent
// archive of ident in SUCCES/{ident} or SUCCES_PARTIEL/{ident} under root,
// the state GAR's directory is in after its last import.
func latestIntegrated(root, ident string) ([]string, error) {
	best := map[gar.Degree]gar.Name{}
	paths := map[gar.Degree]string{}
	for _, folder := range integratedFolders {
		dir := filepath.Join(root, folder, ident)
		entries, err := os.ReadDir(dir)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read integrated archives: %w", err)
		}
		for _, e := range entries {
			n, err := gar.ParseName(e.Name())
			if err != nil || n.Kind != gar.KindArchive || n.Ident != ident || e.IsDir() {
				continue
			}
			if b, ok := best[n.Degree]; !ok || n.Timestamp.After(b.Timestamp) {
				best[n.Degree] = n
				paths[n.Degree] = filepath.Join(dir, e.Name())
			}
		}
	}
	var out []string
	for _, d := range []gar.Degree{gar.D1, gar.D2} {
		if p, ok := paths[d]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// readArchive adds to p the establishments (Etab files) and the pupils and
// teachers (Eleve and Enseignant files) of one export archive, streaming:
// only identifiers, profiles and UAIs are kept.
func (p *people) readArchive(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		n, err := gar.ParseName(filepath.Base(h.Name))
		if err != nil || n.Kind != gar.KindXML {
			continue
		}
		switch n.Type {
		case gar.FileEtab, gar.FileEleve, gar.FileEnseignant:
			if err := p.readXML(tr, n.Type); err != nil {
				return fmt.Errorf("%s: %s: %w", path, h.Name, err)
			}
		}
	}
	p.archives = append(p.archives, filepath.Base(path))
	return nil
}

// readXML reads the GAREtab, GAREleve or GAREnseignant elements of one file.
func (p *people) readXML(r io.Reader, t gar.FileType) error {
	dec := xml.NewDecoder(r)
	var (
		depth    int
		inPerson bool
		person   Person
		etabs    []string
		profile  [2]string // UAI and profile of the GARPersonProfils being read
		text     strings.Builder
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			name := tk.Name.Local
			switch {
			case depth == 2 && t == gar.FileEtab && name == "GAREtab":
				inPerson = true
			case depth == 2 && (name == "GAREleve" || name == "GAREnseignant"):
				inPerson = true
				person = Person{Profiles: map[string]string{}}
				etabs = etabs[:0]
			case inPerson && name == "GARPersonProfils":
				profile = [2]string{}
			}
			text.Reset()
		case xml.CharData:
			if inPerson {
				text.Write(tk)
			}
		case xml.EndElement:
			name := tk.Name.Local
			v := strings.TrimSpace(text.String())
			text.Reset()
			switch {
			case !inPerson:
			case depth == 2 && name == "GAREtab":
				inPerson = false
			case depth == 2:
				inPerson = false
				for _, uai := range etabs {
					uai = strings.ToUpper(uai)
					if _, ok := person.Profiles[uai]; !ok {
						person.Profiles[uai] = defaultProfile(name)
					}
				}
				if person.ID != "" {
					p.add(person)
				}
			case t == gar.FileEtab && name == "GARStructureUAI" && depth == 3:
				p.addEtab(v)
			case name == "GARPersonIdentifiant" && depth == 3:
				person.ID = v
			case name == "GARPersonEtab" && depth == 3:
				etabs = append(etabs, v)
			case name == "GARStructureUAI" && depth == 4:
				profile[0] = strings.ToUpper(v)
			case name == "GARPersonProfil" && depth == 4:
				profile[1] = v
			case name == "GARPersonProfils" && depth == 3:
				if profile[0] != "" {
					person.Profiles[profile[0]] = profile[1]
				}
			}
			depth--
		}
	}
}

func defaultProfile(elem string) string {
	if elem == "GAREleve" {
		return string(gar.ProfilePupil)
	}
	return string(gar.ProfileTeacher)
}
