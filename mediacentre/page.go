package mediacentre

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

var (
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS string

	pageTemplate = template.Must(template.New("page").Parse(pageHTML))
	// pageCSP allows the embedded style sheet by its hash, GAR's
	// thumbnails (https), and the establishment form to this page only.
	pageCSP = fmt.Sprintf("default-src 'none'; style-src 'sha256-%s'; img-src https:; form-action 'self'; base-uri 'none'",
		base64.StdEncoding.EncodeToString(sha256Sum(pageCSS)))
)

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// DefaultAltText is GAR's fixed nomSourceEtiquetteGar, the alternative
// text of the thumbnails (reference §7.3), used when an étiquette lacks it.
const DefaultAltText = "Accessible via le Gestionnaire d’accès aux ressources (GAR)"

// Page is the HTML médiacentre, in French: the resources of a user in one
// of their establishments, grouped by presentation code in the order of
// PresentationCodes (DIC, DOC, MAN, MUL, ORI, PRO, ACC), then the groups
// of codes the reference does not list, in code order, then resources
// without a code. Within a group, resources are sorted by title in French
// order. A user with several establishments picks one with a selector;
// when GAR fails for it, the page says so in place of the list, with GAR's
// own message.
//
// Parameters: user (the GARPersonIdentifiant), uai (repeated, one per
// establishment of the user, in the order the selector lists them),
// uai_name (optional, repeated, the establishments' names in the same
// order) and etab (the establishment shown; the first uai by default).
type Page struct {
	fetch   Fetcher
	entName string
	log     *slog.Logger
}

// NewPage returns the page answering from fetch, headed with entName (the
// ENT's name, may be empty). log may be nil to discard.
func NewPage(fetch Fetcher, entName string, log *slog.Logger) *Page {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Page{fetch: fetch, entName: entName, log: log}
}

type pageData struct {
	CSS            template.CSS
	ENTName        string
	User           string
	HasNames       bool
	Establishments []pageEstablishment
	Current        pageEstablishment
	Groups         []pageGroup
	Error          *pageError
	Empty          bool
}

type pageEstablishment struct {
	UAI, Name, Label string
	Selected         bool
}

type pageGroup struct {
	Code, ID, Label string
	Resources       []pageResource
}

type pageResource struct {
	Title, URL, Thumb, Alt, ARK, Publisher string
}

type pageError struct {
	UserMessage, GARMessage, Code string
}

// ServeHTTP implements http.Handler.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q, err := parseQuery(v, true)
	if err != nil {
		http.Error(w, "Requête invalide : "+err.Error(), http.StatusBadRequest)
		return
	}
	d := pageData{CSS: template.CSS(pageCSS), ENTName: p.entName, User: q.user, HasNames: q.names != nil}
	current := strings.ToUpper(strings.TrimSpace(v.Get("etab")))
	if !slices.Contains(q.uais, current) {
		current = q.uais[0]
	}
	for _, u := range q.uais {
		e := pageEstablishment{UAI: u, Name: q.names[u], Label: u, Selected: u == current}
		if e.Name != "" {
			e.Label = e.Name + " (" + u + ")"
		}
		d.Establishments = append(d.Establishments, e)
		if e.Selected {
			d.Current = e
		}
	}

	results := p.fetch.ResourcesByEstablishment(r.Context(), q.user, []string{current})
	if len(results) != 1 {
		p.log.Error("médiacentre page: the fetcher returned no result", "uai", current)
		http.Error(w, "Erreur interne", http.StatusInternalServerError)
		return
	}
	res := results[0]
	if res.Err != nil {
		d.Error = &pageError{UserMessage: UserMessage(res.Err)}
		var ge *Error
		if errors.As(res.Err, &ge) {
			d.Error.GARMessage, d.Error.Code = ge.Message, ge.Code
		}
		p.log.LogAttrs(r.Context(), failureLevel(res.Err), "médiacentre page: establishment failed",
			slog.String("uai", current), slog.String("err", res.Err.Error()))
	} else {
		d.Groups = groupResources(res.Resources)
		d.Empty = len(d.Groups) == 0
	}

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		p.log.Error("médiacentre page: render", "err", err)
		http.Error(w, "Erreur interne", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// The page's URL holds the user's identifier: never send it to GAR's
	// thumbnail server or to a resource.
	h.Set("Referrer-Policy", "no-referrer")
	w.Write(buf.Bytes())
}

// groupResources groups rs by presentation code: the reference's codes in
// their order, then other codes in code order, then resources without a
// code under "Autres ressources".
func groupResources(rs []Resource) []pageGroup {
	byCode := make(map[string][]Resource)
	for _, r := range rs {
		code := strings.ToUpper(strings.TrimSpace(r.Presentation.Code))
		byCode[code] = append(byCode[code], r)
	}
	known := PresentationCodes()
	var others []string
	for code := range byCode {
		if code != "" && !slices.Contains(known, code) {
			others = append(others, code)
		}
	}
	slices.Sort(others)
	order := append(append(known, others...), "")

	col := collate.New(language.French, collate.IgnoreCase)
	var groups []pageGroup
	for i, code := range order {
		list := byCode[code]
		if len(list) == 0 {
			continue
		}
		g := pageGroup{Code: code, Label: PresentationLabel(code), ID: "groupe-" + strings.ToLower(code)}
		switch {
		case code == "":
			g.Label, g.ID = "Autres ressources", "groupe-autres"
		case g.Label == "":
			// A code the reference does not list: GAR's own label, and an
			// id that cannot clash with the reference's codes.
			g.Label = firstLabel(list, code)
			g.ID = fmt.Sprintf("groupe-x%d", i)
		}
		for _, r := range list {
			alt := r.LabelSource
			if alt == "" {
				alt = DefaultAltText
			}
			title := strings.TrimSpace(r.Name)
			if title == "" {
				// A link needs a name: never an empty one.
				title = "Ressource sans titre"
			}
			g.Resources = append(g.Resources, pageResource{
				Title: title, URL: r.AccessURL, Thumb: r.ThumbnailURL, Alt: alt,
				ARK: r.ID, Publisher: r.PublisherName,
			})
		}
		slices.SortStableFunc(g.Resources, func(a, b pageResource) int {
			return col.CompareString(a.Title, b.Title)
		})
		groups = append(groups, g)
	}
	return groups
}

// firstLabel returns the first non-empty label GAR gave for code, or the
// code itself.
func firstLabel(rs []Resource, code string) string {
	for _, r := range rs {
		if n := strings.TrimSpace(r.Presentation.Name); n != "" {
			first, size := utf8.DecodeRuneInString(n)
			return string(unicode.ToUpper(first)) + n[size:]
		}
	}
	return "Ressources " + code
}
