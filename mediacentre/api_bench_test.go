package mediacentre

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkAPI answers a user with 2 establishments of 20 resources each
// from a fetcher that answers at once: the cost of the API itself.
func BenchmarkAPI(b *testing.B) {
	var rs []Resource
	for i := range 20 {
		r := resource(PresentationCodes()[i%7], "Ressource numéro "+string(rune('A'+i)))
		r.PedagogicalTypes = []Term{{URI: "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-006", Name: "étude de cas"}}
		r.DocumentTypes = []Term{{URI: "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-005-num-024", Name: "livre numérique"}}
		rs = append(rs, r)
	}
	a := NewAPI(&fakeFetcher{resources: map[string][]Resource{"0650499P": rs, "0750001A": rs}}, nil)
	req := httptest.NewRequest("GET", "/api/v1/mediacentre/resources?user=u&uai=0650499P&uai=0750001A", nil)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		n = rec.Body.Len()
	}
	b.ReportMetric(float64(n), "bytes/answer")
}
