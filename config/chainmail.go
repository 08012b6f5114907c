package config

// ChainMail configures the chain mail detector (issue 5).
type ChainMail struct {
}

func (x *ChainMail) applyDefaults() {}

func (x *ChainMail) validate(v *validator) {}
