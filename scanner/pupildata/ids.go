package pupildata

// Validators for the UK identifiers of ../shared/ID-CHECKS.md. Each works on
// an already isolated token (no spaces unless stated) and never allocates, so
// the text scanner can call them on every candidate.

// upnLetters is the DfE check-letter table: A0 B1 ... Z22, never I, O or S.
const upnLetters = "ABCDEFGHJKLMNPQRTUVWXYZ"

// upnLetterValue returns the table value of an upper-case letter, or -1.
func upnLetterValue(c byte) int {
	for i := 0; i < len(upnLetters); i++ {
		if upnLetters[i] == c {
			return i
		}
	}
	return -1
}

// UPNCheck is what CheckUPN learned about a 13-character candidate.
type UPNCheck struct {
	// Checksum is set when the layout and the check letter are right.
	Checksum bool
	// KnownLA is set when characters 2-4 are a local authority code in the
	// DfE list (with later additions). An unknown code lowers confidence
	// but does not disprove a UPN (ID-CHECKS.md).
	KnownLA bool
	// Temporary is set when character 13 is a letter (a temporary UPN).
	Temporary bool
}

// CheckUPN checks the layout and check letter of a UPN. Character 13 may be
// a letter (temporary UPN); its value is taken as 0 (DfE MTC) or as its table
// value (census rule 1510): either making the check letter right is accepted.
func CheckUPN(s string) UPNCheck {
	var u UPNCheck
	if len(s) != 13 || upnLetterValue(s[0]) < 0 {
		return u
	}
	sum := 0
	for k := 2; k <= 12; k++ {
		c := s[k-1]
		if c < '0' || c > '9' {
			return u
		}
		sum += k * int(c-'0')
	}
	last := s[12]
	want := upnLetterValue(s[0])
	switch {
	case last >= '0' && last <= '9':
		u.Checksum = upnLetters[(sum+13*int(last-'0'))%23] == s[0]
	default:
		v := upnLetterValue(last)
		if v < 0 {
			return u
		}
		u.Temporary = true
		u.Checksum = (sum%23 == want) || ((sum+13*v)%23 == want)
	}
	if u.Checksum {
		u.KnownLA = knownLA(int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0'))
	}
	return u
}

// ValidUPN reports whether s is a UPN with a right check letter and a known
// local authority code: the strict test of DfE's own validation.
func ValidUPN(s string) bool {
	u := CheckUPN(s)
	return u.Checksum && u.KnownLA
}

// laRanges are the local authority codes of the 2011 list plus later
// additions (838, 839, 940-943). 999 (test LA) is deliberately absent.
var laRanges = [][2]int{
	{201, 213}, {301, 320}, {330, 336}, {340, 344}, {350, 359}, {370, 373}, {380, 384},
	{390, 394}, {420, 420}, {800, 803}, {805, 808}, {810, 813}, {815, 816}, {821, 823},
	{825, 826}, {830, 831}, {835, 841}, {845, 846}, {850, 852}, {855, 857}, {860, 861},
	{865, 874}, {876, 896}, {908, 909}, {916, 916}, {919, 919}, {921, 921}, {925, 926},
	{928, 929}, {931, 931}, {933, 933}, {935, 938}, {940, 943},
}

func knownLA(code int) bool {
	for _, r := range laRanges {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

// IsUPNPlaceholder reports the "unknown UPN" placeholders UN1-UN5, which are
// not identifiers.
func IsUPNPlaceholder(s string) bool {
	return len(s) == 3 && s[0] == 'U' && s[1] == 'N' && s[2] >= '1' && s[2] <= '5'
}

// weighted10 returns d1x10 + d2x9 + ... + d9x2 for a 10-digit string, or -1
// when s is not ten ASCII digits.
func weighted10(s string) int {
	if len(s) != 10 {
		return -1
	}
	sum := 0
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		if i < 9 {
			sum += (10 - i) * int(s[i]-'0')
		}
	}
	return sum
}

// ValidULN reports whether s is a Unique Learner Number: r = S mod 11 must
// not be 0 and the tenth digit must be 10 - r. The temporary ULN 9999999999
// is a placeholder, not an identifier.
func ValidULN(s string) bool {
	sum := weighted10(s)
	if sum < 0 || s == "9999999999" {
		return false
	}
	r := sum % 11
	return r != 0 && int(s[9]-'0') == 10-r
}

// ValidNHS reports whether s (ten digits, no spaces) is an NHS number:
// c = 11 - (S mod 11), 11 means 0, 10 is never issued.
func ValidNHS(s string) bool {
	sum := weighted10(s)
	if sum < 0 {
		return false
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return c != 10 && int(s[9]-'0') == c
}

// ValidNINO reports whether s is a National Insurance number: two letters
// (first not D F I Q U V, second not D F I O Q U V; never BG GB NK KN NT TN
// ZZ), six digits and a suffix A-D. Spaces are allowed anywhere between the
// parts; the suffix may be absent (DWP accepts that). Upper case only.
func ValidNINO(s string) bool {
	var b [9]byte
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			continue
		}
		if n == len(b) {
			return false
		}
		b[n] = s[i]
		n++
	}
	if n != 8 && n != 9 {
		return false
	}
	return ninoPrefix(b[0], b[1]) && allDigits(b[2:8]) && (n == 8 || (b[8] >= 'A' && b[8] <= 'D'))
}

func ninoPrefix(a, c byte) bool {
	if a < 'A' || a > 'Z' || c < 'A' || c > 'Z' {
		return false
	}
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch c {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch string([]byte{a, c}) {
	case "BG", "GB", "NK", "KN", "NT", "TN", "ZZ":
		return false
	}
	return true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
