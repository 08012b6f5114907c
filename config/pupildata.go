package config

// PupilData configures the pupil data detector (issue 4).
type PupilData struct {
}

func (x *PupilData) applyDefaults() {}

func (x *PupilData) validate(v *validator) {}
