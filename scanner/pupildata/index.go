package pupildata

import (
	"sort"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// Every keyword the detector looks for (identifier keywords, special
// category terms, child markers, parent framing) is found in one
// Aho-Corasick pass over the lowercased text: a pass per keyword made plain
// text the slowest part of the scan.

type role struct {
	kind   int // roleKeyword..roleParent
	detail int // the Kind for keywords, the specialTerms index for terms
}

const (
	roleKeyword = iota
	roleISBN
	roleTerm
	roleMarker
	roleSchool
	roleParent
	roleHint // a word that may head a table column, found inside words too
	roleSchoolContext
)

var (
	keywordTrie  *ahocorasick.Trie
	keywordRoles [][]role
)

func init() {
	index := map[string]int{}
	var words []string
	add := func(w string, r role) {
		i, ok := index[w]
		if !ok {
			i = len(words)
			index[w] = i
			words = append(words, w)
			keywordRoles = append(keywordRoles, nil)
		}
		keywordRoles[i] = append(keywordRoles[i], r)
	}
	for k, ws := range map[Kind][]string{UPN: kwUPN, ULN: kwULN, NHS: kwNHS, NINO: kwNINO, DOB: kwDOB} {
		for _, w := range ws {
			add(w, role{roleKeyword, int(k)})
		}
	}
	for _, w := range kwISBN {
		add(w, role{kind: roleISBN})
	}
	for i, t := range specialTerms {
		add(t.word, role{roleTerm, i})
	}
	for _, w := range childMarkers {
		add(w, role{kind: roleMarker})
	}
	for _, w := range []string{"dob", "d.o.b"} {
		add(w, role{kind: roleSchool})
	}
	for _, w := range parentFraming {
		add(w, role{kind: roleParent})
	}
	for _, w := range schoolContext {
		add(w, role{kind: roleSchoolContext})
	}
	for _, w := range headingHints {
		add(w, role{kind: roleHint})
	}
	keywordTrie = ahocorasick.NewTrieBuilder().AddStrings(words).Build()
}

// termHit is one special-category term at an offset.
type termHit struct {
	pos, term int // term indexes specialTerms
}

// textIndex is what one pass found in a text.
type textIndex struct {
	lower string
	// kw holds the sorted offsets of the keywords of UPN, ULN, NHS, NINO, DOB.
	kw   [DOB + 1][]int
	isbn []int
	// terms are the special-category terms found, in start order.
	terms []termHit
	// markers put a named person in a school as a child; school markers
	// (year and form groups, DOB) are the stricter kind.
	markers, school []int
	parent          bool
	// schoolContext is set when the text is about school life at all (a
	// lesson, a form group, the DSL): a news story about a child is not.
	schoolContext bool
	// hints are the offsets of words that may head a table column.
	hints []int
}

// indexText lowercases text (ASCII only, so offsets match) and finds every
// keyword standing as a whole word ("uln" not inside "vulnerable").
func indexText(text string) *textIndex {
	b := make([]byte, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	ix := &textIndex{}
	keywordTrie.Walk(b, func(end, n, pattern int64) bool {
		at, stop := int(end-n+1), int(end+1)
		for _, r := range keywordRoles[pattern] {
			if r.kind == roleHint {
				ix.hints = append(ix.hints, at)
			}
		}
		if (at > 0 && isAlnum(b[at-1])) || (stop < len(b) && isAlnum(b[stop])) {
			return true
		}
		for _, r := range keywordRoles[pattern] {
			switch r.kind {
			case roleKeyword:
				ix.kw[r.detail] = append(ix.kw[r.detail], at)
			case roleISBN:
				ix.isbn = append(ix.isbn, at)
			case roleTerm:
				ix.terms = append(ix.terms, termHit{at, r.detail})
			case roleMarker:
				ix.markers = append(ix.markers, at)
			case roleSchool:
				ix.school = append(ix.school, at)
			case roleParent:
				ix.parent = true
			case roleSchoolContext:
				ix.schoolContext = true
			}
		}
		return true
	})
	ix.lower = string(b)
	yg := yearGroupPositions(ix.lower)
	ix.school = append(ix.school, yg...)
	ix.schoolContext = ix.schoolContext || len(yg) > 0
	ix.markers = append(ix.markers, ix.school...)
	// Walk reports matches by end offset; the searches need start order.
	for k := range ix.kw {
		sort.Ints(ix.kw[k])
	}
	sort.Ints(ix.isbn)
	sort.Ints(ix.hints)
	sort.Slice(ix.terms, func(i, j int) bool { return ix.terms[i].pos < ix.terms[j].pos })
	sort.Ints(ix.markers)
	sort.Ints(ix.school)
	return ix
}
