package mediacentre

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func pageGet(t *testing.T, p *Page, query string) (int, string, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/mediacentre?"+query, nil))
	return rec.Code, rec.Body.String(), rec
}

// pageFixture has one resource per known code, given in reverse order, an
// unknown code, one without a code, and a title to escape.
func pageFixture() *fakeFetcher {
	var rs []Resource
	codes := PresentationCodes()
	for i := len(codes) - 1; i >= 0; i-- {
		rs = append(rs, resource(codes[i], "Titre "+codes[i]))
	}
	zzz := resource("ZZZ", "Ressource inconnue")
	zzz.Presentation.Name = "écrits divers"
	none := resource("", "Sans code")
	evil := resource("MAN", `Économie <script>alert("x")</script>`)
	evil.AccessURL = "javascript:alert(1)"
	evil.LabelSource = ""
	// The label varies but the code groups: this one joins MAN.
	odd := resource("man", "Algèbre")
	odd.Presentation.Name = "Manuels (libellé différent)"
	rs = append(rs, zzz, none, evil, odd)
	return &fakeFetcher{
		resources: map[string][]Resource{"0650499P": rs, "0750001A": nil},
		errs:      map[string]error{"0999999Z": &Error{Status: 400, Code: "Bad Request", Message: "Etablissement non trouvé", Kind: KindUnknownEstablishment}},
	}
}

func TestPageGroupsAndFields(t *testing.T) {
	status, body, rec := pageGet(t, NewPage(pageFixture(), "ENT Test", nil), "user=u1&uai=0650499P")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var order []string
	for _, m := range regexp.MustCompile(`<section id="[^"]+" aria-labelledby="[^"]+" data-code="([^"]*)">`).FindAllStringSubmatch(body, -1) {
		order = append(order, m[1])
	}
	if got, want := strings.Join(order, ","), "DIC,DOC,MAN,MUL,ORI,PRO,ACC,ZZZ,"; got != want {
		t.Errorf("group order %s, want %s", got, want)
	}
	man := body[strings.Index(body, `data-code="MAN"`):strings.Index(body, `data-code="MUL"`)]
	if strings.Count(man, `<li class="ressource">`) != 3 {
		t.Errorf("MAN group should hold 3 resources (code matched case-insensitively, label ignored):\n%s", man)
	}
	// French order: Algèbre, Économie (É sorts with E), Titre MAN.
	if a, e, ti := strings.Index(man, "Algèbre"), strings.Index(man, "Économie"), strings.Index(man, "Titre MAN"); !(a < e && e < ti) {
		t.Errorf("MAN group not in French title order: %d %d %d", a, e, ti)
	}
	for _, want := range []string{
		`<h2 id="groupe-man-titre">Manuels numériques</h2>`,
		`<h2 id="groupe-x7-titre">Écrits divers</h2>`,
		`<h2 id="groupe-autres-titre">Autres ressources</h2>`,
		`<img src="https://vignette.example/DIC.png" alt="Accessible via le Gestionnaire d’accès aux ressources (GAR)" width="310" height="250"`,
		`<h3><a href="https://gar.example/domaineGar?r=DIC">Titre DIC</a></h3>`,
		`<dt>Éditeur</dt><dd>Éditions DIC</dd>`,
		`<dt>Identifiant ARK</dt><dd class="ark">ark:/99999/titre-dic</dd>`,
		`Économie &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`,
		`href="#ZgotmplZ"`,
		`<html lang="fr">`,
		`<main id="contenu"`,
		`<nav aria-label="Catégories de ressources">`,
		`<p class="ent">ENT Test</p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "javascript:") {
		t.Error("unescaped script or javascript: URL in the page")
	}
	if n, m := strings.Count(body, "<img "), strings.Count(body, `alt="Accessible via le Gestionnaire d’accès aux ressources (GAR)"`); n != 11 || m != n {
		t.Errorf("%d images, %d with GAR's alt text; want 11 each", n, m)
	}
	if strings.Contains(body, `id="etab"`) {
		t.Error("selector shown for a user with one establishment")
	}
	// The style sheet is allowed by its hash, and nothing else runs.
	style := body[strings.Index(body, "<style>")+7 : strings.Index(body, "</style>")]
	sum := sha256.Sum256([]byte(style))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q does not allow the style by its hash", csp)
	}
	for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func TestPageSelectorAndErrors(t *testing.T) {
	p := NewPage(pageFixture(), "", nil)
	q := "user=u1&uai=0650499P&uai=0999999Z&uai=0750001A&uai_name=Coll%C3%A8ge+A&uai_name=Lyc%C3%A9e+B&uai_name=%C3%89cole+C"
	_, body, _ := pageGet(t, p, q+"&etab=0999999z")
	for _, want := range []string{
		`<label for="etab">Établissement</label>`,
		`<option value="0650499P">Collège A (0650499P)</option>`,
		`<option value="0999999Z" selected>Lycée B (0999999Z)</option>`,
		`<input type="hidden" name="uai_name" value="École C">`,
		`<div class="erreur" role="alert" id="erreur">`,
		`Votre établissement n&#39;est pas encore ouvert`,
		`Message du GAR : « <span class="message-gar">Etablissement non trouvé</span> » (code : Bad Request)`,
		`Établissement : <strong>Lycée B (0999999Z)</strong>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, `class="ressource"`) {
		t.Error("resources shown for a failed establishment")
	}
	_, body, _ = pageGet(t, p, q+"&etab=0750001A")
	if !strings.Contains(body, "Aucune ressource ne vous est attribuée") {
		t.Error("empty establishment not said")
	}
	_, body, _ = pageGet(t, p, q+"&etab=0000000X")
	if !strings.Contains(body, `<option value="0650499P" selected>`) {
		t.Error("an unknown etab should fall back to the first establishment")
	}
	if status, body, _ := pageGet(t, p, "user=u1&uai=A&uai=B&uai_name=x"); status != 400 || !strings.Contains(body, "uai_name") {
		t.Errorf("mismatched uai_name: %d %s", status, body)
	}
}

func TestPageIncompleteResource(t *testing.T) {
	r := Resource{ID: "ark:/99999/x", Presentation: Term{Code: "DIC"}}
	_, body, _ := pageGet(t, NewPage(&fakeFetcher{resources: map[string][]Resource{"A": {r}}}, "", nil), "user=u&uai=A")
	for _, want := range []string{
		`<h3>Ressource sans titre</h3>`,
		`<dd>non renseigné</dd>`,
		`<dd class="ark">ark:/99999/x</dd>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<img") || strings.Contains(body, `href=""`) {
		t.Error("an image without a URL or a link without a target was written")
	}
}
