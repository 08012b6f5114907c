package pupildata

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Postcodes, phone numbers and names are personal data only where they stand
// in a pupil table: free text is full of them (signatures, letterheads), so
// these validators run on table cells only.

// postcodeRe is the UK postcode format (Royal Mail / BS 7666), including GIR 0AA.
var postcodeRe = regexp.MustCompile(`^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})$`)

// ValidPostcode reports whether s is a UK postcode (any case, one optional space).
func ValidPostcode(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) < 5 || len(s) > 8 {
		return false
	}
	return postcodeRe.MatchString(s)
}

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
	if letters < 2 || words > 5 || !utf8.ValidString(s) {
		return false
	}
	// A name starts with a capital letter (or is all capitals, as SIMS
	// writes surnames).
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}
