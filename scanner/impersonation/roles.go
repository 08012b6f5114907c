package impersonation

import (
	"slices"
	"strings"

	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/scanner/textnorm"
)

// class is how much harm passing as someone of a role can do: leadership
// and finance are what gift-card and invoice fraud pass as.
type class int

const (
	classStaff      class = iota // any other member of staff
	classIT                      // IT support: password-reset lures
	classLeadership              // head teacher, CEO, governors' chair
	classFinance                 // bursar, business manager, payroll
)

// severity names a class in findings.
func (c class) severity() string {
	switch c {
	case classLeadership, classFinance:
		return "high"
	case classIT:
		return "medium"
	}
	return "low"
}

// defaultRoles are role phrases, normalised as textnorm reads them, by class.
var defaultRoles = map[class][]string{
	classLeadership: {
		"head teacher", "headteacher", "headmaster", "headmistress", "head of school", "executive head",
		"executive headteacher", "deputy head", "deputy headteacher", "deputy head teacher", "principal",
		"vice principal", "executive principal", "ceo", "chief executive", "chief executive officer",
		"chair of governors", "chair of trustees", "chair of the board", "director of education", "coo",
		"chief operating officer",
	},
	classFinance: {
		"bursar", "business manager", "school business manager", "finance", "finance director",
		"finance manager", "finance officer", "finance team", "finance department", "director of finance",
		"cfo", "chief financial officer", "accounts", "accounts payable", "accounts department", "payroll",
	},
	classIT: {
		"it support", "it services", "it department", "it helpdesk", "it help desk", "it manager",
		"it team", "it technician", "network manager", "helpdesk", "help desk", "service desk",
		"system administrator", "systems administrator",
	},
}

// roleWords finds role phrases in normalised token lists.
type roleWords struct {
	// phrases are token sequences with their class, longest first so that
	// "chief executive officer" is named rather than "chief executive".
	phrases []rolePhrase
}

type rolePhrase struct {
	tokens []string
	text   string
	class  class
}

// newRoleWords builds the matcher from the built-in phrases and extra ones
// from the config (counted as finance or leadership).
func newRoleWords(extra []string) roleWords {
	var r roleWords
	add := func(s string, c class) {
		toks := strings.Fields(textnorm.Normalize(s))
		if len(toks) > 0 {
			r.phrases = append(r.phrases, rolePhrase{tokens: toks, text: strings.Join(toks, " "), class: c})
		}
	}
	for c, list := range defaultRoles {
		for _, s := range list {
			add(s, c)
		}
	}
	for _, s := range extra {
		add(s, classLeadership)
	}
	slices.SortStableFunc(r.phrases, func(a, b rolePhrase) int {
		if d := len(b.tokens) - len(a.tokens); d != 0 {
			return d
		}
		if d := int(b.class) - int(a.class); d != 0 {
			return d
		}
		return strings.Compare(a.text, b.text)
	})
	return r
}

// find returns the most harmful role phrase in toks, and where it starts
// and ends; ok is false when there is none.
func (r roleWords) find(toks []string) (p rolePhrase, start, end int, ok bool) {
	for _, ph := range r.phrases {
		for i := 0; i+len(ph.tokens) <= len(toks); i++ {
			if slices.Equal(toks[i:i+len(ph.tokens)], ph.tokens) && (!ok || ph.class > p.class) {
				p, start, end, ok = ph, i, i+len(ph.tokens), true
			}
		}
	}
	return p, start, end, ok
}

// personClass rates a directory entry: by its job title's role words,
// then by leadership and finance groups, then the IT role.
func (r roleWords) personClass(p directory.Person) class {
	c := classStaff
	if ph, _, _, ok := r.find(strings.Fields(textnorm.Normalize(p.Title))); ok {
		c = ph.class
	}
	for _, g := range append([]string{p.Role}, p.Groups...) {
		switch strings.ToLower(strings.TrimSpace(g)) {
		case "slt", "leadership", "senior leadership", "headteacher":
			c = max(c, classLeadership)
		case "finance", "bursar", "payroll", "business":
			c = max(c, classFinance)
		case "it", "it support", "it-support":
			c = max(c, classIT)
		}
	}
	return c
}
