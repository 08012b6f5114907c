package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Slots is how many of a next hop's sessions (next_hop.max_sessions) are
// in use.
type Slots struct {
	Direction  string // inbound or outbound
	InUse, Max int
}

// slotSource reads the current next hops' slots at each scrape (a reload
// may replace the hops).
var slotSource atomic.Pointer[func() []Slots]

// SetSlotSource installs the function that reports next-hop slots.
func SetSlotSource(f func() []Slots) { slotSource.Store(&f) }

var (
	slotsInUse = prometheus.NewDesc("mailward_next_hop_sessions", "Next-hop sessions in use now, by direction.", []string{"direction"}, nil)
	slotsMax   = prometheus.NewDesc("mailward_next_hop_max_sessions", "Next-hop session limit (next_hop.max_sessions), by direction.", []string{"direction"}, nil)
)

// hopSlots collects the slot gauges from slotSource; before serve installs
// one it reports zero for both directions, so the series exist from start.
type hopSlots struct{}

func (hopSlots) Describe(ch chan<- *prometheus.Desc) {
	ch <- slotsInUse
	ch <- slotsMax
}

func (hopSlots) Collect(ch chan<- prometheus.Metric) {
	slots := []Slots{{Direction: "inbound"}, {Direction: "outbound"}}
	if f := slotSource.Load(); f != nil {
		slots = (*f)()
	}
	for _, s := range slots {
		ch <- prometheus.MustNewConstMetric(slotsInUse, prometheus.GaugeValue, float64(s.InUse), s.Direction)
		ch <- prometheus.MustNewConstMetric(slotsMax, prometheus.GaugeValue, float64(s.Max), s.Direction)
	}
}
