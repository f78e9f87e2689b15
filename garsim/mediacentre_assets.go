package garsim

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
)

// serveThumbnail answers a catalogue item's thumbnail: a 310x250 PNG (the
// size GAR's thumbnails have, §7.2.2) in a colour derived from its id, with
// a corner badge standing for GAR's "pastille". Thumbnails need no client
// certificate: browsers load them, as from GAR's thumbnail host.
func (m *Mediacentre) serveThumbnail(w http.ResponseWriter, r *http.Request, id string) {
	found := false
	for _, it := range m.catalog {
		if it.id == id {
			found = true
			break
		}
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	sum := h.Sum32()
	bg := color.RGBA{uint8(sum), uint8(sum >> 8), uint8(sum >> 16), 255}
	img := image.NewRGBA(image.Rect(0, 0, 310, 250))
	for y := range 250 {
		for x := range 310 {
			c := bg
			if x >= 250 && y < 60 { // the badge
				c = color.RGBA{0, 0, 145, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
}

var redirectorPage = template.Must(template.New("r").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>garsim : accès à une ressource</title></head>
<body><h1>Ressource simulée</h1>
<p>Le simulateur GAR aurait ici authentifié l'utilisateur (SSO) puis ouvert la ressource demandée.</p>
<dl><dt>idENT</dt><dd>{{.Ident}}</dd><dt>idEtab</dt><dd>{{.Etab}}</dd><dt>idSrc</dt><dd>{{.Src}}</dd></dl>
</body></html>
`))

// serveRedirector stands for GAR's resource redirector (urlAccesRessource):
// a page naming what was asked, since the SSO is simulated elsewhere.
func (m *Mediacentre) serveRedirector(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := redirectorPage.Execute(w, map[string]string{
		"Ident": q.Get("idENT"), "Etab": q.Get("idEtab"), "Src": q.Get("idSrc"),
	}); err != nil {
		http.Error(w, fmt.Sprint(err), http.StatusInternalServerError)
	}
}
