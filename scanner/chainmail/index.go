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
var (
	// litWords are the distinct literals of all patterns, litPats[i] the
	// patterns holding litWords[i].
	litWords []string
	litPats  [][]uint16
	litSet   *phraseSet
	// indexed[i] reports that patterns[i] has literals (all of them do;
	// one without falls back to its family's windows).
	indexed []bool
)

func init() {
	index := map[string]int{}
	indexed = make([]bool, len(patterns))
	for i, pt := range patterns {
		lits := specificLiterals(pt.re.String())
		if lits == nil {
			continue
		}
		indexed[i] = true
		for _, l := range lits {
			k, ok := index[l]
			if !ok {
				k = len(litWords)
				index[l] = k
				litWords = append(litWords, l)
				litPats = append(litPats, nil)
			}
			if !slices.Contains(litPats[k], uint16(i)) {
				litPats[k] = append(litPats[k], uint16(i))
			}
		}
	}
	if len(patterns) > 1<<16 {
		panic("chainmail: too many patterns")
	}
	litSet = newPhraseSet(litWords, false)
}

// litHit is one occurrence of a literal of pattern pat, at text[start:end].
type litHit struct {
	pat        uint16
	start, end int32
}

// indexedWording sets in s the strengths of the indexed patterns found in
// text; it returns hits and wins, scratch space, for reuse.
func indexedWording(text []byte, s *[numFamilies]float64, w *work) {
	w.raw = appendHits(litSet, text, w.raw[:0], &w.scratch)
	if len(w.raw) == 0 {
		return
	}
	lh := w.lits[:0]
	for _, h := range w.raw {
		end := h.end()
		start := end - len(litWords[h.id()])
		for _, pi := range litPats[h.id()] {
			pt := &patterns[pi]
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
		pt := &patterns[lh[i].pat]
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
