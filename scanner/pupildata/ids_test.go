package pupildata

import "testing"

// Vectors from ../shared/ID-CHECKS.md (DfE MTC, python-stdnum, ESFA) and
// near misses: numbers of the right shape that are not identifiers.

func TestCheckUPN(t *testing.T) {
	tests := []struct {
		in                      string
		checksum, knownLA, temp bool
		strict                  bool
		why                     string
	}{
		{"H801200001001", true, true, false, true, "published valid"},
		{"B801200005001", true, true, false, true, "published valid"},
		{"G80120000101A", true, true, true, true, "published valid temporary"},
		{"Z801200001001", false, false, false, false, "check letter wrong"},
		{"A801200005001", false, false, false, false, "check letter wrong"},
		{"R900400001001", true, false, false, false, "checksum right, LA 900 unknown: lower confidence, not strict-valid"},
		{"X80120000A001", false, false, false, false, "letter inside the digits"},
		{"h801200001001", false, false, false, false, "lower case"},
		{"H80120000100", false, false, false, false, "12 characters"},
		{"H8012000010011", false, false, false, false, "14 characters"},
		{"I801200001001", false, false, false, false, "I is never a check letter"},
		{"9780306406157", false, false, false, false, "ISBN-13"},
		{"SKU1234567890", false, false, false, false, "product code"},
		{"A123456789012", true, false, false, false, "product code that passes the checksum (1 in 23): LA 123 unknown"},
		{"H80120000100S", false, false, false, false, "S is not in the letter table"},
		{"", false, false, false, false, "empty"},
	}
	for _, tc := range tests {
		u := CheckUPN(tc.in)
		if u.Checksum != tc.checksum || u.KnownLA != tc.knownLA || u.Temporary != tc.temp && tc.checksum {
			t.Errorf("CheckUPN(%q) = %+v, want checksum=%v knownLA=%v temporary=%v (%s)", tc.in, u, tc.checksum, tc.knownLA, tc.temp, tc.why)
		}
		if got := ValidUPN(tc.in); got != tc.strict {
			t.Errorf("ValidUPN(%q) = %v, want %v (%s)", tc.in, got, tc.strict, tc.why)
		}
	}
}

func TestUPNTemporaryLetterScoring(t *testing.T) {
	// ID-CHECKS: MTC scores a final letter as 0, census rule 1510 as its
	// table value; both are accepted. Build one of each and check.
	base := "80120000101" // chars 2-12
	sum := 0
	for k := 2; k <= 12; k++ {
		sum += k * int(base[k-2]-'0')
	}
	// MTC: last letter counts 0.
	mtc := string(upnLetters[sum%23]) + base + "B"
	// census: B counts 1, weight 13.
	census := string(upnLetters[(sum+13)%23]) + base + "B"
	for _, s := range []string{mtc, census} {
		if u := CheckUPN(s); !u.Checksum || !u.Temporary {
			t.Errorf("CheckUPN(%q) = %+v, want a valid temporary UPN", s, u)
		}
	}
}

func TestUPNPlaceholder(t *testing.T) {
	for _, s := range []string{"UN1", "UN2", "UN3", "UN4", "UN5"} {
		if !IsUPNPlaceholder(s) {
			t.Errorf("IsUPNPlaceholder(%q) = false", s)
		}
	}
	for _, s := range []string{"UN0", "UN6", "UN", "un1", "UN12"} {
		if IsUPNPlaceholder(s) {
			t.Errorf("IsUPNPlaceholder(%q) = true", s)
		}
	}
}

func TestValidULN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		why  string
	}{
		{"1000000043", true, "published valid"},
		{"1000000063", false, "published invalid"},
		{"9999999999", false, "temporary ULN placeholder"},
		{"4500012345", true, "an order number that happens to pass: why ULNs need their keyword"},
		{"2000000000", false, "r = 0 is invalid"},
		{"100000004", false, "nine digits"},
		{"10000000430", false, "eleven digits"},
		{"10000000a3", false, "letter"},
		{"", false, "empty"},
	}
	for _, tc := range tests {
		if got := ValidULN(tc.in); got != tc.want {
			t.Errorf("ValidULN(%q) = %v, want %v (%s)", tc.in, got, tc.want, tc.why)
		}
	}
}

