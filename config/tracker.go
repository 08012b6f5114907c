package config

import "time"

// Tracker configures the rate tracker (Redis, or in-process without redis.url).
type Tracker struct {
	// SenderMessagesPerHour above which a sender gets 451 4.7.1. Default 200.
	SenderMessagesPerHour int `yaml:"sender_messages_per_hour"`
	// SenderRecipientsPerHour above which a sender gets 451 4.7.1. Default 1000.
	SenderRecipientsPerHour int `yaml:"sender_recipients_per_hour"`
	// ChainSpreadSenders distinct senders of one body fingerprint within
	// ChainSpreadWindow make it chain_mail. Default 5 in 24h.
	ChainSpreadSenders int      `yaml:"chain_spread_senders"`
	ChainSpreadWindow  Duration `yaml:"chain_spread_window"`
}

func (t *Tracker) applyDefaults() {
	setInt(&t.SenderMessagesPerHour, 200)
	setInt(&t.SenderRecipientsPerHour, 1000)
	setInt(&t.ChainSpreadSenders, 5)
	setDur(&t.ChainSpreadWindow, 24*time.Hour)
}

func (t *Tracker) validate(v *validator) {
	positive(v, "tracker.sender_messages_per_hour", t.SenderMessagesPerHour)
	positive(v, "tracker.sender_recipients_per_hour", t.SenderRecipientsPerHour)
	if t.ChainSpreadSenders < 2 {
		v.errorf("tracker.chain_spread_senders", "must be at least 2, got %d", t.ChainSpreadSenders)
	}
	if t.ChainSpreadWindow <= 0 {
		v.errorf("tracker.chain_spread_window", "must be positive")
	}
}
