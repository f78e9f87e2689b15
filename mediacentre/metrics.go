package mediacentre

import (
	"crypto/x509"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are a Client's Prometheus metrics, labelled with its idENT so that
// the collectors of several clients can share one registry.
type metrics struct {
	requests *prometheus.CounterVec
	retries  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	expiry   *prometheus.Desc
	leaf     *x509.Certificate
}

func newMetrics(ident string, leaf *x509.Certificate) *metrics {
	labels := prometheus.Labels{"ident": ident}
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "entgar_mediacentre_requests_total",
			Help:        "Calls to GAR's médiacentre web services, by operation and outcome (ok, a GAR error kind, timeout, network, tls, decode, too_large).",
			ConstLabels: labels,
		}, []string{"operation", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "entgar_mediacentre_retries_total",
			Help:        "Attempts repeated after a 503 answer or a network failure.",
			ConstLabels: labels,
		}, []string{"operation"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "entgar_mediacentre_request_duration_seconds",
			Help:        "Duration of calls to GAR's médiacentre web services, retries included.",
			ConstLabels: labels,
			Buckets:     []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		expiry: prometheus.NewDesc("entgar_mediacentre_client_certificate_expiry_timestamp_seconds",
			"When the client certificate presented to GAR expires (Unix time); alert on it minus time().",
			[]string{"subject", "serial"}, labels),
		leaf: leaf,
	}
}

func (m *metrics) observe(op, outcome string, d time.Duration) {
	m.requests.WithLabelValues(op, outcome).Inc()
	m.duration.WithLabelValues(op).Observe(d.Seconds())
}

func (m *metrics) retry(op string) { m.retries.WithLabelValues(op).Inc() }

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.retries.Describe(ch)
	m.duration.Describe(ch)
	ch <- m.expiry
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.retries.Collect(ch)
	m.duration.Collect(ch)
	ch <- prometheus.MustNewConstMetric(m.expiry, prometheus.GaugeValue,
		float64(m.leaf.NotAfter.Unix()), m.leaf.Subject.CommonName, m.leaf.SerialNumber.Text(16))
}

// Collector returns the client's metrics for a Prometheus registry:
// entgar_mediacentre_requests_total, entgar_mediacentre_retries_total,
// entgar_mediacentre_request_duration_seconds and
// entgar_mediacentre_client_certificate_expiry_timestamp_seconds, each
// labelled with the client's idENT. Register it once per client.
func (c *Client) Collector() prometheus.Collector { return c.metrics }
