package config

// Extract configures extraction limits (issue 3).
type Extract struct {
}

func (x *Extract) applyDefaults() {}

func (x *Extract) validate(v *validator) {}
