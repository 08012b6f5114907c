package pupildata

import (
	"testing"
	"time"
)

// testNow is the clock of every test: ages are computed from it.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func testOptions() textOptions {
	return textOptions{window: 300, now: testNow, minAge: 2, maxAge: 19}
}

func TestScanText(t *testing.T) {
	type want struct{ upn, uln, nhs, nino, dob int }
	tests := []struct {
		name string
		text string
		want want
	}{
		{"UPN alone counts", "Pupil H801200001001 moved.", want{upn: 1}},
		{"UPN with keyword", "UPN: H801200001001, B801200005001", want{upn: 2}},
		{"temporary UPN", "temporary UPN G80120000101A", want{upn: 1}},
		{"bad check letter", "Z801200001001 A801200005001", want{}},
		{"UPN glued to text", "xH801200001001 H801200001001x", want{}},
		{"ULN needs keyword", "Order 1000000043 shipped", want{}},
		{"ULN with keyword", "ULN 1000000043", want{uln: 1}},
		{"ULN keyword inside a word does not count", "a vulnerable 1000000043", want{}},
		{"NHS number spaced", "NHS number 943 476 5870", want{nhs: 1}},
		{"NHS number hyphens", "NHS no. 943-476-5870", want{nhs: 1}},
		{"NHS number plain", "NHS: 9434765870", want{nhs: 1}},
		{"NHS alone is not the keyword", "NHS leaflets 9434765870", want{}},
		{"ISBN label kills", "NHS number list ISBN 0306406152", want{}},
		{"NHS failing checksum", "NHS 9434765871", want{}},
		{"ISBN without keyword", "ISBN 0306406152", want{}},
		{"phone is not 3-3-4", "NHS Direct 020 7946 0958", want{}},
		{"longer digit groups", "NHS 12 943 476 5870 1", want{}},
		{"placeholder", "NHS number 9999999999", want{}},
		{"NINO needs keyword", "ref AB123456C", want{}},
		{"NINO with keyword", "National Insurance: AB123456C", want{nino: 1}},
		{"NINO spaced", "NI number AB 12 34 56 C", want{nino: 1}},
		{"NINO bad prefix", "NI number GB123456A", want{}},
		{"DOB after keyword", "DOB: 12/03/2014", want{dob: 1}},
		{"DOB ISO", "date of birth 2015-07-01", want{dob: 1}},
		{"DOB words", "born 3rd March 2012", want{dob: 1}},
		{"DOB of an adult", "DOB 12/03/1980", want{}},
		{"date without keyword", "trip on 12/03/2014", want{}},
		{"DOB too far from keyword", "DOB" + spaces(400) + "12/03/2014", want{}},
		{"window counts each date once", "DOB 01/02/2014 DOB 02/02/2014 DOB 03/02/2014", want{dob: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := scanText(tc.text, indexText(tc.text), testOptions())
			got := want{c[UPN].valid, c[ULN].valid, c[NHS].valid, c[NINO].valid, c[DOB].valid}
			if got != tc.want {
				t.Errorf("scanText(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestKilledByChecksumFailures(t *testing.T) {
	// Twenty product codes of UPN shape: about one in 23 passes by chance.
	// When most candidates fail, the passing ones count for nothing.
	text := ""
	for i := 0; i < 20; i++ {
		text += "A12345678901" + string(rune('0'+i%10)) + " "
	}
	c := scanText(text, indexText(text), testOptions())
	if c[UPN].candidates != 20 {
		t.Fatalf("candidates = %d, want 20", c[UPN].candidates)
	}
	if !c[UPN].killed() {
		t.Errorf("20 candidates, %d valid: want killed", c[UPN].valid)
	}
}

func TestParseDateCell(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"12/03/2014", "2014-03-12"},
		{"1/3/2014", "2014-03-01"},
		{"12-03-14", "2014-03-12"},
		{"03-25-14", "2014-03-25"}, // US format from a spreadsheet export
		{"2014-03-12", "2014-03-12"},
		{"2014-03-12 00:00:00", "2014-03-12"},
		{"12 March 2014", "2014-03-12"},
		{"12-Mar-2014", "2014-03-12"},
		{"41710", "2014-03-12"}, // Excel serial
		{"31/02/2014", ""},
		{"12/13/2014/", ""},
		{"hello", ""},
	}
	for _, tc := range tests {
		d, ok := parseDateCell(tc.in, testNow, true)
		got := ""
		if ok {
			got = d.Format("2006-01-02")
		}
		if got != tc.want {
			t.Errorf("parseDateCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func spaces(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}
