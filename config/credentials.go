package config

import "fmt"

// Credentials configures the shared-password detector (issue 16, scanner
// "credentials"): a user id and password made available to others, which
// the CLT acceptable use policy forbids (2.1 g).
//
//	credentials:
//	  enabled: true                    # default true
//	  directions: [outbound, internal] # default; inbound account e-mails from suppliers are normal business
//	  min_score: 0.5                   # default 0.5
//	  systems: [CPOMS, Bromcom]        # local system names that, beside a value, make it a credential
type Credentials struct {
	// Enabled turns the detector on. Default true.
	Enabled *bool `yaml:"enabled"`
	// Directions the detector scans. Default [outbound, internal].
	Directions []string `yaml:"directions"`
	// MinScore is the lowest score reported as a finding. Default 0.5.
	MinScore float64 `yaml:"min_score"`
	// Systems are names of the trust's own systems, added to the built-in
	// ones (SIMS, Arbor, Office 365, Google, wifi ...): "CPOMS login
	// jsmith Welcome2024!" counts as a credential.
	Systems []string `yaml:"systems"`
}

// IsEnabled reports whether the detector runs (default true).
func (x *Credentials) IsEnabled() bool { return x.Enabled == nil || *x.Enabled }

func (x *Credentials) applyDefaults() {
	if x.Directions == nil {
		x.Directions = []string{"outbound", "internal"}
	}
	if x.MinScore == 0 {
		x.MinScore = 0.5
	}
}

func (x *Credentials) validate(v *validator) {
	for i, d := range x.Directions {
		if d != "inbound" && d != "outbound" && d != "internal" {
			v.errorf(fmt.Sprintf("credentials.directions.%d", i), "unknown direction %q", d)
		}
	}
	validUnitScore(v, "credentials.min_score", x.MinScore)
	validTermList(v, "credentials.systems", x.Systems)
}
