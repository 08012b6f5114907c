package metrics

import "strconv"

// Labels are the label values known at start (and after each reload). Init
// creates every series for them at zero, so that a dashboard or an alert
// sees a rate of 0 rather than no data before the first event: an absent
// series cannot be told from a broken scrape.
type Labels struct {
	Directions []string
	Actions    []string
	Categories []string
	Rules      []string
	Scanners   []string
	// Replies are the named replies the relay can give.
	Replies []ReplyLabel
	// Dependencies are the readiness checks' names.
	Dependencies []string
}

// ReplyLabel is one named reply: stage, code and reason.
type ReplyLabel struct {
	Stage  string
	Code   int
	Reason string
}

// Init creates the series for l at zero. Series already counted keep their
// values; it is safe to call again after a reload adds rules or scanners.
func Init(l Labels) {
	for _, d := range append([]string{"none"}, l.Directions...) {
		duration.WithLabelValues(d)
		for _, a := range l.Actions {
			messages.WithLabelValues(d, a)
		}
	}
	for _, c := range l.Categories {
		findings.WithLabelValues(c)
	}
	for _, r := range l.Rules {
		rulesTotal.WithLabelValues(r)
	}
	for _, s := range l.Scanners {
		scannerSeconds.WithLabelValues(s)
	}
	for _, r := range l.Replies {
		replies.WithLabelValues(r.Stage, strconv.Itoa(r.Code), r.Reason)
	}
	for _, d := range l.Dependencies {
		up.WithLabelValues(d)
	}
}
