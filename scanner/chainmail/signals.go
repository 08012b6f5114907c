package chainmail

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mailward/mailward/scanner/textnorm"
)

// A family is one kind of evidence. A chain letter shows several kinds; a
// newsletter asking parents to share an event shows one at most. Each family
// counts once per message, with the strength of its strongest pattern.
type family int

// Wording families.
const (
	famForwardN   family = iota // forward to N people
	famForwardAll               // forward to everyone / as many as you can / keep it going
	famDeadline                 // within N minutes/hours/days
	famLuck                     // luck promised, misfortune threatened, broken chains
	famNotHoax                  // "this is not a joke", "it really works"
	famVirusHoax                // virus warnings that ask to be forwarded
	famPrayer                   // prayer chains
	famMoney                    // money chains, "Bill Gates will pay you"
	famAppeal                   // fake appeals: "for every forward ... donates"
	famLocal                    // chain_mail.extra_phrases from the config
	famAuthority                // unverifiable authority: "confirmed by police", "a friend of my cousin"
	famCopyPaste                // "copy and paste", "share before midnight", permission notices
	famThreat                   // threats if not passed on: "your account will be deleted"
	famUrgency                  // "don't scroll past", "it could save a life" (support only)
	famPressure                 // "93% won't copy this", "I know who will", "let's see who reads"
	numWording
)

// Structure families, counted after the wording ones.
const (
	famFwdSubject family = numWording + iota // stacked Fwd: in the subject
	famNested                                // nested forwarded headers in the body
	famQuoteDepth                            // deep '>' quoting
	famRecipients                            // long list of earlier recipients
	numFamilies
)

var familyNames = [numFamilies]string{
	famForwardN: "forward to N people", famForwardAll: "forward to everyone", famDeadline: "deadline",
	famLuck: "luck or misfortune", famNotHoax: "not a hoax", famVirusHoax: "virus warning",
	famPrayer: "prayer chain", famMoney: "money chain", famAppeal: "appeal per forward",
	famLocal: "local phrase", famAuthority: "unverifiable authority", famCopyPaste: "copy and paste",
	famThreat: "threat if not passed on", famUrgency: "urgency",
	famPressure: "social pressure", famFwdSubject: "stacked Fwd: subject", famNested: "nested forwarded headers",
	famQuoteDepth: "deep quoting", famRecipients: "long recipient list",
}

// pattern is one regular expression over normalised text (lowercase words
// and numbers separated by single spaces; contractions lose their ending, so
// "don't" reads "don").
type pattern struct {
	fam      family
	strength float64
	re       *regexp.Regexp
	// req are strings one of which every match holds (nil: none known);
	// a window without any of them is not searched.
	req [][]byte
}

const (
	num    = `(\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a hundred|hundred)`
	people = `(\w+ ){0,3}(people|friends|persons|others|contacts|women|men|girls|boys|guys|colleagues|mums|moms|mothers|loved ones|members|addresses|groups|chats)`
	send   = `(forward|forwarded|forwarding|send|sent|pass|passed|share|copy|repost|resend|e mail|email|mail)`
	it     = `(this|it|this message|this mail|this email|this e mail|this letter|this poem|this prayer|this on)`
)

func p(f family, s float64, re string) pattern {
	expr := `\b(?:` + re + `)\b`
	pt := pattern{fam: f, strength: s, re: regexp.MustCompile(expr)}
	for _, l := range requiredLiterals(expr) {
		pt.req = append(pt.req, []byte(l))
	}
	return pt
}

// patterns are the wording signals of every language read through
// textnorm (English, then the Latin-script languages of latin.go).
var patterns = slices.Concat(enPatterns, hoaxPatterns, latinPatterns)

