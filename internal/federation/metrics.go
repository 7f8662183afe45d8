package federation

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the federation's Prometheus metrics, per peer (label peer: the peer's name).
type Metrics struct {
	in, out, rejected *prometheus.CounterVec
	errors            *prometheus.CounterVec
	lastSuccess       *prometheus.GaugeVec
	lag               *lagCollector
}

// NewMetrics registers the federation metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		in: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entente_federation_objects_in_total", Help: "Objects stored from a peer (new versions).",
		}, []string{"peer"}),
		out: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entente_federation_objects_out_total", Help: "Objects delivered to a peer.",
		}, []string{"peer"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entente_federation_rejected_total", Help: "Objects or requests refused: invalid objects, bad or missing signatures.",
		}, []string{"peer"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entente_federation_errors_total", Help: "Failed pull or push rounds.",
		}, []string{"peer", "direction"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "entente_federation_last_success_timestamp_seconds", Help: "When a pull or push round last succeeded.",
		}, []string{"peer", "direction"}),
		lag: &lagCollector{desc: prometheus.NewDesc("entente_federation_lag_seconds",
			"How long a direction of a peer's exchange has been behind; 0 while it keeps up.", []string{"peer", "direction"}, nil)},
	}
	reg.MustRegister(m.in, m.out, m.rejected, m.errors, m.lastSuccess, m.lag)
	return m
}

// moved counts objects that moved. A nil *Metrics records nothing.
func (m *Metrics) moved(peer string, in, out, rejected int64) {
	if m == nil {
		return
	}
	m.in.WithLabelValues(peer).Add(float64(in))
	m.out.WithLabelValues(peer).Add(float64(out))
	m.rejected.WithLabelValues(peer).Add(float64(rejected))
}

// round records the end of a round.
func (m *Metrics) round(peer, direction string, err error, at time.Time) {
	if m == nil {
		return
	}
	if err != nil {
		m.errors.WithLabelValues(peer, direction).Inc()
	} else {
		m.lastSuccess.WithLabelValues(peer, direction).Set(float64(at.UnixNano()) / 1e9)
	}
}

func (m *Metrics) refused(peer string) {
	if m != nil {
		m.rejected.WithLabelValues(peer).Inc()
	}
}

// forget drops the series of a removed peer.
func (m *Metrics) forget(peer string) {
	if m == nil {
		return
	}
	for _, v := range []*prometheus.CounterVec{m.in, m.out, m.rejected} {
		v.DeleteLabelValues(peer)
	}
	m.errors.DeletePartialMatch(prometheus.Labels{"peer": peer})
	m.lastSuccess.DeletePartialMatch(prometheus.Labels{"peer": peer})
}

// lagCollector reports each running direction's lag at the moment of the scrape.
type lagCollector struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	f    func() []lagSample // set by the Federation that runs the workers
}

func (c *lagCollector) set(f func() []lagSample) {
	c.mu.Lock()
	c.f = f
	c.mu.Unlock()
}

type lagSample struct {
	peer, direction string
	lag             time.Duration
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	f := c.f
	c.mu.Unlock()
	if f == nil {
		return
	}
	for _, s := range f() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, s.lag.Seconds(), s.peer, s.direction)
	}
}
