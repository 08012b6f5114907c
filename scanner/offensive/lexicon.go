package offensive

import (
	"bufio"
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/mailward/mailward/scanner/textnorm"
)

// Tier is a severity class of terms.
type Tier int

// The tiers, least severe first. The numbering is the order of the summary
// (most severe named first) reversed.
const (
	Mild Tier = iota
	Strong
	Sexual
	Abuse
	Slur
	Threat
	numTiers
)

// tierKeys name the term lists' tiers in config and term files ("slur").
// How much a word of each tier weighs is the scanner's (hitConf).
var tierKeys = [numTiers]string{Mild: "mild", Strong: "strong", Sexual: "sexual", Abuse: "abuse", Slur: "slur", Threat: "threat"}

// TierByKey returns the tier named in config and term files ("slur").
func TierByKey(key string) (Tier, bool) {
	for t, k := range tierKeys {
		if k == key {
			return Tier(t), true
		}
	}
	return 0, false
}

//go:embed terms/*.txt terms/gen/*.txt
var termFiles embed.FS

// genFiles are the lists generated from the rated public lexicons by
// `go run ./scanner/offensive/train -lexicon`, read after the hand-kept
// lists (a word listed twice keeps its first entry, so the hand lists'
// tiers and ambiguity marks win).
var genFiles = [numTiers]string{
	Mild: "terms/gen/mild.txt", Strong: "terms/gen/strong.txt", Sexual: "terms/gen/sexual.txt",
	Abuse: "terms/gen/abuse.txt", Slur: "terms/gen/slur.txt",
}

var tierFiles = [numTiers]string{
	Mild: "terms/mild.txt", Strong: "terms/strong.txt", Sexual: "terms/sexual.txt",
	Abuse: "terms/abuse.txt", Slur: "terms/slurs.txt", Threat: "terms/threats.txt",
}

// entry is what a matched word or phrase means.
type entry struct {
	tier      Tier
	ambiguous bool
	// leetOnly marks the l->i spelling of a word ("kiii" for "kill"): it
	// is what "ki11" normalises to and counts only in leetspeak words.
	leetOnly bool
	allow    bool
	// canon is the hash of the term's own normalised word (single words
	// only): the model reads a disguised word as the term it disguises.
	canon uint64
}

// phrase is a multi-word entry, found by its first word.
type phrase struct {
	rest []string
	entry
}

// node is everything that starts with one word: one map look-up per word of
// text finds the word's own entry and the phrases it may begin.
type node struct {
	word    *entry
	phrases []phrase
	// cue holds the word's context cues (context.go): the one look-up
	// per word serves the term lists and the context alike.
	cue cue
}

// hasPhrase reports whether the node already has a phrase with these words,
// so that an entry listed twice matches once.
func (nd *node) hasPhrase(rest []string) bool {
	for _, p := range nd.phrases {
		if strings.Join(p.rest, " ") == strings.Join(rest, " ") {
			return true
		}
	}
	return false
}

// Lexicon is a compiled set of terms and allow-list phrases. It is
// read-only after Compile and safe for concurrent use.
type Lexicon struct {
	nodes map[string]*node
	// squeezed maps a word with every doubled letter made single to the
	// word ("fuck" for "fuuuck", "fucck").
	squeezed map[string]entry
	// masked holds single words by byte length, likeliest first, for words
	// with masked letters ("f**k").
	masked map[int][]maskedWord
	// Terms counts the entries compiled, for logs and tests.
	Terms int
}

// maskRank orders the tiers for masked words.
var maskRank = [numTiers]int{Strong: 0, Slur: 1, Sexual: 2, Threat: 3, Abuse: 4, Mild: 5}

type maskedWord struct {
	word string
	entry
}

// Lists are the raw entries a Lexicon is compiled from.
type Lists struct {
	Terms  [numTiers][]string
	Allow  []string
	Remove []string
}

// DefaultLists returns the term lists shipped in terms/: the hand-kept
// lists and the generated ones.
func DefaultLists() (Lists, error) {
	return readLists(true)
}

// HandLists returns the hand-kept lists alone, without terms/gen (what the
// generator of terms/gen leaves to them).
func HandLists() (Lists, error) {
	return readLists(false)
}

func readLists(generated bool) (Lists, error) {
	var l Lists
	for t, f := range tierFiles {
		lines, err := readList(f)
		if err != nil {
			return l, err
		}
		l.Terms[t] = lines
	}
	for t, f := range genFiles {
		if f == "" || !generated {
			continue
		}
		lines, err := readList(f)
		if err != nil {
			return l, err
		}
		l.Terms[t] = append(l.Terms[t], lines...)
	}
	allow, err := readList("terms/allow.txt")
	if err != nil {
		return l, err
	}
	l.Allow = allow
	return l, nil
}

func readList(name string) ([]string, error) {
	f, err := termFiles.Open(name)
	if err != nil {
		return nil, fmt.Errorf("offensive: open %s: %w", name, err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("offensive: read %s: %w", name, err)
	}
	return out, nil
}

// expand turns "fuck{,s,ed}" into its words and strips a leading "~".
func expand(line string) (forms []string, ambiguous bool) {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "~") {
		ambiguous = true
		line = strings.TrimSpace(line[1:])
	}
	open := strings.IndexByte(line, '{')
	if open < 0 || !strings.HasSuffix(line, "}") {
		return []string{line}, ambiguous
	}
	base := line[:open]
	for _, suf := range strings.Split(line[open+1:len(line)-1], ",") {
		forms = append(forms, base+strings.TrimSpace(suf))
	}
	return forms, ambiguous
}