// enPatterns are the first English wording signals. Strengths are small
// on purpose: no single phrase makes a finding.
var enPatterns = []pattern{
	p(famForwardN, 0.5, send+` (\w+ ){0,6}(to|with) (at least |atleast |a minimum of |only )?`+num+` `+people),
	p(famForwardN, 0.5, `(forward|send|pass) (\w+ ){0,4}(on )?to `+num+` (\w+ ){0,3}(within|in the next|before)`),
	p(famForwardN, 0.4, `(if you (do not|don|dont|fail to|refuse to) (forward|send|pass|share))`),
	p(famForwardAll, 0.3, send+` (\w+ ){0,4}to (everyone|everybody|all) (you know|in your (address book|contacts|contact list)|your (friends|contacts))`),
	p(famForwardAll, 0.3, send+` (\w+ ){0,4}to as many (people|friends|\w+) as (you can|possible)`),
	p(famForwardAll, 0.3, `(keep (this|it|the chain) (going|alive|moving)|do not let (this|it|the chain) (die|stop))`),
	p(famForwardAll, 0.3, `send (this|it) back to (me|the person who sent it|whoever sent it)`),
	p(famForwardAll, 0.2, `(pass|send|forward) `+it+` on`),
	p(famDeadline, 0.25, `(within|in the next|in less than|before) (the next )?`+num+` (minutes|minute|mins|hours|hour|hrs|days|day)`),
	p(famDeadline, 0.2, `(within|in) the next (hour|day|few (minutes|hours|days))`),
	p(famDeadline, 0.2, `(before|by) midnight`),
	p(famDeadline, 0.2, `(minutes|hours|days) (of|after) (reading|receiving|opening) (this|it)`),
	p(famLuck, 0.4, `(good|bad) luck (will|for)`),
	p(famLuck, 0.4, `(years?|months?|days?|lifetime) of (bad|good) luck`),
	p(famLuck, 0.4, `(break|broke|breaks|breaking|broken) (this|the) chain`),
	p(famLuck, 0.35, `(your )?wish(es)? will (come true|be granted)`),
	p(famLuck, 0.35, `(something|anything) (good|wonderful|amazing|bad|terrible|great) will happen`),
	p(famLuck, 0.25, `(lost|lose|loses) (his|her|their|your) (job|house|home|wife|husband|life|money|fortune)`),
	p(famLuck, 0.3, `(died|dies|was killed) (\w+ ){0,2}(days|weeks|hours) later`),
	p(famLuck, 0.3, `(will|shall) (receive|get|have|bring you|come to you|be blessed with) (\w+ ){0,3}(luck|money|blessings?|miracles?|love|fortune)`),
	p(famLuck, 0.3, `misfortune`),
	p(famLuck, 0.25, `make a wish`),
	p(famNotHoax, 0.35, `(this|it) is (not|no) (a )?(joke|hoax|chain letter|chain mail|scam|spam|urban legend|prank)`),
	p(famNotHoax, 0.3, `(this|it) (is|was) (true|real|genuine|legit)`),
	p(famNotHoax, 0.3, `it (really|actually) works`),
	p(famNotHoax, 0.3, `(confirmed|verified) by (microsoft|aol|snopes|cnn|the bbc|bbc|the police|police|ibm|norton|mcafee|symantec)`),
	p(famNotHoax, 0.25, `(do not|don|dont) (delete|ignore) (this|it)`),
	p(famVirusHoax, 0.35, `(virus|worm|trojan) (\w+ ){0,12}(erase|erases|destroy|destroys|delete|deletes|wipe|wipes|damage|damages|eat|eats) (\w+ ){0,3}(hard drive|hard disk|hard disc|computer|c drive|zero sector|files)`),
	p(famVirusHoax, 0.35, `if you (receive|get) an? (e mail|email|mail|message|file|card|invitation) (\w+ ){0,3}(titled|called|entitled|with the (subject|title)|named)`),
	p(famVirusHoax, 0.3, `(worst|most destructive|most dangerous) virus`),
	p(famVirusHoax, 0.3, `(there is )?no (cure|remedy|fix) (for it|for this|yet)`),
	p(famVirusHoax, 0.2, `(microsoft|norton|mcafee|aol|ibm|symantec|cnn)( has| have)? (just )?(announced|confirmed|warned|reported)`),
	p(famVirusHoax, 0.35, `(jdbgmgr|sulfnbk|teddy bear icon|zero sector|budweiser frogs|olympic torch|life is beautiful powerpoint|postcard from hallmark)`),
	p(famPrayer, 0.4, `prayer (chain|circle chain)`),
	p(famPrayer, 0.35, `(god|jesus|the lord|allah) will (bless|reward|answer)`),
	p(famPrayer, 0.35, `if you (love|believe in|trust) (god|jesus|the lord|allah)`),
	p(famPrayer, 0.35, `ashamed (of|to share) (god|jesus|him|your faith)`),
	p(famPrayer, 0.35, `ashamed (\w+ ){0,5}(god|jesus|the lord|allah)|(don|do not|dont) let (the )?(devil|satan) (stop|win)`),
	p(famPrayer, 0.3, `(angels?|guardian angel) (\w+ ){0,8}(forward|send|pass)`),
	p(famMoney, 0.4, `send (\w+ ){0,2}\d+ (\w+ ){0,4}to (the (first|top) (name|person)|each (name|person))`),
	p(famMoney, 0.4, `(remove|delete|cross off) the (top|first) name`),
	p(famMoney, 0.4, `add your name (to|at) the (bottom|end)`),
	p(famMoney, 0.4, `bill gates (\w+ ){0,10}(pay|share|money|fortune|dollars|beta|give)`),
	p(famMoney, 0.35, `(microsoft|aol|disney|nokia|gap|coca cola|apple|tesco|asda|sainsbury|sainsburys) (\w+ ){0,4}(will (pay|give|send)|is giving|are giving)`),
	p(famMoney, 0.35, `(will |are |is )?(track|tracking|trace|tracing) (this|the|your) (e mail|email|message|mail)`),
	p(famAppeal, 0.4, `(donate|donates|give|gives|pay|pays|receive|receives|get|gets) (\w+ ){0,3}(\d+p|(\d+ )?(cents|pence|dollars|pounds|cent|penny)) (\w+ ){0,4}(every|each) (time|forward|email|e mail|person|share|one)`),
	p(famAppeal, 0.4, `for (every|each) (forward|share|email|e mail|person who (forwards|shares|sends)|time (this|it) is (forwarded|sent|shared))`),
	p(famAppeal, 0.3, `(little|young|\d+ year old) (girl|boy) (\w+ ){0,12}(cancer|leukemia|leukaemia|tumour|tumor|dying|brain)`),
	p(famAppeal, 0.3, `missing (child|girl|boy|daughter|son) (\w+ ){0,20}(forward|pass (this|it) on|share)`),
}

