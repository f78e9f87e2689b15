package mediacentre

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkPage renders the page of a user with 40 resources, from a
// fetcher that answers at once: the cost of the page itself.
func BenchmarkPage(b *testing.B) {
	var rs []Resource
	for i := range 40 {
		rs = append(rs, resource(PresentationCodes()[i%7], "Ressource numéro "+string(rune('A'+i))))
	}
	p := NewPage(&fakeFetcher{resources: map[string][]Resource{"0650499P": rs}}, "ENT", nil)
	req := httptest.NewRequest("GET", "/mediacentre?user=u&uai=0650499P&uai=0750001A", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
