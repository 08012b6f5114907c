package config

// Directory configures the staff directory (issue 7).
type Directory struct {
}

func (x *Directory) applyDefaults() {}

func (x *Directory) validate(v *validator) {}