// negatives are the words of IT warnings and meta-discussion about chain
// letters; each one found halves the score, so a message that warns about a
// chain letter (and may quote one) stays clean.
var negatives = []*regexp.Regexp{
	regexp.MustCompile(`\b(this|it|that|the message|the email|the e mail|these|they|which|messages?|letters?|e ?mails?|posts?) (is|are|was|were) (a |an |just a |just |an old |all |always )?(hoax|hoaxes|chain letters?|chain mails?|chain e ?mails?|scam|scams|fake|not real|not true|false|urban legend|phishing)\b`),
	regexp.MustCompile(`\b((please|kindly|just) (do not|don|dont|never)|never|should not|must not) (forward|pass on|send on|reply to|circulate|share) (it|this|them|chain|such|these|the message|any)\b`),
	regexp.MustCompile(`\b(snopes|hoax slayer|hoaxslayer|action fraud)\b`),
	regexp.MustCompile(`\b(against|breach of|breaches|breaking) (the |our |trust |school )?(acceptable use|ict|e ?mail|it)? ?policy\b`),
	regexp.MustCompile(`\breport (it|this|them|such \w+|these \w+|any \w+) to\b`),
	regexp.MustCompile(`\bchain (letters?|mails?|e ?mails?|messages?) (is|are|can|waste|clog)\b`),
	regexp.MustCompile(`\bnothing (bad )?will (happen|come of it)\b`),
	regexp.MustCompile(`\b(about|on|of|like|called|such as|spot|check) (the )?(chain (letters?|messages?|mails?|e ?mails?)|hoax(es)?|fake news|scary messages)\b`),
	regexp.MustCompile(`\b(to nieprawda|to lancuszek|nie przesylac|nie przesylajcie|nu este adevarat|este un lant|sa nu il trimiteti|no es verdad|nao e verdade|es un bulo|e boato)\b`),
}

