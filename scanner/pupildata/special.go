package pupildata

import (
	"fmt"
	"sort"
	"strings"
)

// Special-category and safeguarding content about a named child: the
// commonest breach after a spreadsheet is a SEN, medical or safeguarding note
// sent to a personal mailbox. A term alone is not enough (letters to parents
// mention free school meals and the SENCo); the text must name a child
// (a forename and surname near a school marker such as "Year 8" or "(8B)")
// and touch two areas, or safeguarding twice.

type specialGroup int

const (
	grpSEN specialGroup = iota
	grpMedical
	grpSafeguarding
	grpFSM
	grpEthnicity
	grpReligion
	grpFamily
	numGroups
)

var groupLabels = [numGroups]string{"SEN", "medical", "safeguarding", "FSM/PP", "ethnicity", "religion", "family"}

type term struct {
	word   string
	group  specialGroup
	strong bool // a safeguarding term that is hardly ever innocent
}

var specialTerms = []term{
	{"ehcp", grpSEN, false}, {"ehc plan", grpSEN, false}, {"education health and care plan", grpSEN, false},
	{"special educational needs", grpSEN, false}, {"sen support", grpSEN, false}, {"sen register", grpSEN, false},
	{"send register", grpSEN, false}, {"autism", grpSEN, false}, {"autistic", grpSEN, false}, {"asd", grpSEN, false},
	{"adhd", grpSEN, false}, {"dyslexia", grpSEN, false}, {"dyslexic", grpSEN, false}, {"dyspraxia", grpSEN, false},
	{"speech and language", grpSEN, false}, {"global developmental delay", grpSEN, false},
	{"learning difficulties", grpSEN, false}, {"learning difficulty", grpSEN, false}, {"sen need", grpSEN, false},

	{"diagnosed", grpMedical, false}, {"diagnosis", grpMedical, false}, {"medication", grpMedical, false},
	{"epilepsy", grpMedical, false}, {"epileptic", grpMedical, false}, {"diabetes", grpMedical, false},
	{"diabetic", grpMedical, false}, {"anaphylaxis", grpMedical, false}, {"epipen", grpMedical, false},
	{"camhs", grpMedical, false}, {"mental health", grpMedical, false}, {"self-harm", grpMedical, true},
	{"self harm", grpMedical, true}, {"self-harming", grpMedical, true}, {"self harming", grpMedical, true},
	{"eating disorder", grpMedical, true}, {"anorexia", grpMedical, true}, {"seizures", grpMedical, false},
	{"suicidal", grpMedical, true}, {"suicide attempt", grpMedical, true}, {"depression", grpMedical, false},
	{"anxiety disorder", grpMedical, false}, {"on medication", grpMedical, false}, {"cystic fibrosis", grpMedical, false},
	{"cerebral palsy", grpMedical, false}, {"type 1 diabetes", grpMedical, false}, {"pregnant", grpMedical, false},
	{"overdose", grpMedical, true}, {"paediatrician", grpMedical, false}, {"care plan", grpMedical, false},

	{"child protection", grpSafeguarding, true}, {"cp plan", grpSafeguarding, true},
	{"child protection plan", grpSafeguarding, true}, {"child in need", grpSafeguarding, false},
	{"cin plan", grpSafeguarding, true}, {"section 47", grpSafeguarding, true}, {"s47", grpSafeguarding, true},
	{"mash", grpSafeguarding, false}, {"lado", grpSafeguarding, true}, {"strategy meeting", grpSafeguarding, true},
	{"strategy discussion", grpSafeguarding, true}, {"disclosed", grpSafeguarding, false},
	{"safeguarding concern", grpSafeguarding, true}, {"social worker", grpSafeguarding, true},
	{"social care", grpSafeguarding, false}, {"early help", grpSafeguarding, false},
	{"looked after child", grpSafeguarding, true}, {"foster carer", grpSafeguarding, false},
	{"foster placement", grpSafeguarding, true}, {"domestic abuse", grpSafeguarding, true},
	{"domestic violence", grpSafeguarding, true}, {"neglect", grpSafeguarding, false},
	{"sexual abuse", grpSafeguarding, true}, {"physical abuse", grpSafeguarding, true},
	{"bruising", grpSafeguarding, false}, {"bruises", grpSafeguarding, false},
	{"bruise", grpSafeguarding, false}, {"abuse", grpSafeguarding, false}, {"abused", grpSafeguarding, false},
	{"assaulted", grpSafeguarding, false}, {"grooming", grpSafeguarding, true}, {"groomed", grpSafeguarding, true},
	{"exploitation", grpSafeguarding, false}, {"missing from home", grpSafeguarding, true},
	{"harmful sexual behaviour", grpSafeguarding, true}, {"cpoms", grpSafeguarding, true},
	{"myconcern", grpSafeguarding, true}, {"designated safeguarding lead", grpSafeguarding, false},
	{"fgm", grpSafeguarding, true}, {"county lines", grpSafeguarding, true},
	{"foster carers", grpSafeguarding, false}, {"foster care", grpSafeguarding, false},
	{"placement breakdown", grpSafeguarding, true}, {"care order", grpSafeguarding, true},
	{"special guardianship", grpSafeguarding, true}, {"children's social care", grpSafeguarding, false},
	{"on a child protection plan", grpSafeguarding, true},
	{"hitting her", grpSafeguarding, false}, {"hitting him", grpSafeguarding, false}, {"hits her", grpSafeguarding, false},
	{"hits him", grpSafeguarding, false}, {"scared to go home", grpSafeguarding, true}, {"marks on her", grpSafeguarding, false},
	{"marks on his", grpSafeguarding, false}, {"disclosure", grpSafeguarding, false},
	{"educational psychologist", grpSEN, false}, {"speech and language delay", grpSEN, false},
	{"on the sen register", grpSEN, false},
	{"access arrangements", grpSEN, false}, {"25% extra time", grpSEN, false}, {"scribe", grpSEN, false},
	{"dyscalculia", grpSEN, false}, {"hearing impairment", grpSEN, false}, {"visual impairment", grpSEN, false},
	{"semh", grpSEN, false},
	{"eligible for free school meals", grpFSM, false}, {"free meals", grpFSM, false},
	{"asylum seekers", grpEthnicity, false}, {"refugee", grpEthnicity, false}, {"traveller", grpEthnicity, false},
	{"gypsy", grpEthnicity, false}, {"roma", grpEthnicity, false}, {"no recourse to public funds", grpEthnicity, false},
	{"muslim", grpReligion, false}, {"hindu", grpReligion, false}, {"sikh", grpReligion, false},
	{"jewish", grpReligion, false}, {"jehovah's witness", grpReligion, false}, {"mosque", grpReligion, false},
	{"gurdwara", grpReligion, false}, {"synagogue", grpReligion, false}, {"converted to", grpReligion, false},
	{"in prison", grpFamily, false}, {"is in prison", grpFamily, false}, {"prison sentence", grpFamily, false},
	{"divorce", grpFamily, false}, {"custody", grpFamily, false},
	{"bereavement", grpFamily, false}, {"bereaved", grpFamily, false}, {"passed away", grpFamily, false},
	{"young carer", grpFamily, false}, {"birth mother", grpFamily, false}, {"birth father", grpFamily, false},
	{"birth parents", grpFamily, false}, {"non-molestation", grpFamily, true}, {"court order", grpFamily, false},
	{"temporary accommodation", grpFamily, false}, {"homeless", grpFamily, false}, {"food bank", grpFamily, false},
	{"mum's boyfriend", grpFamily, false}, {"mum's partner", grpFamily, false},

	{"free school meals", grpFSM, false}, {"fsm", grpFSM, false}, {"pupil premium", grpFSM, false},

	{"ethnicity", grpEthnicity, false}, {"ethnic origin", grpEthnicity, false}, {"asylum seeker", grpEthnicity, false},
	{"refugee status", grpEthnicity, false},
}

