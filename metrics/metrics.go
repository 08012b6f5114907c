// Package metrics exposes Prometheus metrics and health endpoints. Labels
// hold categories, directions, actions, rule and scanner names and named
// reasons: never addresses or content. docs/metrics.md lists every series.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// latencyBuckets suit work that takes milliseconds to a minute (scanners,
// clamd, a whole message).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

var (
	registry = prometheus.NewRegistry()

	messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_messages_total", Help: "Messages by direction and action taken.",
	}, []string{"direction", "action"})
	findings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_findings_total", Help: "Messages with a finding, by category.",
	}, []string{"category"})
	rulesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_rule_matches_total", Help: "Messages by the rule that chose their action.",
	}, []string{"rule"})
	duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mailward_message_seconds", Help: "Time from the start of DATA to the final reply.",
		Buckets: latencyBuckets,
	}, []string{"direction"})
	errorsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_errors_total", Help: "Failures by place (next_hop, quarantine, scanner, tracker, alert, clamd).",
	}, []string{"place"})
	replies = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_replies_total",
		Help: "SMTP replies other than plain acceptance of a command, by stage (connect, mail, rcpt, data), code and named reason.",
	}, []string{"stage", "code", "reason"})
	sessions = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mailward_sessions_open", Help: "Client SMTP connections open now.",
	})
	scannerSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mailward_scanner_seconds", Help: "Time each scanner took per message.", Buckets: latencyBuckets,
	}, []string{"scanner"})
	clamdSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "mailward_clamd_seconds", Help: "Round trip of one clamd INSTREAM scan (answered or failed).", Buckets: latencyBuckets,
	})
	quarantineActions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_quarantine_actions_total", Help: "Quarantine actions: release (recipient copies sent), delete (messages), purge (messages whose bytes retention removed).",
	}, []string{"action"})
	buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mailward_build_info", Help: "Always 1; the labels name the running build.",
	}, []string{"version", "goversion"})
	reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_config_reloads_total", Help: "Config reloads (SIGHUP) by result.",
	}, []string{"result"})
	reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mailward_config_last_reload_successful", Help: "1 when the last reload succeeded (or none was tried), 0 when the running config is older than the file.",
	})
	reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mailward_config_last_reload_success_timestamp_seconds", Help: "When the running config was loaded (start or last good reload).",
	})
	up = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mailward_dependency_up", Help: "1 when the last readiness check reached the dependency (next_hop_inbound, next_hop_outbound, redis, clamd).",
	}, []string{"dependency"})
)

func init() {
	registry.MustRegister(messages, findings, rulesTotal, duration, errorsTotal, replies, sessions,
		scannerSeconds, clamdSeconds, quarantineGauges{}, quarantineActions, buildInfo,
		reloads, reloadOK, reloadTime, up, hopSlots{},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	reloadOK.Set(1)
	reloadTime.Set(float64(time.Now().Unix()))
	for _, p := range []string{"next_hop", "quarantine", "scanner", "tracker", "alert", "clamd"} {
		errorsTotal.WithLabelValues(p)
	}
	for _, a := range []string{"release", "delete", "purge"} {
		quarantineActions.WithLabelValues(a)
	}
	for _, r := range []string{"ok", "error"} {
		reloads.WithLabelValues(r)
	}
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

// Rule counts a message whose action rule chose.
func Rule(rule string) {
	if rule == "" {
		rule = "none"
	}
	rulesTotal.WithLabelValues(rule).Inc()
}

// Error counts a failure at place.
func Error(place string) { errorsTotal.WithLabelValues(place).Inc() }

// Reply counts one SMTP reply at stage (connect, mail, rcpt, data) with its
// code and named reason: a rate-limit 451 (rate_limit) is told apart from a
// next hop's 451 (next_hop_unavailable, next_hop_failed, next_hop).
func Reply(stage string, code int, reason string) {
	replies.WithLabelValues(stage, strconv.Itoa(code), reason).Inc()
}

// SessionOpened and SessionClosed track the open client connections.
func SessionOpened() { sessions.Inc() }

// SessionClosed ends what SessionOpened counted.
func SessionClosed() { sessions.Dec() }

// ScannerLatency records how long one scanner took on one message.
func ScannerLatency(scanner string, took time.Duration) {
	scannerSeconds.WithLabelValues(scanner).Observe(took.Seconds())
}

// ClamdLatency records one clamd scan's round trip; a failed one is also
// an error at place clamd.
func ClamdLatency(took time.Duration, err error) {
	clamdSeconds.Observe(took.Seconds())
	if err != nil {
		Error("clamd")
	}
}

// QuarantineAction counts n quarantine actions: release counts recipient
// copies sent, delete messages deleted, purge messages whose bytes
// retention removed.
func QuarantineAction(action string, n int) {
	quarantineActions.WithLabelValues(action).Add(float64(n))
}

// SetBuildInfo names the running build.
func SetBuildInfo(version string) {
	buildInfo.Reset()
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)
}

// Reloaded records a config reload's result at t.
func Reloaded(ok bool, t time.Time) {
	if ok {
		reloads.WithLabelValues("ok").Inc()
		reloadOK.Set(1)
		reloadTime.Set(float64(t.Unix()))
		return
	}
	reloads.WithLabelValues("error").Inc()
	reloadOK.Set(0)
}

var ready atomic.Bool

// SetReady marks the process ready (listening) or not (shutting down).
func SetReady(v bool) { ready.Store(v) }

// Handler serves /metrics, /healthz and /readyz (ready.go).
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", serveReady)
	return mux
}
