package offensive

import (
	"github.com/mailward/mailward/scanner/textnorm"
)

// Hit is one matched term in one text. It holds no words: only what the
// score and the summary need.
type Hit struct {
	Tier Tier
	// Ambiguous is set for a word that is also a name or an ordinary word
	// and was written plainly: it weighs little.
	Ambiguous bool
	// Disguised is set when the word was obfuscated (leetspeak, masking,
	// separators, look-alike or invisible characters, repeated letters).
	Disguised bool
	// Word is the index of the first word of the match in the text.
	Word, Len int
	// canon is the hash of the matched term (single words), for the model.
	canon uint64
}

// Matcher finds terms in text. It holds reusable buffers: one Matcher per
// goroutine (the scanner keeps them in a sync.Pool).
type Matcher struct {
	lex      *Lexicon
	tok      textnorm.Tokenizer
	z        *textnorm.Tokenizer // the tokenizer whose words are being matched
	hits     []Hit
	allow    [][2]int
	spans    [][2]int
	spanTier []Tier
	// cues are the context cues of each word Match read last.
	cues    []cue
	phrases bool // a phrase matched: its words' own hits are dropped
}

// NewMatcher returns a matcher over lex.
func NewMatcher(lex *Lexicon) *Matcher { return &Matcher{lex: lex} }

// Match returns the hits in text, in order. The slice is reused by the next
// call. All terms are found in one pass over the words: each word is one
// hash look-up that yields its own entry and the phrases it may start.
func (m *Matcher) Match(text string) []Hit {
	return m.MatchWords(&m.tok, m.tok.Words(text))
}

// Allowed returns the word spans of the allow-list phrases Match found last
// ("faggots and peas", "spotted dick"): the model must not read their
// words as the terms they contain.
func (m *Matcher) Allowed() [][2]int { return m.allow }

// Tokenizer is the matcher's own tokenizer, whose words Match read last.
func (m *Matcher) Tokenizer() *textnorm.Tokenizer { return &m.tok }

// MatchWords is Match over words already read by z (shared with other
// detectors through the message's derived values). The hits are valid
// until the next call.
func (m *Matcher) MatchWords(z *textnorm.Tokenizer, words []textnorm.Word) []Hit {
	m.hits = m.hits[:0]
	m.allow = m.allow[:0]
	m.phrases = false
	m.z = z
	m.cues = m.cues[:0]
	for i, w := range words {
		b := m.z.Bytes(w)
		nd := m.lex.nodes[string(b)]
		if nd != nil {
			m.cues = append(m.cues, nd.cue)
		} else {
			m.cues = append(m.cues, 0)
		}
		if nd != nil && len(nd.phrases) > 0 {
			for _, p := range nd.phrases {
				if p.leetOnly && w.Flags&textnorm.Leet == 0 {
					continue
				}
				if n, disguised, ok := m.phraseAt(words, i, p.rest); ok {
					if p.allow {
						m.allow = append(m.allow, [2]int{i, i + n})
						continue
					}
					m.hits = append(m.hits, m.hit(p.entry, words[i:i+n], disguised, i, n))
					m.phrases = true
				}
			}
		}
		if nd == nil && w.Flags&textnorm.Disguised == 0 {
			continue // the common case: an ordinary, undisguised word
		}
		e, disguised, ok := m.lex.lookupNode(nd, b, w.Flags)
		if !ok && w.Flags&textnorm.Joined != 0 && len(b) > 3 && (b[0] == 'a' || b[0] == 'i') {
			// "a c.u.n.t": the article joined the spelled-out word.
			e, disguised, ok = m.lex.lookupWord(b[1:], w.Flags)
		}
		if ok {
			m.hits = append(m.hits, m.hit(e, words[i:i+1], disguised, i, 1))
		}
	}
	if len(m.allow) > 0 || m.phrases {
		m.dropCovered()
	}
	return m.hits
}

// phraseAt reports whether the words after i are rest, and the phrase's
// length in words.
func (m *Matcher) phraseAt(words []textnorm.Word, i int, rest []string) (n int, disguised, ok bool) {
	if i+len(rest) >= len(words) {
		return 0, false, false
	}
	for j, want := range rest {
		w := words[i+1+j]
		b := m.z.Bytes(w)
		if string(b) == want {
			continue
		}
		if w.Flags&textnorm.Leet != 0 && leetEqual(b, want) {
			continue
		}
		if w.Flags&textnorm.Masked != 0 && maskMatch(b, want) {
			disguised = true
			continue
		}
		if w.Flags&textnorm.Disguised != 0 && hasDouble(b) && squeeze(string(b)) == squeeze(want) {
			disguised = true
			continue
		}
		return 0, false, false
	}
	return len(rest) + 1, disguised, true
}

// leetEqual compares a leetspeak word with a term where the text's 'i' may
// stand for the term's 'l' ("ki11" reads "kiii").
func leetEqual(b []byte, want string) bool {
	if len(b) != len(want) {
		return false
	}
	for i := range b {
		if b[i] != want[i] && !(b[i] == 'i' && want[i] == 'l') {
			return false
		}
	}
	return true
}

func (m *Matcher) hit(e entry, ws []textnorm.Word, disguised bool, i, n int) Hit {
	h := Hit{Tier: e.tier, Word: i, Len: n, Disguised: disguised, canon: e.canon}
	for _, w := range ws {
		if w.Flags&textnorm.Disguised != 0 {
			h.Disguised = true
		}
	}
	h.Ambiguous = e.ambiguous && !h.Disguised
	return h
}

// dropCovered removes hits that overlap an allow-listed phrase ("homo
// sapiens", "spotted dick", "dead right"), and single-word hits inside a
// matched phrase: "you retard" is one harassment phrase, not also a slur.
func (m *Matcher) dropCovered() {
	m.spans = m.spans[:0]
	m.spanTier = m.spanTier[:0]
	for _, h := range m.hits {
		if h.Len > 1 && !overlaps(h, m.allow) {
			m.spans = append(m.spans, [2]int{h.Word, h.Word + h.Len})
			m.spanTier = append(m.spanTier, h.Tier)
		}
	}
	out := m.hits[:0]
	for _, h := range m.hits {
		if overlaps(h, m.allow) || h.Len == 1 && m.coveredBySevere(h) {
			continue
		}
		out = append(out, h)
	}
	m.hits = out
}

// coveredBySevere reports whether a one-word hit lies inside a phrase of
// its tier or a more severe one: "you retard" is one abusive phrase and
// also a slur, but "fuck off" is not also a profanity.
func (m *Matcher) coveredBySevere(h Hit) bool {
	for i, a := range m.spans {
		if h.Word < a[1] && a[0] < h.Word+h.Len && (m.spanTier[i] >= h.Tier || h.Tier == Strong || h.Tier == Mild) {
			return true
		}
	}
	return false
}

// overlaps reports whether h overlaps any of the word spans.
func overlaps(h Hit, spans [][2]int) bool {
	for _, a := range spans {
		if h.Word < a[1] && a[0] < h.Word+h.Len {
			return true
		}
	}
	return false
}
