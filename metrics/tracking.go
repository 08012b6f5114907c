package metrics

import "github.com/prometheus/client_golang/prometheus"

// Message tracking (package msglog): what happened to each message's
// metadata record on its way to the store. A record is never written on the
// SMTP reply path, so a slow or failing store shows up here and in the log,
// never as a delayed or refused message.
var (
	trackingRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mailward_tracking_records_total",
		Help: "Message tracking records by result: written, dropped (queue full), failed (store error).",
	}, []string{"result"})
	trackingQueue = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mailward_tracking_queue", Help: "Message tracking records waiting to be written.",
	})
)

func init() {
	registry.MustRegister(trackingRecords, trackingQueue)
	for _, r := range []string{"written", "dropped", "failed"} {
		trackingRecords.WithLabelValues(r)
	}
	errorsTotal.WithLabelValues("tracking")
}

// TrackingRecords counts n tracking records with result written, dropped
// or failed.
func TrackingRecords(result string, n int) { trackingRecords.WithLabelValues(result).Add(float64(n)) }

// SetTrackingQueue sets the number of tracking records waiting.
func SetTrackingQueue(n int) { trackingQueue.Set(float64(n)) }
