package config

import (
	"fmt"
	"strings"
)

// PupilData configures the pupil data detector (issue 4, scanner
// "pupildata"): unencrypted pupil personal data leaving the trust.
//
//	pupil_data:
//	  enabled: true                 # default true
//	  directions: [outbound]        # default [outbound]; add internal to scan mail inside the trust
//	  min_score: 0.5                # findings scoring below are not reported; default 0.5
//	  min_identifiers: 3            # validated UPN/ULN/NHS/NI numbers in one place that make "bulk"; default 3
//	  min_table_rows: 3             # pupil rows that make a table a pupil list; default 3
//	  keyword_window: 300           # characters either side of an identifier searched for its keyword; default 300
//	  dob_min_age: 2                # a date of birth is "of school age" between these ages; default 2 ...
//	  dob_max_age: 19               # ... and 19
//	  allowed_destinations:         # addresses or domains ("*.police.uk" for subdomains) that raise no finding
//	    - mash@county.gov.uk
//	    - nhs.net
//	  require_tls: false            # allowed destinations count only when the next hop is verified TLS
type PupilData struct {
	// Enabled turns the detector on. Default true.
	Enabled *bool `yaml:"enabled"`
	// Directions the detector scans. Default [outbound]: mail between the
	// trust's own mailboxes is not a finding unless "internal" is listed.
	Directions []string `yaml:"directions"`
	// MinScore is the lowest score reported as a finding. Default 0.5.
	MinScore float64 `yaml:"min_score"`
	// MinIdentifiers is how many validated identifiers in one place (the
	// body, or one attachment) make a finding by themselves. Fewer count
	// only beside special-category content or dates of birth. Default 3.
	MinIdentifiers int `yaml:"min_identifiers"`
	// MinTableRows is how many pupil rows make a table a pupil list. Default 3.
	MinTableRows int `yaml:"min_table_rows"`
	// KeywordWindow is how many characters either side of a candidate are
	// searched for its keyword ("UPN", "NHS number", "DOB"), like Purview's
	// 300. Ten-digit numbers and NI numbers count only with their keyword.
	// Default 300.
	KeywordWindow int `yaml:"keyword_window"`
	// DOBMinAge and DOBMaxAge bound a date of birth of school age, in whole
	// years at scan time. Defaults 2 and 19.
	DOBMinAge int `yaml:"dob_min_age"`
	DOBMaxAge int `yaml:"dob_max_age"`
	// AllowedDestinations are lawful recipients (the local authority's
	// safeguarding hub, the NHS, the police): full addresses, domains
	// ("nhs.net", exact match) or "*.police.uk" for any subdomain. Mail
	// whose recipients are all allowed raises no finding: holding a
	// safeguarding referral is itself a harm. Compared after lowercasing
	// and IDNA conversion, never by suffix.
	AllowedDestinations []string `yaml:"allowed_destinations"`
	// RequireTLS makes AllowedDestinations count only when the session to
	// the next hop runs over TLS with a verified certificate. Default false.
	RequireTLS bool `yaml:"require_tls"`
}

// IsEnabled reports whether the detector runs (default true).
func (x *PupilData) IsEnabled() bool { return x.Enabled == nil || *x.Enabled }

func (x *PupilData) applyDefaults() {
	if x.Enabled == nil {
		t := true
		x.Enabled = &t
	}
	if x.Directions == nil {
		x.Directions = []string{"outbound"}
	}
	if x.MinScore == 0 {
		x.MinScore = 0.5
	}
	setInt(&x.MinIdentifiers, 3)
	setInt(&x.MinTableRows, 3)
	setInt(&x.KeywordWindow, 300)
	setInt(&x.DOBMinAge, 2)
	setInt(&x.DOBMaxAge, 19)
}

func (x *PupilData) validate(v *validator) {
	for i, d := range x.Directions {
		if d != "inbound" && d != "outbound" && d != "internal" {
			v.errorf(fmt.Sprintf("pupil_data.directions.%d", i), "unknown direction %q", d)
		}
	}
	if x.MinScore <= 0 || x.MinScore > 1 {
		v.errorf("pupil_data.min_score", "must be above 0 and at most 1, got %v", x.MinScore)
	}
	positive(v, "pupil_data.min_identifiers", x.MinIdentifiers)
	positive(v, "pupil_data.min_table_rows", x.MinTableRows)
	if x.KeywordWindow < 20 || x.KeywordWindow > 5000 {
		v.errorf("pupil_data.keyword_window", "must be between 20 and 5000 characters, got %d", x.KeywordWindow)
	}
	if x.DOBMinAge < 0 || x.DOBMaxAge > 30 || x.DOBMinAge >= x.DOBMaxAge {
		v.errorf("pupil_data.dob_min_age", "want 0 <= dob_min_age < dob_max_age <= 30, got %d and %d", x.DOBMinAge, x.DOBMaxAge)
	}
	for i, d := range x.AllowedDestinations {
		if _, err := ParseDestination(d); err != nil {
			v.errorf(fmt.Sprintf("pupil_data.allowed_destinations.%d", i), "%v", err)
		}
	}
}

// Destination is one parsed entry of pupil_data.allowed_destinations.
type Destination struct {
	// Address is a full lowercased address with an IDNA domain, or empty.
	Address string
	// Domain is the normalised domain (of the address, or the entry itself).
	Domain string
	// Wildcard is set for "*.domain": any subdomain, not the domain itself.
	Wildcard bool
}

// ParseDestination parses an address ("mash@county.gov.uk"), a domain
// ("nhs.net") or a wildcard ("*.police.uk").
func ParseDestination(s string) (Destination, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Destination{}, fmt.Errorf("empty destination")
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		local, dom := s[:at], s[at+1:]
		if local == "" || strings.ContainsAny(local, " \t<>\"") {
			return Destination{}, fmt.Errorf("bad address %q", s)
		}
		d, err := NormalizeDomain(dom)
		if err != nil || strings.HasPrefix(dom, "*.") {
			return Destination{}, fmt.Errorf("bad address %q", s)
		}
		return Destination{Address: strings.ToLower(local) + "@" + d, Domain: d}, nil
	}
	wild := strings.HasPrefix(s, "*.")
	d, err := NormalizeDomain(strings.TrimPrefix(s, "*."))
	if err != nil || strings.Contains(d, "*") || !strings.Contains(d, ".") && d != "localhost" {
		return Destination{}, fmt.Errorf("bad domain %q", s)
	}
	return Destination{Domain: d, Wildcard: wild}, nil
}
