package impersonation

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// lookalike is why a domain looks like a protected one.
type lookalike struct {
	protected string  // the protected domain it imitates
	how       string  // "one letter changed", "confusable characters", ...
	score     float64 // for the trust's own domain; correspondents score less
	// weak is a sign that is no finding alone: a correspondent's name under
	// another ending (python.org, python.net) is as often another honest
	// organisation as a fraudster.
	weak bool
}

// protectedDomain is a protected domain split for comparison.
type protectedDomain struct {
	domain        string
	label, suffix string
	skel          string
	trust         bool // one of the trust's domains, not a correspondent
	// Precomputed for lookalikeOf, which runs per message and domain.
	n          int    // runes in label
	skelRunes  []rune // skel as runes
	plainSkel  string // skel without hyphens
	dottedName string // "." + domain + "."
}

// candidate is a sender's domain split once for comparison with every
// protected domain.
type candidate struct {
	domain, org, label, suffix, skel string
	skelRunes                        []rune
	plainSkel, dotted                string
}

func newCandidate(d string) candidate {
	label, suffix := splitOrg(d)
	skel := skeleton(label)
	return candidate{domain: d, org: orgDomain(d), label: label, suffix: suffix, skel: skel,
		skelRunes: []rune(skel), plainSkel: dehyphen(skel), dotted: "." + d + "."}
}

func newProtected(d string, trust bool) protectedDomain {
	label, suffix := splitOrg(d)
	skel := skeleton(label)
	org := orgDomain(d)
	return protectedDomain{domain: org, label: label, suffix: suffix, skel: skel, trust: trust,
		n: len([]rune(label)), skelRunes: []rune(skel), plainSkel: dehyphen(skel), dottedName: "." + org + "."}
}

// lookalikeOf compares domain d (ASCII, not itself protected) with p. The
// checks, strongest first: the same skeleton under confusable characters
// (Cyrillic а for a, rn for m, 0 for o, 1 for l), the same name under
// another ending (.co.uk for .org.uk), one or two letters changed, the
// name with words added ("-schools", "trust-mail"), and the protected
// domain used as a subdomain of another.
func lookalikeOf(c candidate, p protectedDomain) (lookalike, bool) {
	d, label, suffix, skel := c.domain, c.label, c.suffix, c.skel
	if c.org == p.domain {
		return lookalike{}, false
	}
	l := lookalike{protected: p.domain}
	n := p.n
	long := n >= 5
	dist := editDistance(c.skelRunes, p.skelRunes)
	switch {
	case label != p.label && skel == p.skel && (n >= 4 || strings.Contains(d, "xn--")):
		l.how, l.score = "confusable characters", 0.9
		if strings.Contains(d, "xn--") {
			l.how = "confusable characters in a punycode name"
		}
	case label == p.label && suffix != p.suffix && long:
		l.how, l.score = "same name under another ending", 0.8
	case long && dist == 1:
		l.how, l.score = "one character changed", 0.85
	case n >= 8 && dist == 2:
		l.how, l.score = "two characters changed", 0.7
	case long && strings.Contains(c.plainSkel, p.plainSkel):
		l.how, l.score = "the name with words added", 0.75
	case n >= 4 && strings.Contains(c.dotted, p.dottedName):
		l.how, l.score = "the domain inside another domain", 0.8
	default:
		return lookalike{}, false
	}
	if !p.trust {
		// Correspondents' names are more often shared by unrelated
		// organisations (acme.com, acme.co.uk) than a trust's are.
		l.score -= 0.15
		l.weak = l.how == "same name under another ending"
	}
	return l, true
}

func dehyphen(s string) string { return strings.ReplaceAll(s, "-", "") }

// confusables maps characters that look like a Latin letter or digit to it
// (Unicode's confusables.txt, the part that matters in domain names).
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'l',
	'ї': 'l', 'ј': 'j', 'ѕ': 's', 'һ': 'h', 'ԁ': 'd', 'ӏ': 'l', 'к': 'k', 'м': 'm', 'н': 'h', 'т': 't',
	'ԛ': 'q', 'ԝ': 'w', 'ѡ': 'w', 'ɡ': 'g', 'ո': 'n', 'ս': 'u', 'ց': 'g', 'ⅼ': 'l',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'l', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'ω': 'w',
	// Latin and digits
	'0': 'o', '1': 'l', 'i': 'l', '|': 'l', '5': 's', '3': 'e', 'ı': 'l', 'ł': 'l',
}

// skeleton is the form two names take when they look alike: accents
// stripped, confusable characters mapped, and the letter pairs that pass
// for one letter ("rn" for m, "vv" for w, "cl" for d) joined.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if c, ok := confusables[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	out := b.String()
	for _, pair := range [][2]string{{"rn", "m"}, {"vv", "w"}, {"cl", "d"}} {
		out = strings.ReplaceAll(out, pair[0], pair[1])
	}
	return out
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours, each costing one.
func editDistance(x, y []rune) int {
	if d := len(x) - len(y); d > 2 || d < -2 {
		return 3 // only distances up to 2 matter
	}
	// Three rows suffice: the swap looks two rows back.
	w := len(y) + 1
	buf := make([]int, 3*w)
	prev2, prev, cur := buf[:w], buf[w:2*w], buf[2*w:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}

// describe names a lookalike for a summary.
func (l lookalike) describe(field string, trust bool) string {
	whose := "a correspondent's domain"
	if trust {
		whose = "the trust's domain"
	}
	return fmt.Sprintf("%s domain looks like %s %s (%s)", field, whose, l.protected, l.how)
}