// childMarkers are words that put a named person in a school as a child.
var childMarkers = []string{
	"pupil", "student", "child", "son", "daughter", "dob", "nursery", "reception", "aged", "boy", "girl",
	"tutor group", "form group", "his class", "her class", "their class", "form tutor", "class teacher",
	"at school", "in school", "in class", "lesson", "at break", "at lunchtime", "playground",
	"mum", "dad", "his mum", "her mum", "his dad", "her dad", "his mother", "her mother", "his father", "her father",
}

// schoolContext words say a text is about school life; special-category
// content about a named child counts only in such a text.
var schoolContext = []string{
	"pupil", "pupils", "student", "students", "form group", "tutor group", "form tutor", "class teacher",
	"in class", "lesson", "lessons", "at lunch", "at lunchtime", "at break", "playground", "dsl", "senco",
	"cpoms", "myconcern", "teacher", "tutor", "head of year", "inclusion", "sen", "ehcp", "iep",
	"nursery", "classroom", "detention", "teaching assistant", "in reception", "tutor group", "my tutor group",
	"breakfast club", "mocks", "invigilator", "exams officer", "access arrangements", "school",
}

// parentFraming marks a letter written to a parent about their own child.
var parentFraming = []string{
	"dear parent", "dear parents", "dear parent/carer", "dear parents/carers", "dear parent carer",
	"your child", "your son", "your daughter", "dear mr", "dear mrs", "dear ms", "dear miss", "dear mx",
	"dear dr", "your son's", "your daughter's", "your child's", "hi mr", "hi mrs", "hi ms", "hi miss",
	"hello mr", "hello mrs", "hello ms", "hello miss",
}

