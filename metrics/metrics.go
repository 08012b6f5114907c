// Package metrics exposes Prometheus metrics and health endpoints. Labels
// hold categories, directions and actions: never addresses or content.
package metrics

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	registry = prometheus.NewRegistry()

	messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_messages_total", Help: "Messages by direction and action taken.",
	}, []string{"direction", "action"})
	findings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_findings_total", Help: "Findings by category.",
	}, []string{"category"})
	duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mailward_message_seconds", Help: "Time from end of data to the final reply.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"direction"})
	errorsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_errors_total", Help: "Failures by place (next_hop, quarantine, scanner, tracker).",
	}, []string{"place"})
)

func init() {
	registry.MustRegister(messages, findings, duration, errorsTotal,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
}

// Message records one message's outcome.
func Message(direction, action string, categories []string, took time.Duration) {
	if direction == "" {
		direction = "none"
	}
	messages.WithLabelValues(direction, action).Inc()
	for _, c := range categories {
		findings.WithLabelValues(c).Inc()
	}
	duration.WithLabelValues(direction).Observe(took.Seconds())
}

// Error counts a failure at place.
func Error(place string) { errorsTotal.WithLabelValues(place).Inc() }

var ready atomic.Bool

// SetReady marks the process ready (listening) or not (shutting down).
func SetReady(v bool) { ready.Store(v) }

// Handler serves /metrics, /healthz and /readyz.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}
