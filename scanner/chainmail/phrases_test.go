package chainmail

import (
	"slices"
	"strings"
	"testing"
)

// naiveHits is every (phrase, end) occurrence by brute force, ordered as
// phraseSet.each reports them: by end, then by phrase index.
func naiveHits(phrases []string, text string, fold bool) [][2]int {
	if fold {
		b := []byte(text)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		text = string(b)
	}
	var out [][2]int
	for end := 1; end <= len(text); end++ {
		for id, ph := range phrases {
			if end >= len(ph) && text[end-len(ph):end] == ph {
				out = append(out, [2]int{id, end})
			}
		}
	}
	return out
}

// FuzzPhraseSet: the automaton reports exactly the occurrences a brute
// force search finds, overlapping, nested and repeated phrases included.
func FuzzPhraseSet(f *testing.F) {
	f.Add("ushers and his sheep say hehe", false)
	f.Add("THINK before you Print; Confidential", true)
	f.Add("sendsend aaaa send on pass on", false)
	phrases := []string{"he", "she", "his", "hers", "aa", "aaa", "send", "send on", "e", "think before you print", "confidential"}
	sets := map[bool]*phraseSet{false: newPhraseSet(phrases, false), true: newPhraseSet(phrases, true)}
	f.Fuzz(func(t *testing.T, text string, fold bool) {
		// Odd lengths tell short texts (scanned by one automaton) from
		// long ones: repeated past interleaveMin, scanned in four parts.
		if len(text)%2 == 1 {
			text = strings.Repeat(text, interleaveMin/len(text)+2)
		}
		var got [][2]int
		var scratch [3][]phraseHit
		for _, h := range appendHits(sets[fold], text, nil, &scratch) {
			got = append(got, [2]int{h.id(), h.end()})
		}
		want := naiveHits(phrases, text, fold)
		slices.SortStableFunc(got, func(a, b [2]int) int { return a[1] - b[1] })
		// Within one end offset the order is unspecified.
		for _, s := range [][][2]int{got, want} {
			slices.SortFunc(s, func(a, b [2]int) int {
				if a[1] != b[1] {
					return a[1] - b[1]
				}
				return a[0] - b[0]
			})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q (fold %v): got %v, want %v", text, fold, got, want)
		}
	})
}
