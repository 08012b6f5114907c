package offensive

// Context cues: what a word list cannot see and the model learned little
// of, because social-media posts rarely quote abuse to condemn it, teach a
// novel or joke with a friend. Each cue is a set of normalised words, one
// bit of a word's mask: the analyzer looks every word up once (cueTable)
// and the scanner and the patterns then test bits, never strings.
type cue uint32

// cueTable maps a normalised word to the cues it belongs to.
var cueTable = map[string]cue{}

var nextCue cue = 1

// cues registers a set of words as a new cue bit and returns the bit.
func cues(words ...string) cue {
	c := nextCue
	nextCue <<= 1
	for _, w := range words {
		cueTable[w] |= c
	}
	return c
}

var (
	// reporting verbs just before a term: "he called me a ...", "she said
	// the word ...": reported speech, not the sender's own abuse.
	reporting = cues("called", "calling", "call", "calls", "said", "saying", "says", "say", "shouted", "shouting",
		"yelled", "yelling", "screamed", "wrote", "written", "writing", "word", "words", "term", "phrase",
		"used", "using", "use", "heard", "repeated", "repeating", "chanted", "chanting", "named", "labelled",
		"labeled", "dubbed", "messaged", "texted", "posted", "claiming", "claim", "claims", "claimed", "statement",
		"statements", "comment", "comments", "remark", "remarks", "suggest", "suggesting", "suggests", "told",
		"telling", "tells", "describes", "described", "describing", "calls")
	// metaSpeech after a statement talks about it: "Muslims are scum."
	// Statements like that ...; "... is antisemitic".
	metaSpeech = cues("statement", "statements", "comment", "comments", "remark", "remarks", "language",
		"slur", "slurs", "hateful", "antisemitic", "islamophobic", "racist", "homophobic", "transphobic",
		"sexist", "bigoted", "disablist", "ableist", "offensive", "unacceptable")
	// condemnation and reporting to IT or a teacher: counter-speech.
	condemn = cues("unacceptable", "acceptable", "wrong", "inappropriate", "offensive", "racist", "racism",
		"homophobic", "homophobia", "transphobic", "sexist", "sexism", "bigoted", "bigot", "bigotry", "hateful",
		"slur", "slurs", "bullying", "bullied", "bully", "reported", "report", "reporting", "incident",
		"complaint", "complained", "sanction", "sanctions", "detention", "exclusion", "excluded", "disciplinary",
		"safeguarding", "apologise", "apologised", "apologize", "apology", "condemn", "condemns", "condemned",
		"tolerate", "tolerated", "ok", "okay", "antisemitic", "antisemitism", "islamophobic",
		"islamophobia", "disablist", "ableist", "harassment", "discrimination", "discriminatory", "abusive", "abuse",
		"hurtful", "upsetting", "upset", "ashamed", "shame", "disgraceful", "ban", "banned", "zero")
	// negation right before: "not stupid", "never called".
	negation = cues("not", "never", "no", "dont", "don't", "didnt", "didn't", "isnt", "isn't", "wasnt",
		"wasn't", "nobody", "shouldnt", "shouldn't", "wont", "won't", "stop")
	// lessons and reference works: literature, history, sex and
	// relationships education, a glossary or a dictionary.
	lesson = cues("lesson", "lessons", "novel", "novels", "poem", "poems", "poetry", "chapter", "chapters",
		"author", "authors", "literature", "curriculum", "syllabus", "history", "historical", "pshe", "rse",
		"rshe", "education", "glossary", "dictionary", "etymology", "shakespeare", "steinbeck", "scheme",
		"worksheet", "gcse", "coursework", "textbook", "anthology", "character", "characters", "theme",
		"themes", "context", "quotation", "quotations", "holocaust", "apartheid", "segregation", "civil",
		"biology", "anatomy", "reproduction", "puberty", "contraception", "consent")
	// a joke between friends: laughter, winks, "only joking".
	joke = cues("lol", "lmao", "lmfao", "rofl", "haha", "hahaha", "hehe", "jk", "joking", "kidding", "jokes",
		"banter", "xd", "xx", "xxx")
)

// termCue marks words the lexicon matched (set by Analyzer.Read).
var termCue = cues()

// hasCues reports whether mask[s:e] has a word with a cue of a and a word
// with a cue of b, in one pass.
func hasCues(mask []cue, s, e int, a, b cue) bool {
	s, e = max(s, 0), min(e, len(mask))
	var seen cue
	for i := s; i < e; i++ {
		seen |= mask[i]
	}
	return seen&a != 0 && seen&b != 0
}

// hasCueWithout says whether a word of mask[s:e] has cue c and not cue
// not ("he" but not "idiot", which is both a person and a term).
func hasCueWithout(mask []cue, s, e int, c, not cue) bool {
	s, e = max(s, 0), min(e, len(mask))
	for i := s; i < e; i++ {
		if mask[i]&c != 0 && mask[i]&not == 0 {
			return true
		}
	}
	return false
}

// hasCue reports whether any word of mask[s:e] has cue c.
func hasCue(mask []cue, s, e int, c cue) bool {
	s, e = max(s, 0), min(e, len(mask))
	for i := s; i < e; i++ {
		if mask[i]&c != 0 {
			return true
		}
	}
	return false
}

// countCues counts the words with cue c (at most limit).
func countCues(mask []cue, c cue, limit int) int {
	n := 0
	for _, m := range mask {
		if m&c != 0 {
			if n++; n >= limit {
				break
			}
		}
	}
	return n
}

// Context weights: how much a hit or a window counts when a cue applies.
const (
	reportedWeight = 0.35 // a term in reported speech
	counterWeight  = 0.4  // the model's reading of a window that condemns
	lessonWeight   = 0.5  // a text that is a lesson or a reference
	jokeWeight     = 0.5  // a threat with laughter beside it
)
