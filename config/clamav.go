package config

import "time"

// ClamAV configures malware scanning through clamd (INSTREAM).
type ClamAV struct {
	// Address is tcp://host:port or unix:/path; empty means no AV.
	Address string `yaml:"address"`
	// Timeout is the time all of one message's streams to clamd may take.
	// Running out is a scanner failure (scan.on_error). Default 30s.
	Timeout Duration `yaml:"timeout"`
	// ConnectTimeout bounds each connection to clamd. Default 5s.
	ConnectTimeout Duration `yaml:"connect_timeout"`
	// MaxStreamBytes is the largest item streamed to clamd; set it no higher
	// than clamd's StreamMaxLength. Larger items are unscannable. Default
	// 26214400 (25 MiB, Debian's StreamMaxLength).
	MaxStreamBytes int64 `yaml:"max_stream_bytes"`
}

func (x *ClamAV) applyDefaults() {
	setDur(&x.Timeout, 30*time.Second)
	setDur(&x.ConnectTimeout, 5*time.Second)
	if x.MaxStreamBytes == 0 {
		x.MaxStreamBytes = 25 << 20
	}
}

func (x *ClamAV) validate(v *validator) {
	if x.Timeout <= 0 {
		v.errorf("clamav.timeout", "must be positive")
	}
	if x.ConnectTimeout <= 0 {
		v.errorf("clamav.connect_timeout", "must be positive")
	}
	if x.MaxStreamBytes < 1024 {
		v.errorf("clamav.max_stream_bytes", "must be at least 1024, got %d", x.MaxStreamBytes)
	}
}
