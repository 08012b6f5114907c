package config

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // tracker.time_zone must load on a bare container
)

// Tracker configures the rate tracker (Redis, or in-process without redis.url).
//
//	tracker:
//	  sender_messages_per_hour: 200        # over it: 451 4.7.1 and an alert to IT
//	  sender_recipients_per_hour: 1000
//	  client_messages_per_hour: 1000       # per client IP; trusted clients are exempt
//	  client_recipients_per_hour: 5000
//	  overrides:                           # first match wins
//	    - sender: [newsletter@trust.example]
//	      messages_per_hour: 2000
//	      recipients_per_hour: 20000
//	    - group: [office]                  # a directory role or group
//	      recipients_per_hour: 5000
//	  chain_spread_senders: 5              # distinct senders of one body fingerprint ...
//	  chain_spread_window: 24h             # ... within this window make it chain_mail
//	  on_error: allow                      # Redis down or slow: allow (default) or tempfail
//	  timeout: 500ms                       # per Redis operation
//	  time_zone: Europe/London             # the day of "violations today"
type Tracker struct {
	// SenderMessagesPerHour above which a sender gets 451 4.7.1. Default 200.
	SenderMessagesPerHour int `yaml:"sender_messages_per_hour"`
	// SenderRecipientsPerHour above which a sender gets 451 4.7.1. Default 1000.
	SenderRecipientsPerHour int `yaml:"sender_recipients_per_hour"`
	// ClientMessagesPerHour and ClientRecipientsPerHour limit each untrusted
	// client address. Trusted clients (the trust's own mail server) are
	// exempt: throttled as one sender, it would hold up the whole trust.
	// Defaults 1000 and 5000: a big provider sends from few addresses.
	ClientMessagesPerHour   int `yaml:"client_messages_per_hour"`
	ClientRecipientsPerHour int `yaml:"client_recipients_per_hour"`
	// Overrides raise or lower the sender limits for some senders or groups.
	Overrides []RateOverride `yaml:"overrides"`
	// ChainSpreadSenders distinct senders of one body fingerprint within
	// ChainSpreadWindow make it chain_mail. Default 5 in 24h.
	ChainSpreadSenders int      `yaml:"chain_spread_senders"`
	ChainSpreadWindow  Duration `yaml:"chain_spread_window"`
	// OnError is what rate limiting does when Redis is down or slow: allow
	// (default: deliver, log, count the error) or tempfail (451, the sender
	// retries). Scanning continues either way.
	OnError string `yaml:"on_error"`
	// Timeout bounds each Redis operation. Default 500ms: a dead Redis must
	// cost a message milliseconds, never the reply deadline.
	Timeout Duration `yaml:"timeout"`
	// TimeZone is where "today" and "this month" are counted. Default
	// Europe/London.
	TimeZone string `yaml:"time_zone"`
}

// RateOverride sets other sender limits for the senders or groups it names.
// A zero limit keeps the general one.
type RateOverride struct {
	Sender            []string `yaml:"sender"`
	Group             []string `yaml:"group"`
	MessagesPerHour   int      `yaml:"messages_per_hour"`
	RecipientsPerHour int      `yaml:"recipients_per_hour"`
}

// Tracker error actions.
const (
	TrackerAllow    = "allow"
	TrackerTempfail = "tempfail"
)

func (t *Tracker) applyDefaults() {
	setInt(&t.SenderMessagesPerHour, 200)
	setInt(&t.SenderRecipientsPerHour, 1000)
	setInt(&t.ClientMessagesPerHour, 1000)
	setInt(&t.ClientRecipientsPerHour, 5000)
	setInt(&t.ChainSpreadSenders, 5)
	setDur(&t.ChainSpreadWindow, 24*time.Hour)
	setDur(&t.Timeout, 500*time.Millisecond)
	if t.OnError == "" {
		t.OnError = TrackerAllow
	}
	if t.TimeZone == "" {
		t.TimeZone = "Europe/London"
	}
}

// Location returns the time zone of TimeZone (UTC if it does not load,
// which validation reports).
func (t *Tracker) Location() *time.Location {
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (t *Tracker) validate(v *validator) {
	positive(v, "tracker.sender_messages_per_hour", t.SenderMessagesPerHour)
	positive(v, "tracker.sender_recipients_per_hour", t.SenderRecipientsPerHour)
	positive(v, "tracker.client_messages_per_hour", t.ClientMessagesPerHour)
	positive(v, "tracker.client_recipients_per_hour", t.ClientRecipientsPerHour)
	if t.ChainSpreadSenders < 2 {
		v.errorf("tracker.chain_spread_senders", "must be at least 2, got %d", t.ChainSpreadSenders)
	}
	if t.ChainSpreadWindow <= 0 {
		v.errorf("tracker.chain_spread_window", "must be positive")
	}
	if t.OnError != TrackerAllow && t.OnError != TrackerTempfail {
		v.errorf("tracker.on_error", "want allow or tempfail, got %q", t.OnError)
	}
	if t.Timeout.D() < time.Millisecond || t.Timeout.D() > 10*time.Second {
		v.errorf("tracker.timeout", "must be between 1ms and 10s, got %s", t.Timeout.D())
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil {
		v.errorf("tracker.time_zone", "unknown time zone %q", t.TimeZone)
	}
	for i, o := range t.Overrides {
		key := fmt.Sprintf("tracker.overrides.%d", i)
		if len(o.Sender) == 0 && len(o.Group) == 0 {
			v.errorf(key, "needs sender or group")
		}
		for j, s := range o.Sender {
			if !strings.Contains(s, "@") {
				v.errorf(fmt.Sprintf("%s.sender.%d", key, j), "want an address, got %q", s)
			}
		}
		if len(o.Group) > 0 && !v.c.Directory.Configured() {
			v.errorf(key+".group", "groups come from the directory: set directory.file or directory.ldap")
		}
		if o.MessagesPerHour < 0 || o.RecipientsPerHour < 0 {
			v.errorf(key, "limits must not be negative")
		}
		if o.MessagesPerHour == 0 && o.RecipientsPerHour == 0 {
			v.errorf(key, "sets no limit: give messages_per_hour and/or recipients_per_hour")
		}
	}
}
