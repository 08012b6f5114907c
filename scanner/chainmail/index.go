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
	// filters[i] are more sets of literals a window must hold one of
	// each of for pats[i] to match there (necessaryLiterals), tested
	// before its regular expression.
	filters [][][][]byte
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
	ix := &patternIndex{pats: pats, indexed: make([]bool, len(pats)), filters: make([][][][]byte, len(pats))}
	index := map[string]int{}
	for i, pt := range pats {
		lits := specificLiterals(pt.re.String())
		if lits == nil {
			continue
		}
		ix.indexed[i] = true
		for _, set := range necessaryLiterals(pt.re.String()) {
			if hasCommon(set) || slices.Equal(set, lits) || len(ix.filters[i]) == 4 {
				continue
			}
			var f [][]byte
			for _, l := range set {
				f = append(f, []byte(l))
			}
			ix.filters[i] = append(ix.filters[i], f)
		}
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
		if s[pt.fam] < pt.strength && matchNear(text, pt, ix.filters[lh[i].pat], lh[i:j]) {
			s[pt.fam] = pt.strength
		}
		i = j
	}
}

// matchNear reports whether pt matches in a window around one of hits
// (sorted by start): the hit widened by windowReach each side, merged
// with overlapping ones and cut at spaces, as windows does. A window
// without a literal of each of filters is skipped.
func matchNear(text []byte, pt *pattern, filters [][][]byte, hits []litHit) bool {
	for i := 0; i < len(hits); {
		a, b := int(hits[i].start)-windowReach, int(hits[i].end)+windowReach
		i++
		for i < len(hits) && int(hits[i].start)-windowReach <= b {
			b = max(b, int(hits[i].end)+windowReach)
			i++
		}
		a, b = cutWindow(text, a, b)
		win := text[a:b]
		ok := true
		for _, f := range filters {
			if !containsAny(win, f) {
				ok = false
				break
			}
		}
		if ok && pt.re.Match(win) {
			return true
		}
	}
	return false
}
