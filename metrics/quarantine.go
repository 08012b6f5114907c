package metrics

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QuarantineStats are what the quarantine gauges show.
type QuarantineStats struct {
	Held   int           // messages with status held
	Oldest time.Duration // age of the oldest held message; 0 when none
}

// quarantineTTL is how long one reading of the quarantine serves scrapes:
// reading it means reading every record, so scrapes never do it more often.
const quarantineTTL = 10 * time.Second

var (
	quarantineSource atomic.Pointer[func(context.Context) (QuarantineStats, error)]
	quarantineMu     sync.Mutex
	quarantineAt     time.Time
	quarantineLast   QuarantineStats

	quarantineHeld   = prometheus.NewDesc("mailward_quarantine_held", "Messages held in the quarantine now (status held).", nil, nil)
	quarantineOldest = prometheus.NewDesc("mailward_quarantine_oldest_seconds", "Age of the oldest held message; 0 when none is held.", nil, nil)
)

// SetQuarantineSource installs the function that reads the quarantine;
// until then both gauges are 0.
func SetQuarantineSource(f func(context.Context) (QuarantineStats, error)) {
	quarantineSource.Store(&f)
	quarantineMu.Lock()
	quarantineAt = time.Time{}
	quarantineMu.Unlock()
}

// quarantineGauges reads the quarantine at scrape time, at most once per
// quarantineTTL; a failed reading counts an error and keeps the last one.
type quarantineGauges struct{}

func (quarantineGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- quarantineHeld
	ch <- quarantineOldest
}

func (quarantineGauges) Collect(ch chan<- prometheus.Metric) {
	quarantineMu.Lock()
	if f := quarantineSource.Load(); f != nil && time.Since(quarantineAt) >= quarantineTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := (*f)(ctx)
		cancel()
		if err != nil {
			Error("quarantine")
		} else {
			quarantineLast = st
		}
		quarantineAt = time.Now()
	}
	st := quarantineLast
	quarantineMu.Unlock()
	ch <- prometheus.MustNewConstMetric(quarantineHeld, prometheus.GaugeValue, float64(st.Held))
	ch <- prometheus.MustNewConstMetric(quarantineOldest, prometheus.GaugeValue, st.Oldest.Seconds())
}
