package chainmail

import (
	"bytes"
	"regexp/syntax"
	"strings"
)

// requiredLiterals returns strings one of which every match of the
// regular expression expr contains, or nil when it finds no such set. A
// pattern whose window holds none of them cannot match there, so its
// regular expression is not run: on ordinary mail, windows around common
// need words ("mail", "day", "every") rarely hold the rest of a pattern.
func requiredLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(re, selective)
}

// specificLiterals is requiredLiterals preferring long literals (up to
// specific bytes) to few: the literals that index a pattern (index.go),
// where the number of literals costs nothing and a common one ("to all",
// " your ") costs a window at each of its many occurrences.
func specificLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(re, specific)
}

// necessaryLiterals returns sets of literals such that every match of
// expr holds one literal of each set: the requirements of each part of a
// sequence (for "send ... to N people": the verbs, "to"/"with", the
// nouns). A window that lacks one set cannot match.
func necessaryLiterals(expr string) [][]string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return necessary(re)
}

func necessary(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpCapture:
		return necessary(re.Sub[0])
	case syntax.OpConcat:
		var out [][]string
		for _, sub := range re.Sub {
			out = append(out, necessary(sub)...)
		}
		return out
	}
	if r := required(re, specific); r != nil {
		return [][]string{r}
	}
	return nil
}

// specific is the literal length up to which specificLiterals prefers the
// longer set.
const specific = 12

// maxExact bounds the sets exact builds (cross products grow fast).
const maxExact = 64

// exact returns every string re matches, when they are few and re has no
// case folding; ok is false otherwise.
func exact(re *syntax.Regexp) (set []string, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		s, ok := exact(re.Sub[0])
		if !ok {
			return nil, false
		}
		return append(s, ""), true
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			s, ok := exact(sub)
			if !ok || len(out)+len(s) > maxExact {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			s, ok := exact(sub)
			if !ok || len(out)*len(s) > maxExact {
				return nil, false
			}
			out = cross(out, s)
		}
		return out, true
	}
	return nil, false
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

// required returns strings one of which every match of re contains, or
// nil.
func required(re *syntax.Regexp, sel int) []string {
	var best []string
	consider := func(r []string) {
		if r != nil && (best == nil || better(r, best, sel)) {
			best = r
		}
	}
	if s, ok := exact(re); ok {
		consider(nonEmpty(s))
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		consider(required(re.Sub[0], sel))
	case syntax.OpRepeat:
		if re.Min >= 1 {
			consider(required(re.Sub[0], sel))
		}
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			r := required(sub, sel)
			if r == nil {
				out = nil
				break
			}
			out = append(out, r...)
		}
		consider(out)
	case syntax.OpConcat:
		// Any child's requirement holds for the whole; so does that of a
		// run of children with exact sets, joined.
		for i, sub := range re.Sub {
			consider(required(sub, sel))
			run := []string{""}
			for _, next := range re.Sub[i:] {
				s, ok := exact(next)
				if !ok || len(run)*len(s) > maxExact {
					break
				}
				run = cross(run, s)
				consider(nonEmpty(run))
			}
		}
	}
	return best
}

// nonEmpty returns s, or nil when one of its strings is empty (then a
// match need contain nothing).
func nonEmpty(s []string) []string {
	for _, x := range s {
		if x == "" {
			return nil
		}
	}
	return s
}

// selective is the literal length beyond which a longer literal hardly
// rules out more windows, while each extra literal costs a search.
const selective = 6

// better reports whether literal set a is the better filter: its shortest
// string longer (up to sel bytes), then fewer strings.
func better(a, b []string, sel int) bool {
	if sel == specific {
		// A function word ("to ", "with ") occurs in every paragraph:
		// any set without one is the better index.
		if ca, cb := hasCommon(a), hasCommon(b); ca != cb {
			return cb
		}
	}
	ma, mb := min(minLen(a), sel), min(minLen(b), sel)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minLen(s []string) int {
	m := -1
	for _, x := range s {
		if m < 0 || len(x) < m {
			m = len(x)
		}
	}
	return m
}

// containsAny reports whether text holds any of words.
func containsAny(text []byte, words [][]byte) bool {
	for _, w := range words {
		if bytes.Contains(text, w) {
			return true
		}
	}
	return false
}

// commonWords are English function words: as a pattern's only literal
// they would make it run at almost every word of a letter.
var commonWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be by can do for from get got had has have he her his i if in is it
		me my no not of on one or our so that the their them there they this to us was we what when which who will with you your`) {
		m[w] = true
	}
	return m
}()

// hasCommon reports whether one of set is a function word or shorter
// than two letters, spaces aside.
func hasCommon(set []string) bool {
	for _, x := range set {
		if t := strings.TrimSpace(x); len(t) < 2 || commonWords[t] {
			return true
		}
	}
	return false
}
