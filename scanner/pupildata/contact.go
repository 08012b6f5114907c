package pupildata

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Postcodes, phone numbers and names are personal data only where they stand
// in a pupil table: free text is full of them (signatures, letterheads), so
// these validators run on table cells only.

// ValidPostcode reports whether s is a UK postcode (Royal Mail / BS 7666
// format, including GIR 0AA; any case, one optional space). It is written
// out by hand rather than as a regular expression: postcode columns are
// the commonest cells of a pupil export (postcodeRe in the tests is the
// reference it is checked against).
func ValidPostcode(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 5 || len(s) > 8 {
		return false
	}
	var b [8]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	u := b[:len(s)]
	// Inward code: a digit and two letters (not C I K M O V).
	in := u[len(u)-3:]
	if !isDigit(in[0]) || !inwardLetter(in[1]) || !inwardLetter(in[2]) {
		return false
	}
	out := u[:len(u)-3]
	if out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	if string(out) == "GIR" {
		return string(in) == "0AA"
	}
	if len(out) < 2 || len(out) > 4 || !inSet(out[0], "ABCDEFGHIJKLMNOPRSTUWYZ") {
		return false
	}
	secondLetter := inSet(out[1], "ABCDEFGHKLMNOPQRSTUVWXY")
	switch len(out) {
	case 2: // A9
		return isDigit(out[1])
	case 3: // A99, AA9, A9A
		return isDigit(out[1]) && isDigit(out[2]) || secondLetter && isDigit(out[2]) ||
			isDigit(out[1]) && inSet(out[2], "ABCDEFGHJKPSTUW")
	default: // AA99, AA9A
		return secondLetter && isDigit(out[2]) && (isDigit(out[3]) || inSet(out[3], "ABEHMNPRVWXY"))
	}
}

func inwardLetter(c byte) bool { return c >= 'A' && c <= 'Z' && !inSet(c, "CIKMOV") }

func inSet(c byte, set string) bool { return strings.IndexByte(set, c) >= 0 }

// hasPostcode reports whether the last words of an address cell are a postcode.
func hasPostcode(s string) bool {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
	switch {
	case len(f) >= 2 && ValidPostcode(f[len(f)-2]+" "+f[len(f)-1]):
		return true
	case len(f) >= 1 && ValidPostcode(f[len(f)-1]):
		return true
	}
	return false
}

// ValidPhone reports whether s is a UK phone number: after removing spaces,
// hyphens, dots and brackets and turning +44 (or 0044) into 0, ten or eleven
// digits starting 01, 02, 03, 05, 07 or 08.
func ValidPhone(s string) bool {
	var d [16]byte
	n := 0
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+44") {
		s = "0" + strings.TrimPrefix(strings.TrimSpace(s[3:]), "(0)")
	} else if strings.HasPrefix(s, "0044") {
		s = "0" + s[4:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n == len(d) {
				return false
			}
			d[n] = c
			n++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return false
		}
	}
	if n != 10 && n != 11 || d[0] != '0' {
		return false
	}
	switch d[1] {
	case '1', '2', '3', '5', '7', '8':
		return true
	}
	return false
}

// nameLike reports whether a cell looks like a person's name or part of one:
// one to five words of letters (any script), hyphens, apostrophes and
// commas ("Smith, Jack"), no digits.
func nameLike(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 || len(s) > 60 {
		return false
	}
	words, letters := 1, 0
	prevSpace := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
			prevSpace = false
		case r == ' ':
			if !prevSpace {
				words++
			}
			prevSpace = true
		case r == '-' || r == '\'' || r == '\u2019' || r == ',' || r == '.':
			prevSpace = false
		default:
			return false
		}
	}
	if letters < 2 || words > 5 {
		return false
	}
	// A name starts with a capital letter (or is all capitals, as SIMS
	// writes surnames).
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}