// notNames are capitalised words that start pairs which are not a person.
var notNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`dear year the a an and or of in on at to for from with by this that these those
		mr mrs ms miss mx dr prof sir dame rev lord lady
		monday tuesday wednesday thursday friday saturday sunday january february march april may june july
		august september october november december spring summer autumn winter term half
		school academy trust college primary secondary junior infant nursery local authority council county city
		borough social care child children protection early help head deputy assistant teacher designated
		safeguarding lead officer team services service health mental nhs police education plan special
		educational needs pupil premium free meals key stage ks1 ks2 ks3 ks4 sen send senco ehcp camhs
		kind best many regards thanks thank yours sincerely faithfully warm wishes please dear hi hello
		new old great north south east west upper lower road street lane avenue close drive house park
		we i he she they it you our my his her their its is are was were be has have had will would can could
		meeting report review annual form group class english maths science history geography music art
		pe re drama french spanish german computing design technology religious studies physical
		google microsoft apple linux windows open source free software red hat
		news newsletter bulletin update updates weekly letter notice reminder information minutes agenda
		christmas easter ramadan eid diwali week day days month term's children's`) {
		notNames[w] = true
	}
}

type specialEvidence struct {
	groups [numGroups]bool
	terms  int
	strong int
	// named is how many different children the text names (a forename
	// and surname near a school marker), counted up to 50.
	named int
	// inSchool counts the children named beside a year or form group
	// ("Year 3", "(8B)", "Y10") or a DOB: pupils, not people in the news.
	inSchool int
	parent   bool
}

func (s specialEvidence) ngroups() int {
	n := 0
	for _, g := range s.groups {
		if g {
			n++
		}
	}
	return n
}

// score: a named child with two special areas (or two terms, one a strong
// safeguarding term, or any three terms), or three pupils named beside their year or form with one
// area, 0.7; more with strong safeguarding terms or a third area. Written to
// the child's parent, well under the reporting threshold.
func (s specialEvidence) score() float64 {
	g := s.ngroups()
	switch {
	case s.named == 0:
		return 0
	case g >= 2, s.strong >= 1 && s.terms >= 2, s.terms >= 3:
	case s.inSchool >= 3 && g >= 1: // a list of pupils with their needs
	default:
		return 0
	}
	sc := 0.7
	if s.strong > 0 {
		sc += 0.1
	}
	if g >= 3 {
		sc += 0.05
	}
	if s.parent {
		sc *= 0.55
	}
	return sc
}

