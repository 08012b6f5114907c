package config

// ClamAV configures malware scanning through clamd.
type ClamAV struct {
	// Address is tcp://host:port or unix:/path; empty means no AV.
	Address string `yaml:"address"`
}

func (x *ClamAV) applyDefaults() {}

func (x *ClamAV) validate(v *validator) {}