func TestValidNHS(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		why  string
	}{
		{"9434765870", true, "published valid"},
		{"9434765871", false, "published invalid"},
		{"0306406152", true, "an ISBN-10: every numeric ISBN-10 passes the NHS check, so NHS numbers need their keyword"},
		{"1234567890", false, "check would be 10"},
		{"943476587", false, "nine digits"},
		{"943 476 5870", false, "spaces are removed by the text scanner, not here"},
		{"07700900123", false, "phone number, 11 digits"},
	}
	for _, tc := range tests {
		if got := ValidNHS(tc.in); got != tc.want {
			t.Errorf("ValidNHS(%q) = %v, want %v (%s)", tc.in, got, tc.want, tc.why)
		}
	}
}

func TestValidNINO(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		why  string
	}{
		{"AB123456C", true, "ordinary"},
		{"AB 12 34 56 C", true, "spaced"},
		{"AB123456", true, "no suffix (DWP accepts)"},
		{"JG103759A", true, "HMRC example"},
		{"AB123456E", false, "suffix beyond D"},
		{"DA123456A", false, "first letter D"},
		{"FA123456A", false, "first letter F"},
		{"QA123456A", false, "first letter Q"},
		{"AO123456A", false, "second letter O"},
		{"BG123456A", false, "BG never allocated"},
		{"GB123456A", false, "GB never allocated"},
		{"NK123456A", false, "NK"},
		{"KN123456A", false, "KN"},
		{"NT123456A", false, "NT"},
		{"TN123456A", false, "TN"},
		{"ZZ123456A", false, "ZZ"},
		{"AB12345C", false, "five digits"},
		{"ab123456c", false, "lower case"},
		{"AB1234567C", false, "seven digits"},
	}
	for _, tc := range tests {
		if got := ValidNINO(tc.in); got != tc.want {
			t.Errorf("ValidNINO(%q) = %v, want %v (%s)", tc.in, got, tc.want, tc.why)
		}
	}
}

func TestPlausibleNHS(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"9434765870", true}, {"4010232137", true}, {"3200000001", true}, // England, Wales, NI ranges
		{"0101121234", true},                         // CHI: starts 01/01/12
		{"0140177396", false}, {"0747544573", false}, // ISBN-10s: month 40, 47
		{"3113991234", false}, // month 13
	}
	for _, tc := range tests {
		if got := plausibleNHS(tc.in); got != tc.want {
			t.Errorf("plausibleNHS(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestPostcodePhone(t *testing.T) {
	for _, s := range []string{"SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX", "gir 0aa", "LS11 5DN"} {
		if !ValidPostcode(s) {
			t.Errorf("ValidPostcode(%q) = false", s)
		}
	}
	for _, s := range []string{"QA1 1AA", "SW1A 1A", "12345", "SW1A 1CA", "ABCD EFG", "SW1A1AAA"} {
		if ValidPostcode(s) {
			t.Errorf("ValidPostcode(%q) = true", s)
		}
	}
	for _, s := range []string{"020 7946 0958", "07700 900123", "+44 7700 900123", "+44 (0)20 7946 0958", "0113-496-0000", "(01632) 960001"} {
		if !ValidPhone(s) {
			t.Errorf("ValidPhone(%q) = false", s)
		}
	}
	for _, s := range []string{"1000000043", "0906 123", "09001234567", "+1 555 123 4567", "07700 900123 ext", "12/03/2014"} {
		if ValidPhone(s) {
			t.Errorf("ValidPhone(%q) = true", s)
		}
	}
}
