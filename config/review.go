package config

// Review configures the quarantine review page.
type Review struct {
	Listen string `yaml:"listen"`
}

func (x *Review) applyDefaults() {}

func (x *Review) validate(v *validator) {}
