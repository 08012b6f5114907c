package offensive

import (
	"github.com/mailward/mailward/scanner/textnorm"
)

// Analyzer reads text the way both the trainer and the scanner must: the
// lexicon's hits, then the model's features of every word. It keeps
// buffers between calls: one Analyzer per goroutine.
type Analyzer struct {
	mt     *Matcher
	opt    FeatureOptions
	fs     []wordFeatures
	fsDone []bool
	canon  []uint64
	ids    []uint32
	grams  []uint32
	// mention marks the words inside quotation marks (mention.go); qz
	// reads the quotations.
	mention []bool
	qz      textnorm.Tokenizer
	// reported: the text read last quotes words and reports or condemns.
	reported bool
	pats     []patternHit
	// mask holds each word's cues (context.go), insult its lexicon
	// evidence for the patterns (patterns.go).
	mask   []cue
	insult []insultKind
	// z and words are the text Read read last, for the patterns' spelling
	// check.
	z     *textnorm.Tokenizer
	words []textnorm.Word
}

// allowedWord is the feature every word of an allow-list phrase gets.
var allowedWord = hashBytes([]byte("\x00allowed"))

// NewAnalyzer returns an analyzer over lex that extracts the features m
// was trained with (none of the optional ones when m is nil).
func NewAnalyzer(lex *Lexicon, m *Model) *Analyzer {
	a := &Analyzer{mt: NewMatcher(lex)}
	if m != nil {
		a.opt = m.Info.Options
	}
	return a
}

// Tokenizer is the analyzer's own tokenizer, for callers that have no
// shared one.
func (a *Analyzer) Tokenizer() *textnorm.Tokenizer { return a.mt.Tokenizer() }

// Read matches words (read by z) against the lexicon and computes their
// features. The hits are valid until the next call.
func (a *Analyzer) Read(z *textnorm.Tokenizer, words []textnorm.Word) []Hit {
	hits := a.mt.MatchWords(z, words)
	a.z, a.words = z, words
	a.canon = a.canon[:0]
	for range words {
		a.canon = append(a.canon, 0)
	}
	for _, h := range hits {
		if h.Len == 1 && h.Disguised && h.canon != 0 {
			a.canon[h.Word] = h.canon
		}
	}
	for _, sp := range a.mt.Allowed() {
		for i := sp[0]; i < sp[1] && i < len(a.canon); i++ {
			a.canon[i] = allowedWord
		}
	}
	a.fs = resize(a.fs, len(words))
	a.fsDone = resize(a.fsDone, len(words))
	clear(a.fsDone)
	a.grams = a.grams[:0]
	// The matcher looked each word up once and kept its cues.
	a.mask = append(a.mask[:0], a.mt.cues...)
	a.insult = resize(a.insult, len(words))
	clear(a.insult)
	for _, h := range hits {
		a.insult[h.Word] |= insultOf(h, a.mask[h.Word])
		a.mask[h.Word] |= termCue
	}
	return hits
}

// ExampleFeatures returns the feature ids of a whole text as one window:
// what the trainer learns from. The slice is reused by the next call.
func (a *Analyzer) ExampleFeatures(text string) []uint32 {
	z := a.mt.Tokenizer()
	words := z.Words(text)
	hits := a.Read(z, words)
	a.features(0, len(words))
	a.ids = windowFeatures(a.fs, a.grams, a.mask, a.opt.Classes, hits, 0, len(words), a.ids[:0])
	return a.ids
}

// resize returns s with length n, reusing its array when it can.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/2)
	}
	return s[:n]
}

// Window sizes for scoring: texts of up to maxWhole words are scored whole
// (the training examples are posts of about that length); longer texts in
// windows of window words every stride words, so one abusive sentence in a
// long letter is not diluted by the rest.
const (
	maxWhole = 48
	window   = 32
	stride   = 16
)

// Window is the model's reading of words[Start:End].
type Window struct {
	Start, End int
	P          [NumHeads]float64
}

// Windows scores the windows of words[s:e] (after Read) for which want
// returns true, and calls fn for each. Windows that want refuses are never
// scored: in ordinary mail most windows hold no word that could make a
// finding, and the weights they would read are the detector's main cost.
func (a *Analyzer) Windows(m *Model, hits []Hit, s, e int, want func(ws, we int) bool, fn func(Window)) {
	if e <= s {
		return
	}
	one := func(ws, we int) {
		if want != nil && !want(ws, we) {
			return
		}
		a.features(ws, we)
		a.ids = windowFeatures(a.fs, a.grams, a.mask, a.opt.Classes, hits, ws, we, a.ids[:0])
		sum := m.Sum(a.ids)
		w := Window{Start: ws, End: we}
		for h := range sum {
			w.P[h] = m.Prob(h, sum[h])
		}
		fn(w)
	}
	if e-s <= maxWhole {
		one(s, e)
		return
	}
	for ws := s; ; ws += stride {
		we := min(ws+window, e)
		one(ws, we)
		if we == e {
			return
		}
	}
}
