package mediacentre

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/entgar/entgar/internal/browsertest"
)

// thumbnailServer serves a 310x250 PNG at any path over HTTPS, like GAR's
// thumbnail host.
func thumbnailServer(t *testing.T) *httptest.Server {
	img := image.NewRGBA(image.Rect(0, 0, 310, 250))
	for y := range 250 {
		for x := range 310 {
			img.Set(x, y, color.RGBA{0x30, 0x60, 0x90, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(buf.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts
}

// pageState is what the browser test reads from the page.
type pageState struct {
	Lang      string
	Landmarks []string
	Groups    []string
	Links     []string
	Images    []struct {
		Alt                         string
		Complete                    bool
		NaturalWidth, NaturalHeight int
	}
	Contrasts []struct {
		What  string
		Ratio float64
	}
	Error       string
	Selected    string
	CSPViolated bool
}

const readPage = `(() => {
	const lum = (c) => {
		const m = c.match(/[\d.]+/g).map(Number);
		const ch = m.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
		return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
	};
	const bg = (el) => {
		for (; el; el = el.parentElement) {
			const c = getComputedStyle(el).backgroundColor;
			const m = c.match(/[\d.]+/g);
			if (m && (m.length < 4 || Number(m[3]) > 0)) return c;
		}
		return 'rgb(255, 255, 255)';
	};
	const contrast = (el) => {
		const a = lum(getComputedStyle(el).color), b = lum(bg(el));
		return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
	};
	const targets = ['body', 'header h1', 'header label', '.choix-etab button', '.choix-etab select', 'nav a', '.etab-courant',
		'section h2', '.ressource h3 a', '.ressource dt', '.ressource dd', '.erreur p', '.erreur h2', '.vide', 'footer p'];
	return {
		lang: document.documentElement.lang,
		landmarks: [...document.querySelectorAll('header, nav, main, footer, section[aria-labelledby]')].map(e => e.tagName.toLowerCase()),
		groups: [...document.querySelectorAll('main section')].map(s => s.dataset.code),
		links: [...document.querySelectorAll('main a[href]')].map(a => a.href),
		images: [...document.images].map(i => ({alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight})),
		contrasts: targets.flatMap(s => [...document.querySelectorAll(s)].slice(0, 1).map(e => ({what: s, ratio: contrast(e)}))),
		error: (document.getElementById('erreur') || {}).innerText || '',
		selected: (document.getElementById('etab') || {}).value || '',
		cspViolated: !!window.__cspViolated,
	};
})()`

// focusState describes the element that has the keyboard focus.
type focusState struct {
	Tag, ID, Href string
	Outline       string
	CardShadow    string
}

const readFocus = `(() => {
	const e = document.activeElement;
	const card = e.closest('.ressource');
	return {tag: e.tagName.toLowerCase(), id: e.id, href: e.href || '',
		outline: getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth,
		cardShadow: card ? getComputedStyle(card).boxShadow : ''};
})()`

func TestPageInBrowser(t *testing.T) {
	ctx := browsertest.New(t, 90*time.Second)
	thumbs := thumbnailServer(t)

	var rs []Resource
	for _, code := range []string{"ACC", "ZZZ", "PRO", "ORI", "MUL", "MAN", "DOC", "DIC"} {
		for i := range 2 {
			r := resource(code, "Titre "+code+" "+string(rune('A'+i)))
			r.ThumbnailURL = thumbs.URL + "/" + code + ".png"
			r.AccessURL = "https://gar.example/domaineGar?r=" + code + string(rune('A'+i))
			if code == "ZZZ" {
				r.Presentation.Name = "catégorie nouvelle"
			}
			rs = append(rs, r)
		}
	}
	fetch := &fakeFetcher{
		resources: map[string][]Resource{"0650499P": rs},
		errs: map[string]error{"0999999Z": &Error{Status: 400, Code: "Bad Request", Message: "Etablissement non trouvé",
			Resource: "ressources/ZZ/0999999Z/eleve1", Kind: KindUnknownEstablishment}},
	}
	site := httptest.NewServer(NewPage(fetch, "ENT de test", nil))
	defer site.Close()
	q := url.Values{"user": {"eleve1"}, "uai": {"0650499P", "0999999Z"}, "uai_name": {"Collège Jean Moulin", "Lycée Victor Hugo"}}

	if err := chromedp.Do(ctx, chromedp.Navigate(site.URL+"/mediacentre?"+q.Encode()),
		chromedp.Evaluate[chromedp.Void](`document.addEventListener('securitypolicyviolation', () => window.__cspViolated = true)`),
		chromedp.WaitVisible(chromedp.CSS("main section"))); err != nil {
		t.Fatal(err)
	}
	// The thumbnails load lazily: bring each into view, then wait for all.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(async () => { for (const i of document.images) { i.scrollIntoView(); await new Promise(r => setTimeout(r, 50)); } window.scrollTo(0, 0); })()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`[...document.images].every(i => i.complete && i.naturalWidth > 0)`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Logf("thumbnails not all loaded: %v", err)
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	if err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "mediacentre-page.png")

	if st.Lang != "fr" {
		t.Errorf("lang = %q", st.Lang)
	}
	for _, want := range []string{"header", "nav", "main", "footer", "section"} {
		if !slices.Contains(st.Landmarks, want) {
			t.Errorf("landmark %s missing: %v", want, st.Landmarks)
		}
	}
	if got, want := strings.Join(st.Groups, ","), "DIC,DOC,MAN,MUL,ORI,PRO,ACC,ZZZ"; got != want {
		t.Errorf("groups %s, want %s", got, want)
	}
	if len(st.Images) != 16 {
		t.Fatalf("%d thumbnails, want 16", len(st.Images))
	}
	for i, img := range st.Images {
		if img.Alt != DefaultAltText {
			t.Errorf("image %d alt %q, want GAR's %q", i, img.Alt, DefaultAltText)
		}
		if !img.Complete || img.NaturalWidth != 310 || img.NaturalHeight != 250 {
			t.Errorf("image %d not loaded at 310x250: %+v (blocked by the CSP?)", i, img)
		}
	}
	for _, c := range st.Contrasts {
		if c.Ratio < 4.5 {
			t.Errorf("contrast of %s is %.2f:1, below WCAG AA 4.5:1", c.What, c.Ratio)
		}
	}
	if len(st.Contrasts) < 10 {
		t.Errorf("only %d elements checked for contrast: %+v", len(st.Contrasts), st.Contrasts)
	}
	if st.CSPViolated {
		t.Error("the page violates its own Content-Security-Policy")
	}

	// Keyboard: Tab from the top reaches the skip link, the selector, its
	// button, then every resource link, each with a visible focus.
	resourceLinks := map[string]bool{}
	for _, l := range st.Links {
		if strings.HasPrefix(l, "https://gar.example/") {
			resourceLinks[l] = false
		}
	}
	if len(resourceLinks) != 16 {
		t.Fatalf("%d resource links, want 16", len(resourceLinks))
	}
	var order []string
	for range 60 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[focusState](readFocus))
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, f.Tag+"#"+f.ID)
		if _, ok := resourceLinks[f.Href]; ok {
			resourceLinks[f.Href] = true
			if !strings.HasPrefix(f.Outline, "solid") || f.CardShadow == "none" || f.CardShadow == "" {
				t.Errorf("focus on %s not visible: outline %q, card %q", f.Href, f.Outline, f.CardShadow)
			}
		}
	}
	for l, reached := range resourceLinks {
		if !reached {
			t.Errorf("link %s never reached with Tab", l)
		}
	}
	if len(order) < 3 || order[0] != "a#" || order[1] != "select#etab" || order[2] != "button#" {
		t.Errorf("tab order starts %v, want the skip link, the selector, its button", order[:min(3, len(order))])
	}

	// The selector: choose the other establishment, submit with the
	// keyboard, and see GAR's error in place.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("etab"), "0999999Z"), chromedp.Focus(chromedp.CSS(".choix-etab button"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("erreur"))); err != nil {
		t.Fatal(err)
	}
	st, err = chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	if err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "mediacentre-error.png")
	if !strings.Contains(st.Error, "Etablissement non trouvé") || !strings.Contains(st.Error, "pas encore ouvert") {
		t.Errorf("error shown: %q", st.Error)
	}
	if st.Selected != "0999999Z" || len(st.Groups) != 0 {
		t.Errorf("after choosing 0999999Z: selected %q, groups %v", st.Selected, st.Groups)
	}
	for _, c := range st.Contrasts {
		if c.Ratio < 4.5 {
			t.Errorf("error page: contrast of %s is %.2f:1", c.What, c.Ratio)
		}
	}
}

// shot keeps a full-page screenshot in test-artifacts/.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(browsertest.ArtifactDir(t, 1), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
