package config

// Offensive configures the offensive language detector (issue 5).
type Offensive struct {
}

func (x *Offensive) applyDefaults() {}

func (x *Offensive) validate(v *validator) {}