// needs are words one of which every pattern of a family must contain: a
// cheap test that skips the family's regular expressions for most text.
// Those of enPatterns are listed, and every pattern adds the literals one
// of which each of its matches holds (requiredLiterals): the listed words
// missed "before midnight", for one.
var needs = withRequired(enNeeds, patterns)

var enNeeds = [numWording][]string{
	famForwardN:   {"forward", "send", "sent", "pass", "share", "copy", "repost", "mail"},
	famForwardAll: {"forward", "send", "sent", "pass", "share", "copy", "repost", "mail", "keep", "let"},
	famDeadline:   {"min", "hour", "hrs", "day"},
	famLuck:       {"luck", "chain", "wish", "happen", "los", "die", "killed", "money", "bless", "miracle", "love", "fortune"},
	famNotHoax:    {"joke", "hoax", "chain", "scam", "spam", "legend", "prank", "true", "real", "genuine", "legit", "works", "confirmed", "verified", "delete", "ignore"},
	famVirusHoax:  {"virus", "worm", "trojan", "if you", "cure", "remedy", "fix", "announced", "confirmed", "warned", "reported", "jdbgmgr", "sulfnbk", "teddy", "zero sector", "budweiser", "olympic", "beautiful", "hallmark"},
	famPrayer:     {"prayer", "god", "jesus", "lord", "allah", "ashamed", "angel"},
	famMoney:      {"send", "remove", "delete", "cross off", "add your name", "gates", "microsoft", "aol", "disney", "nokia", "gap", "coca", "apple", "tesco", "asda", "sainsbury", "trac"},
	famAppeal:     {"every", "each", "girl", "boy", "missing"},
}

// needWords are the words of needs and negativeNeeds, each once, with a
// bit per family (bit f) and per negative (bit negBit+i) that needs it. One
// pass of needSet over a text finds them all.
var (
	needWords []string
	needMask  []uint32
	needSet   *phraseSet
)

// negBit is the first bit of the negatives in needMask.
const negBit = 16

func init() {
	if len(negativeNeeds) != len(negatives) {
		panic("chainmail: negativeNeeds and negatives differ in length")
	}
	if int(numWording) > negBit || negBit+len(negatives) > 32 {
		panic("chainmail: too many families or negatives for a uint32 mask")
	}
	index := map[string]int{}
	add := func(w string, bit uint) {
		i, ok := index[w]
		if !ok {
			i = len(needWords)
			index[w] = i
			needWords = append(needWords, w)
			needMask = append(needMask, 0)
		}
		needMask[i] |= 1 << bit
	}
	for f, ws := range needs {
		for _, w := range ws {
			add(w, uint(f))
		}
	}
	for i, ws := range negativeNeeds {
		for _, w := range ws {
			add(w, uint(negBit+i))
		}
	}
	needSet = newPhraseSet(needWords, false)
}

// hit is one occurrence of needWords[word] starting at text offset start.
type hit struct {
	word  uint16
	start int32
}

// findNeeds appends to hits the occurrences of the need words in text, and
// returns them with the union of their masks. Like a strings.Index loop per
// word, it keeps, per word, only occurrences that start after the previous
// kept one ends, so the windows built from them are the same.
func findNeeds(text []byte, hits []hit, w *work) ([]hit, uint32) {
	lastEnd := w.lastEnd
	for i := range lastEnd {
		lastEnd[i] = 0
	}
	var seen uint32
	w.raw = appendHits(needSet, text, w.raw[:0], &w.scratch)
	for _, h := range w.raw {
		id, end := h.id(), h.end()
		start := end - len(needWords[id])
		if start < lastEnd[id] {
			continue
		}
		lastEnd[id] = end
		hits = append(hits, hit{word: uint16(id), start: int32(start)})
		seen |= needMask[id]
	}
	return hits, seen
}

