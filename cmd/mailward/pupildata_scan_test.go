package main

import (
	"encoding/json"
	"testing"
)

// TestScanMixedRecipients (issue 12): with recipients inside and outside
// the trust, `scan` judges the part that leaves it. The relay would split
// such a list into an internal and an outbound transaction; a pupil list
// sent to both must be held for the outbound one.
func TestScanMixedRecipients(t *testing.T) {
	cfg := writeConfig(t, "domains: [oakfield.sch.uk]\ntrusted_networks: [10.0.0.0/8]\n"+
		"pupil_data:\n  allowed_destinations: [mash@kent.gov.uk]\n")
	const eml = "../../scanner/pupildata/testdata/eval/mis-mixed-recipients.eml"
	cases := []struct {
		name      string
		args      []string
		direction string
		pupilData bool
	}{
		{"internal first", []string{"-from", "j.bloggs@oakfield.sch.uk", "-to", "head@oakfield.sch.uk,trips.organiser@gmail.com"}, "outbound", true},
		{"external first", []string{"-from", "j.bloggs@oakfield.sch.uk", "-to", "trips.organiser@gmail.com,head@oakfield.sch.uk"}, "outbound", true},
		{"all internal", []string{"-from", "j.bloggs@oakfield.sch.uk", "-to", "head@oakfield.sch.uk,office@oakfield.sch.uk"}, "internal", false},
		{"untrusted sender", []string{"-from", "x@elsewhere.example", "-to", "trips.organiser@gmail.com,head@oakfield.sch.uk"}, "inbound", false},
		{"trusted client, mixed", []string{"-client", "10.2.3.4", "-from", "x@elsewhere.example", "-to", "head@oakfield.sch.uk,a@gmail.com"}, "outbound", true},
		// The outbound part goes only to the safeguarding hub, a lawful
		// destination: the internal recipient is the other transaction's.
		{"internal and allowed destination", []string{"-from", "j.bloggs@oakfield.sch.uk", "-to", "head@oakfield.sch.uk,mash@kent.gov.uk"}, "outbound", false},
		{"allowed destination and personal", []string{"-from", "j.bloggs@oakfield.sch.uk", "-to", "mash@kent.gov.uk,head@oakfield.sch.uk,a@gmail.com"}, "outbound", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"scan", "-config", cfg, eml}, tc.args...)...)
			var sl scanLine
			if code != 0 || json.Unmarshal([]byte(out), &sl) != nil {
				t.Fatalf("exit %d, output %q (%s)", code, out, errOut)
			}
			if sl.Direction != tc.direction {
				t.Errorf("direction %q, want %q", sl.Direction, tc.direction)
			}
			found := false
			for _, f := range sl.Findings {
				found = found || f.Category == "pupil_data"
			}
			if found != tc.pupilData {
				t.Errorf("pupil_data finding %v, want %v: %+v (action %s)", found, tc.pupilData, sl.Findings, sl.Action)
			}
			if tc.pupilData && sl.Action != "quarantine" {
				t.Errorf("action %q, want quarantine", sl.Action)
			}
		})
	}
}
