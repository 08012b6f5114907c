package config

// Alerts configures alerts (issue 7).
type Alerts struct {
}

func (x *Alerts) applyDefaults() {}

func (x *Alerts) validate(v *validator) {}
