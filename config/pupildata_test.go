package config

import (
	"strings"
	"testing"
)

func TestPupilDataDefaults(t *testing.T) {
	c, err := Parse([]byte("domains: [trust.example]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := c.PupilData
	if !p.IsEnabled() || len(p.Directions) != 1 || p.Directions[0] != "outbound" || p.MinScore != 0.5 ||
		p.MinIdentifiers != 3 || p.MinTableRows != 3 || p.KeywordWindow != 300 || p.DOBMinAge != 2 ||
		p.DOBMaxAge != 19 || p.RequireTLS || len(p.AllowedDestinations) != 0 {
		t.Errorf("defaults = %+v", p)
	}
}

func TestPupilDataParse(t *testing.T) {
	c, err := Parse([]byte(`pupil_data:
  enabled: false
  directions: [outbound, internal]
  min_identifiers: 5
  allowed_destinations: [MASH@Kent.gov.uk, nhs.net, "*.police.uk"]
  require_tls: true
`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.PupilData
	if p.IsEnabled() || len(p.Directions) != 2 || p.MinIdentifiers != 5 || !p.RequireTLS || len(p.AllowedDestinations) != 3 {
		t.Errorf("parsed = %+v", p)
	}
}

func TestPupilDataErrors(t *testing.T) {
	tests := []struct {
		yaml string
		want string // key and line in the error
	}{
		{"pupil_data:\n  directions: [outbound, sideways]\n", "line 2: pupil_data.directions.1"},
		{"pupil_data:\n  min_score: 1.5\n", "line 2: pupil_data.min_score"},
		{"pupil_data:\n  min_identifiers: -1\n", "line 2: pupil_data.min_identifiers"},
		{"pupil_data:\n  keyword_window: 5\n", "line 2: pupil_data.keyword_window"},
		{"pupil_data:\n  dob_min_age: 12\n  dob_max_age: 10\n", "line 2: pupil_data.dob_min_age"},
		{"pupil_data:\n  allowed_destinations:\n    - nhs.net\n    - \"bad domain\"\n", "line 4: pupil_data.allowed_destinations.1"},
		{"pupil_data:\n  allowed_destinations: [\"@nhs.net\"]\n", "pupil_data.allowed_destinations.0"},
		{"pupil_data:\n  allowed_destinations: [\"a@*.nhs.net\"]\n", "pupil_data.allowed_destinations.0"},
		{"pupil_data:\n  allowed_destinations: [\"\"]\n", "pupil_data.allowed_destinations.0"},
		{"pupil_data:\n  no_such_key: 1\n", "no_such_key"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want one naming %q", tc.yaml, err, tc.want)
		}
	}
}

func TestParseDestination(t *testing.T) {
	tests := []struct {
		in   string
		want Destination
	}{
		{"MASH@Kent.GOV.uk", Destination{Address: "mash@kent.gov.uk", Domain: "kent.gov.uk"}},
		{"nhs.net.", Destination{Domain: "nhs.net"}},
		{"*.police.uk", Destination{Domain: "police.uk", Wildcard: true}},
		{"bücher.example", Destination{Domain: "xn--bcher-kva.example"}},
	}
	for _, tc := range tests {
		got, err := ParseDestination(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDestination(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}