func (s *specialEvidence) merge(o specialEvidence) {
	if o.score() > s.score() {
		*s = o
	}
}

// describe says what was found, for summaries: areas and how many children.
func (s specialEvidence) describe() string {
	who := "a named child"
	if s.named > 1 {
		who = fmt.Sprintf("%d named children", s.named)
	}
	return joinAnd(s.labels()) + " details about " + who
}

// labels names the areas touched, for summaries.
func (s specialEvidence) labels() []string {
	var out []string
	for g, ok := range s.groups {
		if ok {
			out = append(out, groupLabels[g])
		}
	}
	return out
}

// scanSpecial reads one text with its keyword index. Only terms in the same
// paragraph as a named child count: a newsletter that praises a pupil in
// one paragraph and mentions free school meals in another names no child's
// special-category data. The first head bytes are a heading (the subject)
// that belongs to every paragraph.
func scanSpecial(text string, ix *textIndex, head int) specialEvidence {
	var s specialEvidence
	if len(ix.terms) == 0 || len(ix.markers) == 0 || !ix.schoolContext {
		return s
	}
	s.parent = ix.parent
	breaks := paragraphBreaks(text)
	para := func(pos int) int { return sort.SearchInts(breaks, pos) }
	withTerms := map[int]bool{}
	for _, h := range ix.terms {
		withTerms[para(h.pos)] = true
	}
	used := map[int]bool{} // paragraphs that name a child and hold terms
	for _, n := range namedPairs(text, ix.markers, ix.school, 50) {
		p := para(n.pos)
		if n.pos < head && len(withTerms) > 0 {
			for q := range withTerms {
				used[q] = true
			}
		} else if !withTerms[p] {
			continue
		}
		used[p] = true
		s.named++
		if n.school {
			s.inSchool++
		}
	}
	seen := map[int]bool{}
	for _, h := range ix.terms {
		if !used[para(h.pos)] || seen[h.term] {
			continue
		}
		seen[h.term] = true
		t := specialTerms[h.term]
		s.groups[t.group] = true
		s.terms++
		if t.strong {
			s.strong++
		}
	}
	return s
}

// paragraphBreaks returns the sorted offsets of blank lines.
func paragraphBreaks(text string) []int {
	var out []int
	for off := 0; ; {
		k := strings.Index(text[off:], "\n")
		if k < 0 {
			return out
		}
		at := off + k + 1
		j := at
		for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
			j++
		}
		if j < len(text) && text[j] == '\n' {
			out = append(out, at)
		}
		off = at
	}
}

// yearGroupPositions finds "year 8", "yr 10", "y7" and form groups "(8B)".
func yearGroupPositions(lower string) []int {
	var pos []int
	for i := 0; i < len(lower); i++ {
		if i > 0 && isAlnum(lower[i-1]) {
			continue
		}
		rest := lower[i:]
		var p int
		switch {
		case strings.HasPrefix(rest, "year "):
			p = i + 5
		case strings.HasPrefix(rest, "yr "):
			p = i + 3
		case rest[0] == 'y':
			p = i + 1
		case isDigit(rest[0]):
			// a bare form group: 7B, 10JW (not 5MB, 3D, 2PM)
			n, q := digitsAt(lower, i, 2)
			r := q
			for r < len(lower) && r-q < 3 && lower[r] >= 'a' && lower[r] <= 'z' {
				r++
			}
			if n >= 1 && n <= 13 && r > q && (r == len(lower) || !isAlnum(lower[r])) && !units[lower[q:r]] {
				pos = append(pos, i)
			}
			continue
		case rest[0] == '(':
			// (8B), (10JW)
			_, q := digitsAt(lower, i+1, 2)
			if q > i+1 {
				r := q
				for r < len(lower) && r-q < 3 && lower[r] >= 'a' && lower[r] <= 'z' {
					r++
				}
				if r > q && r < len(lower) && lower[r] == ')' {
					pos = append(pos, i)
				}
			}
			continue
		default:
			continue
		}
		n, q := digitsAt(lower, p, 2)
		if q > p && n >= 1 && n <= 13 && (q == len(lower) || !isAlnum(lower[q])) {
			pos = append(pos, i)
		}
	}
	return pos
}

