package config

import "time"

// Extract bounds content extraction (issue 3): how deep, how much and how
// long one message may be unpacked. Hitting a limit makes the message
// unscannable (the default rules quarantine it); none of these may be zero.
type Extract struct {
	// MaxDepth is how deep items may nest below a top-level attachment (a
	// zip in a zip in a forwarded message). Default 5.
	MaxDepth int `yaml:"max_depth"`
	// MaxEntries is the most entries read from one archive. Default 1000.
	MaxEntries int `yaml:"max_entries"`
	// MaxParts is the most MIME parts in a message, forwarded messages
	// included. Default 1000.
	MaxParts int `yaml:"max_parts"`
	// MaxBytes is the most bytes extracted from one message in total
	// (decoded attachments, unpacked entries, extracted text). Default
	// 104857600 (100 MiB): with a 25 MB message this keeps peak memory near
	// four times the message.
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxRatio is the most an archive may expand relative to its own size,
	// for archives expanding beyond 1 MiB (zip bombs). Default 100.
	MaxRatio int64 `yaml:"max_ratio"`
	// MaxTextBytes is the most text kept from one item. Default 4194304 (4 MiB).
	MaxTextBytes int `yaml:"max_text_bytes"`
	// Budget is the time extraction of one message may take. Default 20s,
	// inside the 60s scan budget.
	Budget Duration `yaml:"budget"`
}

func (x *Extract) applyDefaults() {
	setInt(&x.MaxDepth, 5)
	setInt(&x.MaxEntries, 1000)
	setInt(&x.MaxParts, 1000)
	if x.MaxBytes == 0 {
		x.MaxBytes = 100 << 20
	}
	if x.MaxRatio == 0 {
		x.MaxRatio = 100
	}
	setInt(&x.MaxTextBytes, 4<<20)
	setDur(&x.Budget, 20*time.Second)
}

func (x *Extract) validate(v *validator) {
	positive(v, "extract.max_depth", x.MaxDepth)
	positive(v, "extract.max_entries", x.MaxEntries)
	positive(v, "extract.max_parts", x.MaxParts)
	positive(v, "extract.max_text_bytes", x.MaxTextBytes)
	if x.MaxDepth > 50 {
		v.errorf("extract.max_depth", "must be at most 50, got %d", x.MaxDepth)
	}
	if x.MaxBytes < 1<<20 {
		v.errorf("extract.max_bytes", "must be at least 1048576, got %d", x.MaxBytes)
	}
	if x.MaxRatio < 2 {
		v.errorf("extract.max_ratio", "must be at least 2, got %d", x.MaxRatio)
	}
	if x.Budget <= 0 {
		v.errorf("extract.budget", "must be positive")
	}
}
