package offensive

import (
	"github.com/mailward/mailward/scanner/textnorm"
)

// Context cues: what a word list cannot see and the model learned little
// of, because social-media posts rarely quote abuse to condemn it, teach a
// novel or joke with a friend. Each cue is a set of normalised words; the
// scanner asks whether one occurs near a hit or in the same window.
type cueSet map[string]bool

func cues(words ...string) cueSet {
	s := cueSet{}
	for _, w := range words {
		s[w] = true
	}
	return s
}

var (
	// reporting verbs just before a term: "he called me a ...", "she said
	// the word ...": reported speech, not the sender's own abuse.
	reporting = cues("called", "calling", "call", "calls", "said", "saying", "says", "say", "shouted", "shouting",
		"yelled", "yelling", "screamed", "wrote", "written", "writing", "word", "words", "term", "phrase",
		"used", "using", "use", "heard", "repeated", "repeating", "chanted", "chanting", "named", "labelled",
		"labeled", "dubbed", "messaged", "texted", "posted")
	// condemnation and reporting to IT or a teacher: counter-speech.
	condemn = cues("unacceptable", "acceptable", "wrong", "inappropriate", "offensive", "racist", "racism",
		"homophobic", "homophobia", "transphobic", "sexist", "sexism", "bigoted", "bigot", "bigotry", "hateful",
		"slur", "slurs", "bullying", "bullied", "bully", "reported", "report", "reporting", "incident",
		"complaint", "complained", "sanction", "sanctions", "detention", "exclusion", "excluded", "disciplinary",
		"safeguarding", "apologise", "apologised", "apologize", "apology", "condemn", "condemns", "condemned",
		"tolerate", "tolerated", "ok", "okay", "harassment", "discrimination", "discriminatory", "abusive", "abuse",
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

// hasCue reports whether any word of words[s:e] is in set.
func hasCue(z *textnorm.Tokenizer, words []textnorm.Word, s, e int, set cueSet) bool {
	s, e = max(s, 0), min(e, len(words))
	for i := s; i < e; i++ {
		if set[string(z.Bytes(words[i]))] {
			return true
		}
	}
	return false
}

// countCues counts the words of the whole text in set (at most limit).
func countCues(z *textnorm.Tokenizer, words []textnorm.Word, set cueSet, limit int) int {
	n := 0
	for _, w := range words {
		if set[string(z.Bytes(w))] {
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
