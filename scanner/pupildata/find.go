package pupildata

import (
	"sort"
	"time"
)

// Kind is a kind of identifier or personal detail the detector counts.
type Kind int

// The kinds, in the order summaries name them.
const (
	UPN Kind = iota
	ULN
	NHS
	NINO
	DOB
	PupilName
	Postcode
	Phone
	numKinds
)

var kindWords = [numKinds][2]string{
	UPN: {"UPN", "UPNs"}, ULN: {"ULN", "ULNs"}, NHS: {"NHS number", "NHS numbers"},
	NINO: {"NI number", "NI numbers"}, DOB: {"DOB", "DOBs"}, PupilName: {"name", "names"},
	Postcode: {"postcode", "postcodes"}, Phone: {"phone number", "phone numbers"},
}

// String is the singular word used in summaries.
func (k Kind) String() string { return kindWords[k][0] }

// count is the tally of one kind in one place.
type count struct {
	// candidates have the identifier's shape; valid also pass its checksum.
	candidates, valid int
	// conf is the sum of the confidences of the valid ones.
	conf float64
}

func (c *count) add(o count) {
	c.candidates += o.candidates
	c.valid += o.valid
	c.conf += o.conf
}

// killed applies "a checksum failure kills it" to a whole place: when most
// candidates of a kind fail their checksum, the few that pass are the
// coincidences the checksum lets through (1 in 23 for UPN shapes, about 1 in
// 11 for ten-digit numbers), not identifiers.
func (c count) killed() bool { return c.candidates >= 4 && c.valid*2 < c.candidates }

// textOptions are the settings the text scanner needs.
type textOptions struct {
	window         int
	now            time.Time
	minAge, maxAge int
}

// keyword groups: each is searched on an ASCII-lowercased copy of the text,
// as whole words.
var (
	kwUPN = []string{"upn", "upns", "unique pupil number", "pupil number"}
	kwULN = []string{"uln", "ulns", "unique learner number", "learner number"}
	// Plain "NHS" is not enough: every numeric ISBN-10 passes the NHS
	// check, and "NHS leaflets" sits beside book orders.
	kwNHS  = []string{"nhs number", "nhs numbers", "nhs no", "nhs num", "nhs id", "nhs:", "health service number"}
	kwISBN = []string{"isbn", "isbn10", "isbn-10", "isbn 10"}
	kwNINO = []string{"national insurance", "ni number", "ni no", "nino", "ni numbers", "nat ins"}
	kwDOB  = []string{"dob", "d.o.b", "date of birth", "dates of birth", "birth date", "born", "birthdate"}
)

// scanText counts the identifiers and dates of birth in one text. UPNs count
// on their own (with more confidence beside a keyword); ten-digit numbers and
// NI numbers count only with their keyword within the window; dates of birth
// count when of school age and within the window after a DOB keyword.
func scanText(text string, ix *textIndex, o textOptions) [numKinds]count {
	var out [numKinds]count
	if len(text) < 8 {
		return out
	}
	kw, isbn := ix.kw, ix.isbn
	near := func(k Kind, at int) bool { return nearAny(kw[k], at, o.window) }

	n := len(text)
	for i := 0; i < n; {
		if !isAlnum(text[i]) {
			i++
			continue
		}
		j := i
		for j < n && isAlnum(text[j]) {
			j++
		}
		tok := text[i:j]
		switch {
		case len(tok) == 13 && upnShape(tok):
			out[UPN].candidates++
			if u := CheckUPN(tok); u.Checksum {
				out[UPN].valid++
				out[UPN].conf += upnConfidence(u, near(UPN, i))
			}
		case len(tok) == 10 && isDigits(tok):
			if !nearAny(isbn, i-12, 12) {
				tenDigits(&out, tok, near(ULN, i), near(NHS, i))
			}
		case len(tok) == 3 && isDigits(tok):
			// NHS numbers are often written 3-3-4 with spaces or hyphens.
			if end, ok := spaced334(text, i, j); ok {
				d := tok + text[j+1:j+4] + text[j+5:end]
				tenDigits(&out, d, near(ULN, i), near(NHS, i))
				j = end
			}
		case (len(tok) == 9 || len(tok) == 8) && ninoShape(tok):
			if near(NINO, i) {
				out[NINO].candidates++
				if ValidNINO(tok) {
					out[NINO].valid++
					out[NINO].conf += 0.85
				}
			}
		case len(tok) == 2 && isUpper(tok[0]) && isUpper(tok[1]):
			// NI numbers written "AB 12 34 56 C".
			if end, ok := spacedNINO(text, i); ok {
				if near(NINO, i) {
					out[NINO].candidates++
					if ValidNINO(text[i:end]) {
						out[NINO].valid++
						out[NINO].conf += 0.85
					}
				}
				j = end
			}
		}
		i = j
	}
	if len(kw[DOB]) > 0 {
		out[DOB] = datesAfter(text, kw[DOB], o)
	}
	return out
}