// wording scores the normalised text's wording signals into strengths.
// hits are the need words found in text (findNeeds), seen their masks;
// w is scratch space. Indexed patterns run in the windows of their own
// literals (patternIndex.find); any other in its family's windows.
func wording(text []byte, hits []hit, seen uint32, extra [][]byte, s *[numFamilies]float64, w *work) {
	mainIndex.find(text, s, w)
	wins := w.wins[:0]
	var checked [numWording]bool
	var famWins [numWording][][2]int
	for i, pt := range patterns {
		if mainIndex.indexed[i] || s[pt.fam] >= pt.strength {
			continue
		}
		if seen&(1<<uint(pt.fam)) == 0 {
			continue // no window
		}
		if !checked[pt.fam] {
			checked[pt.fam] = true
			start := len(wins)
			wins = windows(text, hits, 1<<uint(pt.fam), wins)
			famWins[pt.fam] = wins[start:len(wins):len(wins)]
		}
		for _, w := range famWins[pt.fam] {
			win := text[w[0]:w[1]]
			if pt.req != nil && !containsAny(win, pt.req) {
				continue
			}
			if pt.re.Match(win) {
				s[pt.fam] = pt.strength
				break
			}
		}
	}
	w.wins = wins
	for _, ph := range extra {
		if containsPhrase(text, ph) {
			s[famLocal] = 0.4
			break
		}
	}
}

// windowReach is how far a pattern's match can reach from the word it
// needs: the longest pattern spans about 25 words.
const windowReach = 400

