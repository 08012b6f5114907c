package credentials

import (
	"hash/fnv"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// secret is one password found in a text. The value itself is never
// kept: only a hash, to count distinct passwords across the plain and
// HTML forms of one body.
type secret struct {
	hash  uint64
	score float64
	pair  bool // a user name was given beside it
	// doc is set when the password is said to be for a document (an
	// attachment, a PDF, a zip) rather than an account.
	doc bool
}

// passwordRe finds a password keyword, an optional "for <system>" or "to
// the wifi", a separator ("is", ':', '=', "set to") and the value after
// it. Group 1 is the keyword, 2 what it is for, 3 the separator, 4 the
// value.
var passwordRe = regexp.MustCompile(`(?i)\b(pass(?:words?|wd|codes?|phrase|key)|pwd|p/w|pw|pass|wi-?fi\s+(?:key|code)|network\s+key)\b` +
	`((?:\s+(?:for|to|of|on)\s+(?:the\s+|my\s+|your\s+|our\s+|his\s+|her\s+|their\s+)?(?:[\w'’.-]+\s+){0,3}?[\w'’.-]+)?)` +
	`(\s*(?:(?:is|was|will\s+be|is\s+now|remains|has\s+been\s+(?:changed|reset|set)\s+to|(?:changed|reset|set)\s+to|to)\s*[:=-]?|[:=]|\s[-–]))\s*` +
	`["'“‘«]?([^\s"'”’»]{1,80})`)

// bareRe finds a password keyword followed straight by its value, with no
// separator ("and password Oakfield123"); only a strong value counts.
var bareRe = regexp.MustCompile(`(?i)\b(passwords?|passwd|pwd|pw)\s+["'“‘«]?([^\s"'”’»]{8,80})`)

// userRe finds a user name keyword; group 2 is a value given with a
// separator ("Username: jsmith", "login is j.smith@trust.example"), group
// 3 one written straight after "username" or "user id" ("username
// jbloggs"), which counts unless it is an ordinary word.
var userRe = regexp.MustCompile(`(?i)\b(user\s*names?|user\s*ids?|userid|log-?in(?:\s+(?:name|id))?|log-?on(?:\s+name)?|sign-?in\s+name|account\s+name)\b` +
	`(?:\s*(?:is|:|=)\s*["'“]?([\w.@\\+-]{2,64})|\s+([\w.@\\+-]{2,64}))?`)

// pairRe finds a user name followed by a password-like string without a
// password keyword: "login jsmith / Welcome2024!". Group 2 is the
// candidate password.
var pairRe = regexp.MustCompile(`(?i)\b(?:user\s*name|user\s*id|userid|log-?in|log-?on)\b\s*(?:is|:|=)?\s*[\w.@\\+-]{2,64}\s*(?:/|,|\s|;)\s*(?:(?:and|with)\s+)?["'“]?(\S{8,64})`)

// sharedCodeRe marks text where a passcode is meant to be shared: meeting
// invitations carry one for every invitee.
var sharedCodeRe = regexp.MustCompile(`(?i)\b(?:meeting\s+id|zoom|webinar|conference\s+id|dial-?in|teams\s+meeting|join\s+(?:the\s+)?meeting|google\s+meet|webex)\b`)

// exampleRe marks a password given as an example of a good one, in
// advice: "a strong password, e.g. Tr0ub4dor&3".
var exampleRe = regexp.MustCompile(`(?i)\b(?:e\.g\.?|for\s+example|for\s+instance|such\s+as|example|like)\b`)

// documentRe marks a password for a document rather than an account.
var documentRe = regexp.MustCompile(`(?i)\b(?:attach(?:ed|ment)|document|file|pdf|spreadsheet|zip|archive|encrypted|protected|open\s+(?:it|the))\b`)

// builtinSystems are school systems whose name beside a value makes it
// more likely a login. Compared case-insensitively as whole words.
var builtinSystems = []string{"sims", "arbor", "bromcom", "scholarpack", "cpoms", "myconcern", "office 365", "o365",
	"microsoft 365", "outlook", "teams", "google", "gmail", "classroom", "chromebook", "wifi", "wi-fi", "network",
	"windows", "laptop", "ipad", "email", "e-mail", "tapestry", "seesaw", "class dojo", "classdojo", "sparx", "ttrs",
	"times tables rock stars", "purple mash", "purplemash", "parentpay", "scopay", "parentmail", "schoolcomms",
	"gcsepod", "hegarty", "educake", "seneca", "accelerated reader", "mis", "portal", "vpn", "remote desktop"}

// stopValues are words that follow "password is" or "password:" in
// ordinary prose about passwords, placeholders, and masks: none is a
// password being shared.
var stopValues = toSet(`a an the your my our his her their its this that these those it which what when where who how
is was be been being are were will would should must can could may might shall has have had do does did not no
never yes none nil null n/a na tbc tba tbd blank empty same unchanged hidden redacted removed secret private
protected protection required needed incorrect correct wrong invalid valid weak strong case sensitive case-sensitive
expired expires expiring expiry expiration changed change changing reset resetting below above attached enclosed
sent separately different unknown forgotten forgot lost please here there field box manager policy policies hint
reminder recovery length requirements complexity and or but if then so to for of on in with by at from as via
one same-as see use using set enter entered typed new old current previous default temporary still now also
only just like than into onto over under about into again once twice every each all any some such own
login logon username user password passwords passcode pwd pw email address account details information info
protect protecting sharing share shared given supplied provided available issued needed needs need necessary
xxx xxxx xxxxx xxxxxx xxxxxxxx abc abcd foo bar baz test example sample changeme dummy placeholder
stored saved written kept mandatory optional`)

// commonWords may follow "username" in prose without being one.
var commonWords = toSet(`field box page prompt format rules convention reminder request requests changes change
problem problems issue issues list lists template templates here there again first please will would should must
can cannot could may might shall`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// classes counts the character classes of s: lower, upper, digit, other.
func classes(s string) (lower, upper, digit, other bool) {
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	return
}

func nclasses(s string) int {
	l, u, d, o := classes(s)
	n := 0
	for _, b := range []bool{l, u, d, o} {
		if b {
			n++
		}
	}
	return n
}

// strongLike reports whether s looks like a password by itself: 8 to 64
// characters of at least three classes, and not a URL, address, date,
// version, path or piece of code.
func strongLike(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 8 || n > 64 || nclasses(s) < 3 || looksLikeOther(s) {
		return false
	}
	l, u, _, _ := classes(s)
	return l || u
}

// looksLikeOther rejects strings that are something other than a
// password: links, addresses, paths, code, masks, dates and numbers
// with separators.
func looksLikeOther(s string) bool {
	ls := strings.ToLower(s)
	switch {
	case strings.Contains(ls, "://"), strings.HasPrefix(ls, "www."), strings.HasPrefix(ls, "mailto:"):
		return true
	case strings.Contains(s, "@") && strings.Contains(s[strings.IndexByte(s, '@'):], "."):
		return true // an address
	case strings.ContainsAny(s, "$(){}<>[];\\`|") || strings.Contains(s, "%s") || strings.Contains(s, "->"):
		return true // code or a placeholder
	case strings.Count(s, "/") >= 2 || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~"):
		return true // a path or a date
	case strings.Trim(s, "*•●xX#.-_?") == "":
		return true // a mask
	case strings.Trim(s, "0123456789:./-+,") == "" && strings.ContainsAny(s, ":./-,"):
		return true // a date, time, phone number or version
	case strings.HasPrefix(ls, "re:") || strings.HasPrefix(ls, "fw:") || strings.HasPrefix(ls, "fwd:"):
		return true
	}
	return false
}

// cleanValue trims quotes and the punctuation that ends a sentence.
func cleanValue(v string) string {
	v = strings.TrimLeft(v, "\"'“‘«")
	return strings.TrimRight(v, "\"'”’».,;:!?)")
}

// valueScore judges the value after a password keyword: 0 when it is no
// password, else a base score. sep says how it was introduced; endOfClause
// whether nothing but punctuation follows it on its line or sentence.
func valueScore(raw, sep string, endOfClause bool) float64 {
	if strings.HasPrefix(raw, "<") || strings.HasPrefix(raw, "[") || strings.HasPrefix(raw, "{") || strings.HasPrefix(raw, "(") {
		return 0 // a placeholder: <your password>, [redacted]
	}
	v := cleanValue(raw)
	n := utf8.RuneCountInString(v)
	if n < 4 || n > 64 || stopValues[strings.ToLower(v)] || looksLikeOther(v) {
		return 0
	}
	hasSep := strings.TrimSpace(sep) != ""
	l, u, d, o := classes(v)
	letters := l || u
	switch {
	case strongLike(v):
		return 0.7
	case !hasSep:
		return 0 // "password Welcome1" without a separator needs a strong value
	case n >= 6 && letters && d:
		return 0.7 // letters and digits: "tiger42x"
	case d && !letters && !o && n >= 4 && endOfClause:
		return 0.55 // digits only, a PIN-like code: "passcode: 4821"
	case letters && !d && !o && n >= 5 && endOfClause:
		return 0.55 // one word ending the clause: "my password is sunshine"
	}
	return 0
}

// find returns the passwords shared in text. systems are the lowercase
// system names that raise confidence.
func find(text string, systems []string) []secret {
	if !mayHold(text) {
		return nil
	}
	var out []secret
	lines := splitLines(text)
	for i, line := range lines {
		if len(out) >= maxSecrets {
			break // enough to decide; the count in the summary stops here
		}
		ll := strings.ToLower(line)
		pw := strings.Contains(ll, "pass") || strings.Contains(ll, "pw") || strings.Contains(ll, "p/w") || strings.Contains(ll, "key")
		user := strings.Contains(ll, "user") || strings.Contains(ll, "log")
		if !pw && !user {
			continue
		}
		var nb *near
		around := func() near {
			if nb == nil {
				n := nearOf(window(lines, i, 2), systems)
				nb = &n
			}
			return *nb
		}
		for _, m := range findIf(pw, passwordRe, line) {
			kw := strings.ToLower(line[m[2]:m[3]])
			sep := line[m[6]:m[7]]
			raw := line[m[8]:m[9]]
			if m[2] > 0 && strings.ContainsRune("$._>-/\\", rune(line[m[2]-1])) {
				continue // code: $password, user.password, --password
			}
			if m[3] < len(line) && line[m[3]] == '_' {
				continue
			}
			if (kw == "pass" || kw == "pw" || kw == "p/w" || kw == "pwd") && !strings.ContainsAny(sep, ":=") && !strings.Contains(strings.ToLower(sep), "is") {
				continue // "pass the ball", "pw 2" are no passwords
			}
			end := m[9]
			rest := strings.TrimLeft(line[end:], "\"'”’»")
			endOfClause := strings.TrimSpace(strings.Trim(rest, ".,;:!?) ")) == "" || strings.HasPrefix(strings.TrimSpace(rest), ".") ||
				strings.HasPrefix(strings.TrimSpace(rest), ",") || strings.HasPrefix(strings.TrimSpace(rest), ";") ||
				strings.HasPrefix(strings.TrimSpace(rest), "/") || strings.HasPrefix(strings.TrimSpace(rest), "|")
			sc := valueScore(raw, sep, endOfClause)
			if sc == 0 || exampleRe.MatchString(line[max(0, m[2]-60):m[8]]) {
				continue
			}
			if around().meeting {
				continue // a meeting passcode, meant for every invitee
			}
			s := secret{hash: hash(cleanValue(raw)), score: sc, doc: documentRe.MatchString(line)}
			s.boost(line[:m[2]], line[m[2]:m[5]], around())
			out = append(out, s)
		}
		for _, m := range findIf(pw, bareRe, line) {
			if m[2] > 0 && strings.ContainsRune("$._>-/\\", rune(line[m[2]-1])) {
				continue
			}
			v := cleanValue(line[m[4]:m[5]])
			if !strongLike(v) || around().meeting {
				continue
			}
			s := secret{hash: hash(v), score: 0.7, doc: documentRe.MatchString(line)}
			s.boost(line[:m[2]], "", around())
			out = append(out, s)
		}
		for _, m := range findIf(user, pairRe, line) {
			v := cleanValue(line[m[2]:m[3]])
			if m[0] > 0 && strings.ContainsRune("$._>-/\\", rune(line[m[0]-1])) {
				continue // a command-line flag or code: --username=nobody
			}
			if !strongLike(v) || strings.HasPrefix(v, "-") || strings.Contains(v, "=") || passwordRe.MatchString(line[m[0]:m[3]]) {
				continue // not password-like, or already read as "password: ..."
			}
			if around().meeting {
				continue
			}
			s := secret{hash: hash(v), score: 0.6, pair: true}
			s.boost("", "", around())
			out = append(out, s)
		}
	}
	return out
}

// near is what the lines around a candidate say, computed once per line
// and only for lines with a candidate.
type near struct {
	user    bool // a user name given with a separator ("Username: jsmith")
	system  bool // a school system named
	meeting bool // a meeting invitation, whose passcode is for everyone
}

func nearOf(ctx string, systems []string) near {
	var n near
	// Matches may overlap ("login: username jbloggs"): after one that
	// gives no user name, search again from its next word.
	for pos := 0; pos < len(ctx); {
		loc := userRe.FindStringSubmatchIndex(ctx[pos:])
		if loc == nil {
			break
		}
		u := make([]string, 4)
		for g := 0; g < 4; g++ {
			if loc[2*g] >= 0 {
				u[g] = ctx[pos+loc[2*g] : pos+loc[2*g+1]]
			}
		}
		pos += loc[3] // past the keyword
		v := strings.ToLower(cleanValue(u[2]))
		if u[2] == "" && u[3] != "" && strings.HasPrefix(strings.ToLower(u[1]), "user") {
			v = strings.ToLower(cleanValue(u[3]))
		}
		if v != "" && !stopValues[v] && !commonWords[v] {
			n.user = true
			break
		}
	}
	lc := strings.ToLower(ctx)
	for _, sys := range systems {
		if containsWord(lc, sys) {
			n.system = true
			break
		}
	}
	n.meeting = sharedCodeRe.MatchString(ctx)
	return n
}

// boost raises a secret's score for what surrounds it: a user name given
// beside it (a login pair: +0.2), "my password" (+0.1), a school system
// named nearby (+0.1), "the password for my ..." (+0.1).
func (s *secret) boost(before, kwFor string, n near) {
	s.pair = s.pair || n.user
	if s.pair {
		s.score += 0.2
	}
	// "my password", "my SIMS password", "our wifi password".
	w := strings.Fields(strings.ToLower(before[max(0, len(before)-40):]))
	for _, x := range w[max(0, len(w)-3):] {
		if x == "my" || x == "our" {
			s.score += 0.1
			break
		}
	}
	if n.system {
		s.score += 0.1
	}
	if containsWord(strings.ToLower(kwFor), "my") {
		s.score += 0.1
	}
}

// mayHold is a cheap test that a text could hold a password at all.
func mayHold(text string) bool {
	lt := strings.ToLower(text)
	return strings.Contains(lt, "pass") || strings.Contains(lt, "pw") || strings.Contains(lt, "key") ||
		strings.Contains(lt, "p/w") || strings.Contains(lt, "log") || strings.Contains(lt, "user")
}

// findIf runs re over line only when a cheap test said it may match.
func findIf(ok bool, re *regexp.Regexp, line string) [][]int {
	if !ok {
		return nil
	}
	return re.FindAllStringSubmatchIndex(line, -1)
}

// maxSecrets bounds the passwords read from one text: a finding is
// certain long before, and a hostile text must not make the scan slow.
const maxSecrets = 100

// maxLine is the longest piece of text read as one line; longer lines
// are read in overlapping pieces, so that nothing is left unread.
const maxLine = 2048

// splitLines splits text into lines, cutting lines over maxLine into
// pieces that overlap by a quarter, at rune boundaries.
func splitLines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for len(line) > maxLine {
			cut := maxLine
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			out = append(out, line[:cut])
			next := cut - maxLine/4
			for next > 0 && !utf8.RuneStart(line[next]) {
				next--
			}
			if next <= 0 {
				next = cut
			}
			line = line[next:]
		}
		out = append(out, line)
	}
	return out
}

// window joins the lines within d of line i.
func window(lines []string, i, d int) string {
	lo, hi := max(0, i-d), min(len(lines), i+d+1)
	return strings.Join(lines[lo:hi], "\n")
}

// containsWord reports whether w occurs in s (both lowercase) between
// non-letters.
func containsWord(s, w string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		before, after := i == 0, i+len(w) >= len(s)
		if !before {
			r, _ := utf8.DecodeLastRuneInString(s[:i])
			before = !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}
		if !after {
			r, _ := utf8.DecodeRuneInString(s[i+len(w):])
			after = !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}
		if before && after {
			return true
		}
		off = i + 1
	}
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