// units are letters after a number that are not a form group.
var units = map[string]bool{}

func init() {
	for _, u := range strings.Fields("a b c d e f g h i j k l m n o p q r s t u v w x y z " +
		"mb gb kb tb pb am pm th st nd rd hz px mm cm km kg ml mg fps bit bn gw kw mw lb oz ft yd mph kph ghz mhz khz yo yr yrs hr hrs min") {
		if len(u) > 1 {
			units[u] = true
		}
	}
	// Single letters are the commonest form groups ("7B"), except a few.
	for _, u := range []string{"d", "k", "g", "x", "m", "s", "h", "v", "w", "p", "l", "t"} {
		units[u] = true
	}
}

// namedPair is a "Forename Surname" near a marker.
type namedPair struct {
	pos    int
	school bool // within 40 characters of a school marker
}

// namedPairs finds the different "Forename Surname" pairs within 80
// characters of a marker, up to limit. A pair preceded by a title (Mrs
// Smith) is an adult; pairs with known non-name words ("Social Care", "Year
// Group") are skipped.
func namedPairs(text string, markers, school []int, limit int) []namedPair {
	var out []namedPair
	seen := map[string]bool{}
	prevWord := ""
	prevCapEnd := -1 // end of the last capitalised word
	for i := 0; i < len(text) && len(out) < limit; {
		if !isUpper(text[i]) || (i > 0 && isAlnum(text[i-1])) {
			if isAlnum(text[i]) {
				j := i
				for j < len(text) && isAlnum(text[j]) {
					j++
				}
				prevWord = strings.ToLower(text[i:j])
				i = j
				continue
			}
			i++
			continue
		}
		j := capWordEnd(text, i)
		if j < 0 {
			for i < len(text) && isAlnum(text[i]) {
				i++
			}
			prevWord = ""
			continue
		}
		w1 := text[i:j]
		paired := false
		titled := titles[strings.TrimSuffix(prevWord, ".")]
		if j+1 < len(text) && text[j] == ' ' && isUpper(text[j+1]) {
			if k := capWordEnd(text, j+1); k > 0 {
				w2 := text[j+1 : k]
				paired = true
				possessive := strings.HasSuffix(w2, "'s")
				if !seen[text[i:k]] && !notNames[strings.ToLower(w1)] && !notNames[strings.ToLower(w2)] &&
					!titled && nearAny(markers, i, 80) && (possessive || !adultRole(text, k)) {
					seen[text[i:k]] = true
					out = append(out, namedPair{i, nearAny(school, i, 40)})
				}
			}
		}
		// A known given name alone, placed in a class by what follows it:
		// "Kacper in Year 5", "Tyler (9C)".
		second := i >= 2 && text[i-1] == ' ' && prevCapEnd == i-1
		if !paired && !second && !titled && !seen[w1] && givenName(w1) && inClassAfter(text, j) {
			seen[w1] = true
			out = append(out, namedPair{i, true})
		}
		prevWord = strings.ToLower(w1)
		prevCapEnd = j
		i = j
	}
	return out
}

// adultWords said of a person right after their name make them an adult:
// "Sarah Turner (Year 4 teacher)", "Jo Bloggs, SENCo".
var adultWords = []string{"teacher", "teaching assistant", "ta", "senco", "head", "headteacher", "deputy",
	"lead", "leader", "officer", "manager", "nurse", "social worker", "governor", "colleague", "staff",
	"mum", "mother", "dad", "father", "parent", "carer", "grandparent", "tutor", "coach", "clerk", "admin",
	"caretaker", "chair", "trustee", "director", "dsl", "ceo", "principal", "assistant", "practitioner"}