// Compile normalises and indexes the lists. Removed entries are matched
// after normalisation and expansion, so "fuck" removes only that word and
// "fuck{,ing}" removes both.
func Compile(l Lists) (*Lexicon, error) {
	x := &Lexicon{nodes: map[string]*node{}, squeezed: map[string]entry{}, masked: map[int][]maskedWord{}}
	removed := map[string]bool{}
	for _, r := range l.Remove {
		forms, _ := expand(r)
		for _, f := range forms {
			removed[textnorm.Normalize(f)] = true
		}
	}
	for t := Tier(0); t < numTiers; t++ {
		for _, line := range l.Terms[t] {
			forms, amb := expand(line)
			for _, f := range forms {
				n := textnorm.Normalize(f)
				if n == "" || strings.ContainsRune(n, '*') {
					return nil, fmt.Errorf("offensive: term %q (%s) is empty or masked after normalising", line, tierKeys[t])
				}
				if removed[n] {
					continue
				}
				x.add(n, entry{tier: t, ambiguous: amb})
			}
		}
	}
	// A masked word is read as the likeliest term: "f*ck" is fuck before
	// feck, "s**t" shit before slut.
	for n, ws := range x.masked {
		sort.SliceStable(ws, func(i, j int) bool { return maskRank[ws[i].tier] < maskRank[ws[j].tier] })
		x.masked[n] = ws
	}
	for _, line := range l.Allow {
		n := textnorm.Normalize(line)
		if n == "" {
			continue
		}
		x.add(n, entry{allow: true})
	}
	for w, c := range cueTable {
		nd := x.nodes[w]
		if nd == nil {
			nd = &node{}
			x.nodes[w] = nd
		}
		nd.cue |= c
	}
	// A removed term is neutral everywhere, as an allowed phrase is: not a
	// term, not a cue, and not a word the model reads ("retarded" removed
	// means the admin does not want it counted at all).
	for n := range removed {
		if n == "" {
			continue
		}
		x.add(n, entry{allow: true})
		if nd := x.nodes[n]; nd != nil {
			nd.cue = 0
		}
	}
	return x, nil
}

// add indexes one normalised entry and its leetspeak and squeezed forms.
func (x *Lexicon) add(norm string, e entry) {
	x.Terms++
	words := strings.Split(norm, " ")
	variants := []string{words[0]}
	if lv := strings.ReplaceAll(words[0], "l", "i"); lv != words[0] {
		variants = append(variants, lv)
	}
	if len(words) == 1 && !e.allow {
		e.canon = hashBytes([]byte(words[0]))
	}
	for i, v := range variants {
		ve := e
		ve.leetOnly = i > 0
		nd := x.nodes[v]
		if nd == nil {
			nd = &node{}
			x.nodes[v] = nd
		}
		if len(words) > 1 {
			if !nd.hasPhrase(words[1:]) {
				nd.phrases = append(nd.phrases, phrase{rest: words[1:], entry: ve})
			}
			continue
		}
		// A word listed twice keeps its first, and a real word beats the
		// l->i spelling of another.
		if nd.word == nil || nd.word.leetOnly && !ve.leetOnly {
			nd.word = &ve
		}
	}
	if len(words) == 1 && !e.allow {
		w := words[0]
		if s := squeeze(w); len(s) >= 3 {
			// The term that is its own squeezed form ("shit" for "shiiit")
			// beats a variant spelling that squeezes to it ("shitt").
			if old, ok := x.squeezed[s]; !ok || w == s && old.canon != e.canon {
				x.squeezed[s] = e
			}
		}
		x.masked[len(w)] = append(x.masked[len(w)], maskedWord{word: w, entry: e})
	}
}

// squeeze makes every run of one letter a single letter.
func squeeze(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hasDouble reports whether b has a letter twice in a row.
func hasDouble(b []byte) bool {
	for i := 1; i < len(b); i++ {
		if b[i] == b[i-1] {
			return true
		}
	}
	return false
}

// lookupWord finds a single word's entry. disguised reports that the match
// needed undoing an obfuscation beyond what the normaliser already flagged
// (masking or squeezing doubled letters).
func (x *Lexicon) lookupWord(b []byte, flags textnorm.Flags) (e entry, disguised, ok bool) {
	return x.lookupNode(x.nodes[string(b)], b, flags)
}

// lookupNode is lookupWord with the word's node already looked up.
func (x *Lexicon) lookupNode(nd *node, b []byte, flags textnorm.Flags) (e entry, disguised, ok bool) {
	if nd != nil && nd.word != nil && (!nd.word.leetOnly || flags&textnorm.Leet != 0) {
		return *nd.word, false, !nd.word.allow
	}
	if flags&textnorm.Masked != 0 {
		if len(b) < 4 {
			return entry{}, false, false
		}
		for _, m := range x.masked[len(b)] {
			if maskMatch(b, m.word) {
				return m.entry, true, true
			}
		}
		return entry{}, false, false
	}
	// Letters repeated three or more times ("fuuuuck", already shortened to
	// "fuuck"): plain doubled letters are English ("woops" is not "wops").
	if flags&textnorm.Disguised != 0 && hasDouble(b) {
		if s := squeeze(string(b)); len(s) >= 3 {
			if e, ok := x.squeezed[s]; ok {
				return e, true, true
			}
		}
	}
	return entry{}, false, false
}

// maskMatch reports whether masked (with '*') fits word letter for letter.
func maskMatch(masked []byte, word string) bool {
	if len(masked) != len(word) {
		return false
	}
	for i := range masked {
		if masked[i] != '*' && masked[i] != word[i] {
			return false
		}
	}
	return true
}

// DefaultLexicon compiles the shipped term lists alone (the trainer's view,
// without any site's additions).
func DefaultLexicon() (*Lexicon, error) {
	l, err := DefaultLists()
	if err != nil {
		return nil, err
	}
	return Compile(l)
}