// windows appends to out the stretches of text around each hit of a word
// whose mask has bit, merged and cut at spaces so no word is split, and
// returns out. Patterns run on these windows only, so a long message costs
// little more than a short one.
func windows(text []byte, hits []hit, bit uint32, out [][2]int) [][2]int {
	base := len(out)
	for _, h := range hits {
		if needMask[h.word]&bit != 0 {
			j := int(h.start)
			out = append(out, [2]int{j - windowReach, j + len(needWords[h.word]) + windowReach})
		}
	}
	if len(out) == base {
		return out
	}
	ws := out[base:]
	slices.SortFunc(ws, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	merged := ws[:1]
	for _, w := range ws[1:] {
		last := &merged[len(merged)-1]
		if w[0] <= last[1] {
			last[1] = max(last[1], w[1])
			continue
		}
		merged = append(merged, w)
	}
	for i := range merged {
		a, b := cutWindow(text, merged[i][0], merged[i][1])
		merged[i] = [2]int{a, b}
	}
	return out[:base+len(merged)]
}

// cutWindow clips text[a:b] to the text and cuts it at spaces, so that no
// word is split.
func cutWindow(text []byte, a, b int) (int, int) {
	if a <= 0 {
		a = 0
	} else if k := bytes.IndexByte(text[a:], ' '); k >= 0 {
		a += k + 1
	}
	if b >= len(text) {
		b = len(text)
	} else if k := bytes.LastIndexByte(text[:b], ' '); k >= a {
		b = k
	}
	if a > b {
		a = b
	}
	return a, b
}

// negativeNeeds are, per negative, words one of which it must contain.
var negativeNeeds = [][]string{
	{"hoax", "chain", "scam", "fake", "not real", "not true", "false", "legend", "phishing"},
	{"forward", "pass on", "send on", "reply to", "circulate", "share"},
	{"snopes", "hoax", "action fraud"},
	{"policy"},
	{"report"},
	{"chain"},
	{"nothing"},
	{"chain", "hoax", "fake", "scary"},
	{"nieprawda", "lancuszek", "nie przesyl", "nu este adevarat", "este un lant", "nu il trimite", "no es verdad", "nao e verdade", "bulo", "boato"},
}

// negativeCount counts the meta-discussion signals in text; seen is the
// mask of the need words it holds (findNeeds).
func negativeCount(text []byte, seen uint32, w *work) int {
	if seen>>negBit == 0 {
		return 0
	}
	// found[i] > 0: negative i matched (negIndex gives each its own slot).
	var found [numFamilies]float64
	negIndex.find(text, &found, w)
	n := 0
	for i := range negatives {
		if seen&(1<<uint(negBit+i)) != 0 && found[i] > 0 {
			n++
		}
	}
	return n
}

// negIndex runs each negative's expression only in the windows around its
// own literals, as mainIndex does for the patterns: over a whole long text
// (a spreadsheet's cells, a newsletter) the expressions, which start with
// an alternation and have no literal prefix to skip by, took a fifth of
// the relay's CPU on a realistic mix. Each negative is a pattern whose
// family is its own slot in the strengths array find fills.
var negIndex = newPatternIndex(func() []pattern {
	if len(negatives) > int(numFamilies) {
		panic("chainmail: more negatives than strength slots")
	}
	ps := make([]pattern, len(negatives))
	for i, re := range negatives {
		ps[i] = pattern{fam: family(i), strength: 1, re: re}
		if specificLiterals(re.String()) == nil {
			panic("chainmail: a negative without literals cannot be indexed")
		}
	}
	return ps
}())

// containsPhrase reports whether normalised text holds the normalised phrase
// as whole words.
func containsPhrase(text, phrase []byte) bool {
	if len(phrase) == 0 {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(phrase)
		if (j == 0 || text[j-1] == ' ') && (end == len(text) || text[end] == ' ') {
			return true
		}
		i = j + 1
	}
}

// fwdDepth counts stacked forward prefixes in a subject ("Fwd: FW: Fwd:");
// reply prefixes between them are skipped.
func fwdDepth(subject string) int {
	n := 0
	s := strings.TrimSpace(subject)
	for len(s) > 0 {
		s = strings.TrimLeft(s, "[( ")
		found := false
		for _, pre := range subjectPrefixes {
			if len(s) >= len(pre) && strings.EqualFold(s[:len(pre)], pre) {
				if !strings.HasPrefix(pre, "re") && pre != "aw:" && pre != "sv:" {
					n++
				}
				s = strings.TrimLeft(strings.TrimSpace(s[len(pre):]), "])")
				s = strings.TrimSpace(s)
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return n
}

// subjectPrefixes are forward prefixes in several languages, then replies.
var subjectPrefixes = []string{"fwd:", "fw:", "tr:", "wg:", "rv:", "enc:", "doorst:", "vs:", "fwd :", "fw :", "re:", "re :", "aw:", "sv:"}

// structure reads the body's forwarding structure: nested forward markers,
// the deepest quoting, and the e-mail addresses it lists.
func structure(body string) (markers, depth int, addrs map[string]bool) {
	addrs = map[string]bool{}
	rest := body
	for len(rest) > 0 {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		d, i := 0, 0
		for i < len(line) && (line[i] == '>' || line[i] == ' ' || line[i] == '\t') {
			if line[i] == '>' {
				d++
			}
			i++
		}
		if d > depth {
			depth = d
		}
		// Forwarded headers only: "Ann wrote:" lines are a discussion.
		if textnorm.IsForwardMarker(line[i:], rest) && !strings.HasSuffix(strings.TrimSpace(line), ":") ||
			isForwardHeaderStart(line[i:], rest) {
			markers++
		}
		if strings.IndexByte(line, '@') >= 0 {
			for _, a := range addressRe.FindAllString(line, 200) {
				addrs[strings.ToLower(a)] = true
			}
		}
	}
	return markers, depth, addrs
}

// isForwardHeaderStart reports an Outlook-style forwarded header block
// ("From: ..." followed by "Sent:"/"Subject:"), or a "Begin forwarded
// message:" line, which end in a colon but are forwards, not replies.
func isForwardHeaderStart(line, rest string) bool {
	// Both forms start with a 'b' or an 'f', and no other character
	// lowercases to either: most lines are rejected without a copy.
	// (Non-ASCII starts, which may be Unicode spaces, take the long way.)
	if l := strings.TrimLeft(line, " \t\n\v\f\r"); l == "" {
		return false
	} else if c := l[0]; c < utf8.RuneSelf && c != 'b' && c != 'B' && c != 'f' && c != 'F' {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(line))
	if strings.HasPrefix(t, "begin forwarded message") {
		return true
	}
	return strings.HasPrefix(t, "from:") && textnorm.IsForwardMarker(line, rest)
}

var addressRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
