package chainmail

import (
	"cmp"
	"slices"
)

// Each pattern is indexed by its specific literals (specificLiterals): one
// Aho-Corasick pass over a text finds every occurrence of every pattern's
// literals, and a pattern's regular expression runs only in the windows
// around its own literals. Windows per family (the need words) served a
// few dozen English patterns; with a dozen languages and the hoax forms a
// family's need words include common ones ("your", "will") whose windows
// cover most of a long text, and every pattern of the family then ran
// there.
type patternIndex struct {
	pats []pattern
	// words are the distinct literals of the patterns, pats[lits[i]]
	// those holding words[i].
	words []string
	lits  [][]uint16
	set   *phraseSet
	// indexed[i] reports that pats[i] has literals (all of them do; one
	// without falls back to its family's windows).
	indexed []bool
}

// mainIndex indexes patterns (over textnorm's words), scriptIndex
// scriptPatterns (over scriptWords').
var (
	mainIndex   = newPatternIndex(patterns)
	scriptIndex = newPatternIndex(scriptPatterns)
)

func newPatternIndex(pats []pattern) *patternIndex {
	if len(pats) > 1<<16 {
		panic("chainmail: too many patterns")
	}
	ix := &patternIndex{pats: pats, indexed: make([]bool, len(pats))}
	index := map[string]int{}
	for i, pt := range pats {
		lits := specificLiterals(pt.re.String())
		if lits == nil {
			continue
		}
		ix.indexed[i] = true
		for _, l := range lits {
			k, ok := index[l]
			if !ok {
				k = len(ix.words)
				index[l] = k
				ix.words = append(ix.words, l)
				ix.lits = append(ix.lits, nil)
			}
			if !slices.Contains(ix.lits[k], uint16(i)) {
				ix.lits[k] = append(ix.lits[k], uint16(i))
			}
		}
	}
	ix.set = newPhraseSet(ix.words, false)
	return ix
}

// litHit is one occurrence of a literal of pattern pat, at text[start:end].
type litHit struct {
	pat        uint16
	start, end int32
}

// find sets in s the strengths of the indexed patterns found in text; w
// is scratch space.
func (ix *patternIndex) find(text []byte, s *[numFamilies]float64, w *work) {
	w.raw = appendHits(ix.set, text, w.raw[:0], &w.scratch)
	if len(w.raw) == 0 {
		return
	}
	lh := w.lits[:0]
	for _, h := range w.raw {
		end := h.end()
		start := end - len(ix.words[h.id()])
		for _, pi := range ix.lits[h.id()] {
			pt := &ix.pats[pi]
			if s[pt.fam] >= pt.strength {
				continue
			}
			lh = append(lh, litHit{pat: pi, start: int32(start), end: int32(end)})
		}
	}
	// By pattern, then by position: each pattern's windows in order.
	slices.SortFunc(lh, func(a, b litHit) int {
		if c := cmp.Compare(a.pat, b.pat); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	w.lits = lh
	for i := 0; i < len(lh); {
		j := i + 1
		for j < len(lh) && lh[j].pat == lh[i].pat {
			j++
		}
		pt := &ix.pats[lh[i].pat]
		if s[pt.fam] < pt.strength && matchNear(text, pt, lh[i:j]) {
			s[pt.fam] = pt.strength
		}
		i = j
	}
}

// matchNear reports whether pt matches in a window around one of hits
// (sorted by start): the hit widened by windowReach each side, merged
// with overlapping ones and cut at spaces, as windows does.
func matchNear(text []byte, pt *pattern, hits []litHit) bool {
	for i := 0; i < len(hits); {
		a, b := int(hits[i].start)-windowReach, int(hits[i].end)+windowReach
		i++
		for i < len(hits) && int(hits[i].start)-windowReach <= b {
			b = max(b, int(hits[i].end)+windowReach)
			i++
		}
		a, b = cutWindow(text, a, b)
		if pt.re.Match(text[a:b]) {
			return true
		}
	}
	return false
}