// adultRole reports a role said of the person named just before end:
// "Sarah Turner (Year 4 teacher)", "Jo Bloggs, SENCo". Only words that
// describe a post may stand between the name and the role ("Year 4",
// "our", "the"): in "Ellie Marsh in my tutor group" or "Amira Hussain,
// Year 10. Her father ..." the role word belongs to someone else.
func adultRole(text string, end int) bool {
	stop := min(len(text), end+30)
	window := strings.ToLower(text[end:stop])
	words := strings.FieldsFunc(window, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'')
	})
	// The window is cut at 30 characters; a cut last word does not count.
	if stop < len(text) && isAlnum(text[stop]) && len(words) > 0 {
		words = words[:len(words)-1]
	}
	for i, w := range words {
		if adultWord[w] {
			// "tutor group", "class teacher's" are about the class.
			return !(i+1 < len(words) && (words[i+1] == "group" || words[i+1] == "groups"))
		}
		if !roleFiller[w] && !isDigits(w) && !(len(w) <= 3 && w[0] >= '0' && w[0] <= '9') {
			return false
		}
	}
	return false
}

var adultWord = map[string]bool{}

// roleFiller are words that may stand between a name and its post.
var roleFiller = map[string]bool{"is": true, "was": true, "our": true, "the": true, "a": true, "an": true,
	"year": true, "yr": true, "class": true, "school": true, "acting": true, "interim": true, "senior": true,
	"of": true, "and": true, "key": true, "stage": true, "ks1": true, "ks2": true, "eyfs": true, "new": true,
	"your": true, "maths": true, "english": true, "science": true, "pe": true, "music": true, "sen": true,
	"pastoral": true, "attendance": true, "safeguarding": true, "family": true, "support": true, "learning": true}

func init() {
	for _, w := range adultWords {
		for _, f := range strings.Fields(w) {
			adultWord[f] = true
		}
	}
	delete(adultWord, "social") // "social worker": the worker is the role
}

var titles = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true, "sir": true, "dame": true, "rev": true}

// capWordEnd returns the end of a name-like word at i (an upper-case letter,
// then at least one lower-case letter, hyphens or apostrophes), or -1.
func capWordEnd(text string, i int) int {
	j := i + 1
	for j < len(text) && (text[j] >= 'a' && text[j] <= 'z' || text[j] == '-' || text[j] == '\'') {
		j++
	}
	if j-i < 2 || (j < len(text) && isAlnum(text[j])) {
		return -1
	}
	return j
}

// inClassAfter reports a school place right after a name ending at j: " in
// Year 5", " (9C)", ", Year 10", " in Reception", " in my tutor group".
func inClassAfter(text string, j int) bool {
	rest := text[j:min(len(text), j+24)]
	l := strings.ToLower(rest)
	for _, p := range []string{" in reception", " in nursery", " in my class", " in my tutor group", " in my form",
		" in our class", " in my set"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	var after string
	for _, p := range []string{" in ", ", ", " (", " from "} {
		if strings.HasPrefix(l, p) {
			after = l[len(p):]
			break
		}
	}
	if after == "" {
		return false
	}
	if strings.HasPrefix(after, "year ") || strings.HasPrefix(after, "yr ") {
		after = after[strings.IndexByte(after, ' ')+1:]
		n, q := digitsAt(after, 0, 2)
		return q > 0 && n >= 1 && n <= 13 && (q == len(after) || !isAlnum(after[q]))
	}
	if len(after) > 0 && after[0] == 'y' {
		after = after[1:]
		n, q := digitsAt(after, 0, 2)
		return q > 0 && n >= 1 && n <= 13 && (q == len(after) || !isAlnum(after[q]))
	}
	// a form group: 9C, 10JW
	n, q := digitsAt(after, 0, 2)
	if q == 0 || n < 1 || n > 13 {
		return false
	}
	r := q
	for r < len(after) && r-q < 3 && after[r] >= 'a' && after[r] <= 'z' {
		r++
	}
	return r > q && (r == len(after) || !isAlnum(after[r])) && !units[after[q:r]]
}
