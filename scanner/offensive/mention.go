package offensive

import (
	"unicode"
	"unicode/utf8"

	"github.com/mailward/mailward/scanner/textnorm"
)

// Words in quotation marks are mentioned, not used: "he called her a
// 'stupid bitch'", "the banner read 'Muslims are a cancer'". In a text
// that also reports or condemns (a reporting verb, "unacceptable", "the
// police have been informed"), such words count as reported speech. The
// tokenizer drops quotation marks, so they are found in the text itself
// and matched to its words.

// maxMention is the longest quotation read as one mention: longer spans
// are passages, not a phrase someone said.
const maxMention = 300

// maxMentions bounds the quotations read in one text, and mentionReach how
// far past the previous one a quotation's words are looked for: hostile
// text full of quotation marks costs linear time, not quadratic.
const (
	maxMentions  = 256
	mentionReach = 4096
)

// quoteContext are words that, beside a quotation, show it is being
// reported: what was read, heard or found, and to whom it went.
var quoteContext = cues("read", "reads", "heard", "hear", "shouted", "wrote", "graffiti", "banner", "sign",
	"police", "informed", "reported", "report", "reporting", "incident", "logged", "think", "thinks", "believe",
	"believes", "challenged", "challenge", "sanction", "sanctioned", "investigate", "investigating")

// markMentions sets a.mention for the words of words (read from text by z)
// that stand inside quotation marks, and returns whether any does.
func (a *Analyzer) markMentions(text string, z *textnorm.Tokenizer, words []textnorm.Word) bool {
	a.mention = resize(a.mention, len(words))
	clear(a.mention)
	found := false
	next := 0 // words before next are taken by earlier mentions
	for n, seg := range quotations(text) {
		if n == maxMentions {
			break
		}
		qw := a.qz.Words(seg)
		if len(qw) == 0 {
			continue
		}
		at := findWords(z, words, &a.qz, qw, next)
		if at < 0 {
			continue
		}
		for i := at; i < at+len(qw); i++ {
			a.mention[i] = true
		}
		next, found = at+len(qw), true
	}
	return found
}

// findWords is the first index at or after from where words continue with
// the words qw (read by qz), or -1.
func findWords(z *textnorm.Tokenizer, words []textnorm.Word, qz *textnorm.Tokenizer, qw []textnorm.Word, from int) int {
outer:
	for i := from; i+len(qw) <= len(words) && i-from <= mentionReach; i++ {
		for j, w := range qw {
			if string(z.Bytes(words[i+j])) != string(qz.Bytes(w)) {
				continue outer
			}
		}
		return i
	}
	return -1
}

// quotations returns the insides of the quotations in s: text between
// matching quotation marks ("...", “...”, '...', ‘...’, «...») that opens
// after a space or the start and closes before a space, punctuation or the
// end, so that apostrophes ("you're", "the pupils' books") open none.
func quotations(s string) []string {
	var out []string
	for i := 0; i < len(s) && len(out) < maxMentions; {
		// Only these bytes start a quotation mark: skip the rest unread.
		if c := s[i]; c != '"' && c != '\'' && c != 0xE2 && c != 0xC2 {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		closer, ok := openers[r]
		if !ok || !opensAt(s, i) {
			i += n
			continue
		}
		start := i + n
		end := -1
		for j := start; j < len(s) && j-start <= maxMention; {
			c, m := utf8.DecodeRuneInString(s[j:])
			if c == closer && j > start && closesAt(s, j+m) {
				end = j
				break
			}
			j += m
		}
		if end < 0 {
			i += n
			continue
		}
		out = append(out, s[start:end])
		i = end + utf8.RuneLen(closer)
	}
	return out
}

// openers maps each opening quotation mark to its closing one.
var openers = map[rune]rune{'"': '"', '\'': '\'', '“': '”', '‘': '’', '«': '»', '„': '“'}

// opensAt: a quotation mark at s[i] opens when the start, a space or an
// opening bracket is before it and a letter or digit after it.
func opensAt(s string, i int) bool {
	if i > 0 {
		p, _ := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsSpace(p) && p != '(' && p != '[' && p != ':' {
			return false
		}
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	c, _ := utf8.DecodeRuneInString(s[i+n:])
	return unicode.IsLetter(c) || unicode.IsDigit(c)
}

// closesAt: a quotation mark ending at s[:j] closes when the end, a space
// or punctuation follows it.
func closesAt(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	c, _ := utf8.DecodeRuneInString(s[j:])
	return unicode.IsSpace(c) || unicode.IsPunct(c)
}

// hasMentionContext says whether a word outside the quotations reports or
// condemns what they say.
func hasMentionContext(mask []cue, mention []bool) bool {
	for i, m := range mask[:min(len(mask), len(mention))] {
		if !mention[i] && m&(reporting|condemn|metaSpeech|quoteContext) != 0 {
			return true
		}
	}
	return false
}

// evaluativeMentioned says whether the evaluative words of words[s:e] (the
// lexicon's hits, demeaning words and groups) are all inside quotation
// marks, and there is one: the window's abuse is what it quotes.
func evaluativeMentioned(mask []cue, mention []bool, s, e int) bool {
	any := false
	for i := max(s, 0); i < e && i < len(mask) && i < len(mention); i++ {
		if mask[i]&(termCue|derogatory|groups) == 0 {
			continue
		}
		if !mention[i] {
			return false
		}
		any = true
	}
	return any
}
