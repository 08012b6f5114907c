package offensive

import (
	"github.com/mailward/mailward/scanner/textnorm"
)

// Analyzer reads text the way both the trainer and the scanner must: the
// lexicon's hits, then the model's features of every word. It keeps
// buffers between calls: one Analyzer per goroutine.
type Analyzer struct {
	mt    *Matcher
	fs    []wordFeatures
	canon []uint64
	ids   []uint32
	pats  []patternHit
	// prefix sums of the hashed features per head, for window scores
	uni, bi [][NumHeads]float32
}

// allowedWord is the feature every word of an allow-list phrase gets.
var allowedWord = hashBytes([]byte("\x00allowed"))

// NewAnalyzer returns an analyzer over lex.
func NewAnalyzer(lex *Lexicon) *Analyzer { return &Analyzer{mt: NewMatcher(lex)} }

// Tokenizer is the analyzer's own tokenizer, for callers that have no
// shared one.
func (a *Analyzer) Tokenizer() *textnorm.Tokenizer { return a.mt.Tokenizer() }

// Read matches words (read by z) against the lexicon and computes their
// features. The hits are valid until the next call.
func (a *Analyzer) Read(z *textnorm.Tokenizer, words []textnorm.Word) []Hit {
	hits := a.mt.MatchWords(z, words)
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
	a.fs = featurize(z, words, a.canon, a.fs)
	return hits
}

// ExampleFeatures returns the feature ids of a whole text as one window:
// what the trainer learns from. The slice is reused by the next call.
func (a *Analyzer) ExampleFeatures(text string) []uint32 {
	z := a.mt.Tokenizer()
	words := z.Words(text)
	hits := a.Read(z, words)
	a.ids = windowFeatures(a.fs, hits, 0, len(words), a.ids[:0])
	return a.ids
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

// Windows scores words[s:e] (after Read) in windows and calls fn for each.
func (a *Analyzer) Windows(m *Model, hits []Hit, s, e int, fn func(Window)) {
	if e <= s {
		return
	}
	a.prefix(m, s, e)
	one := func(ws, we int) {
		var sum [NumHeads]float32
		for h := range sum {
			sum[h] = a.uni[we-s][h] - a.uni[ws-s][h]
			if we-ws > 1 {
				sum[h] += a.bi[we-s][h] - a.bi[ws-s+1][h]
			}
		}
		a.ids = a.ids[:0]
		var seen [numTiers]int
		for _, h := range hits {
			if h.Word < ws || h.Word >= we || h.Ambiguous {
				continue
			}
			seen[h.Tier]++
			if seen[h.Tier] <= 2 {
				a.ids = append(a.ids, lexFeature(h.Tier, seen[h.Tier] == 2))
			}
		}
		d := m.Sum(a.ids)
		w := Window{Start: ws, End: we}
		for h := range sum {
			w.P[h] = m.Prob(h, sum[h]+d[h])
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

// prefix fills the prefix sums of unigram and bigram weights of words[s:e].
func (a *Analyzer) prefix(m *Model, s, e int) {
	n := e - s + 1
	a.uni = grow(a.uni, n)
	a.bi = grow(a.bi, n)
	a.uni[0], a.bi[0] = [NumHeads]float32{}, [NumHeads]float32{}
	for i := s; i < e; i++ {
		f := a.fs[i]
		u := m.w[int(f.uni)*NumHeads:]
		b := m.w[int(f.bi)*NumHeads:]
		for h := 0; h < NumHeads; h++ {
			a.uni[i-s+1][h] = a.uni[i-s][h] + u[h]
			a.bi[i-s+1][h] = a.bi[i-s][h] + b[h]
		}
		if f.pre != 0 {
			p := m.w[int(f.pre)*NumHeads:]
			q := m.w[int(f.suf)*NumHeads:]
			for h := 0; h < NumHeads; h++ {
				a.uni[i-s+1][h] += p[h] + q[h]
			}
		}
	}
}

func grow(s [][NumHeads]float32, n int) [][NumHeads]float32 {
	if cap(s) < n {
		return make([][NumHeads]float32, n, n*2)
	}
	return s[:n]
}
