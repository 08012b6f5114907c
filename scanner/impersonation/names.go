package impersonation

import (
	"strings"

	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/scanner/textnorm"
)

// honorifics are dropped before names are compared ("Mrs J Smith").
var honorifics = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"professor": true, "sir": true, "dame": true, "rev": true, "revd": true, "lord": true, "lady": true,
}

// nameTokens reads a name as textnorm does (lower case, accents stripped,
// Cyrillic and Greek look-alikes read as Latin letters), puts "Smith, Jane"
// in order and drops honorifics.
func nameTokens(s string) []string {
	if first, rest, ok := strings.Cut(s, ","); ok && !strings.Contains(rest, ",") &&
		len(strings.Fields(first)) == 1 && len(strings.Fields(rest)) >= 1 {
		s = rest + " " + first
	}
	var out []string
	for _, t := range strings.Fields(textnorm.Normalize(s)) {
		t = strings.TrimSuffix(t, ".")
		if t != "" && !honorifics[t] {
			out = append(out, t)
		}
	}
	return out
}

// matchKind is how closely a display name matches a person's name.
type matchKind int

const (
	noMatch      matchKind = iota
	initialMatch           // "J Smith" for Jane Smith
	fullMatch              // "Jane Smith", "Smith, Jane", "Jane A. Smith"
)

// staffName is a directory entry prepared for matching.
type staffName struct {
	first, last string
	class       class
	title       string // the role phrase of the title, for summaries
}

// newStaffName prepares p, or reports false for an entry without a first
// and last name (a shared mailbox, "IT Support").
func newStaffName(p directory.Person, rw roleWords) (staffName, bool) {
	toks := nameTokens(p.Name)
	if len(toks) < 2 || len(toks[0]) < 2 || len(toks[len(toks)-1]) < 2 {
		return staffName{}, false
	}
	if _, _, _, ok := rw.find(toks); ok {
		return staffName{}, false // "Finance Office", "Head Teacher": a mailbox, not a person
	}
	n := staffName{first: toks[0], last: toks[len(toks)-1], class: rw.personClass(p)}
	if ph, _, _, ok := rw.find(strings.Fields(textnorm.Normalize(p.Title))); ok {
		n.title = ph.text
	}
	return n, true
}

// match compares display-name tokens (honorifics and role words removed)
// with the person: the surname, after the first name ("Jane Smith", "Jane A
// Smith") or after an initial of it and nothing but initials ("J Smith",
// "J A Smith"). Another first name ("John Smith" for Jane) is no match.
func (n staffName) match(toks []string) matchKind {
	best := noMatch
	for j := 1; j < len(toks); j++ {
		if toks[j] != n.last {
			continue
		}
		for i := 0; i < j; i++ {
			if toks[i] == n.first {
				return fullMatch
			}
		}
		if len(toks[0]) == 1 && toks[0][0] == n.first[0] && allInitials(toks[1:j]) {
			best = initialMatch
		}
	}
	return best
}

func allInitials(toks []string) bool {
	for _, t := range toks {
		if len(t) != 1 {
			return false
		}
	}
	return true
}