// upnConfidence follows Purview's scale: pattern and checksum 0.75, with a
// keyword 0.85; an unknown LA code or a temporary UPN lowers it.
func upnConfidence(u UPNCheck, keyword bool) float64 {
	c := 0.75
	if !u.KnownLA {
		c = 0.4
	}
	if u.Temporary {
		c -= 0.05
	}
	if keyword {
		c += 0.15
	}
	return c
}

// tenDigits counts a ten-digit number as ULN or NHS number, but only beside
// its keyword: a random number passes either checksum about one time in
// eleven and every ISBN-10 passes the NHS one.
func tenDigits(out *[numKinds]count, d string, uln, nhs bool) {
	if placeholderDigits(d) {
		return
	}
	if uln {
		out[ULN].candidates++
		if ValidULN(d) {
			out[ULN].valid++
			out[ULN].conf += 0.85
		}
	}
	if nhs && plausibleNHS(d) {
		out[NHS].candidates++
		if ValidNHS(d) {
			out[NHS].valid++
			out[NHS].conf += 0.85
		}
	}
}

// plausibleNHS reports whether a ten-digit number lies where health numbers
// are issued: England and Wales use 400-499 and 600-799 million, Northern
// Ireland 320-399 million and Scotland's CHI number starts with the date of
// birth (DDMMYY). Numbers starting 0-3 must therefore start with a date.
// This rejects most ISBN-10s, which pass the NHS check digit by construction.
func plausibleNHS(d string) bool {
	if d[0] >= '4' || d >= "3200000000" {
		return true
	}
	day := int(d[0]-'0')*10 + int(d[1]-'0')
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	return day >= 1 && day <= 31 && month >= 1 && month <= 12
}

// placeholderDigits reports dummy numbers: one digit repeated, or 0123456789.
func placeholderDigits(d string) bool {
	if d == "0123456789" || d == "1234567890" {
		return true
	}
	for i := 1; i < len(d); i++ {
		if d[i] != d[0] {
			return false
		}
	}
	return true
}

// spaced334 matches "ddd ddd dddd" (or with hyphens) starting at the 3-digit
// token text[i:j]; it returns the end of the match. The groups must stand
// alone: "020 7946 0958" or "12 345 678 9012" are not.
func spaced334(text string, i, j int) (int, bool) {
	if j+9 > len(text) {
		return 0, false
	}
	sep := text[j]
	if sep != ' ' && sep != '-' {
		return 0, false
	}
	if i >= 2 && (text[i-1] == sep || text[i-1] == '+') && isDigit(text[i-2]) {
		return 0, false
	}
	if !isDigits(text[j+1:j+4]) || text[j+4] != sep || !isDigits(text[j+5:j+9]) {
		return 0, false
	}
	end := j + 9
	if end < len(text) && (isAlnum(text[end]) || text[end] == sep && end+1 < len(text) && isDigit(text[end+1])) {
		return 0, false
	}
	return end, true
}

// spacedNINO matches "AB 12 34 56 C" (suffix optional) at i.
func spacedNINO(text string, i int) (int, bool) {
	p := i + 2
	for g := 0; g < 3; g++ {
		if p+3 > len(text) || text[p] != ' ' || !isDigit(text[p+1]) || !isDigit(text[p+2]) {
			return 0, false
		}
		p += 3
	}
	if p+2 <= len(text) && text[p] == ' ' && text[p+1] >= 'A' && text[p+1] <= 'D' && (p+2 == len(text) || !isAlnum(text[p+2])) {
		return p + 2, true
	}
	if p < len(text) && isAlnum(text[p]) {
		return 0, false
	}
	return p, true
}

func upnShape(s string) bool {
	if !isUpper(s[0]) || !isDigits(s[1:12]) {
		return false
	}
	return isDigit(s[12]) || isUpper(s[12])
}

func ninoShape(s string) bool {
	if !isUpper(s[0]) || !isUpper(s[1]) || !isDigits(s[2:8]) {
		return false
	}
	return len(s) == 8 || isUpper(s[8])
}

// nearAny reports whether a sorted position lies within window of at.
func nearAny(pos []int, at, window int) bool {
	if len(pos) == 0 {
		return false
	}
	k := sort.SearchInts(pos, at-window)
	return k < len(pos) && pos[k] <= at+window
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}
