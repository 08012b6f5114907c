package offensive

import (
	"github.com/mailward/mailward/scanner/textnorm"
)

// Explicit patterns of directed abuse and identity attacks: what the
// functional tests of hate speech (HateCheck and the like) are built from,
// and what a word list misses when no word in the sentence is offensive on
// its own ("immigrants are vermin", "you are a disgrace"). Each pattern
// reads normalised words; negation inside it ("are not vermin") voids it.

// groups are words for people by protected characteristic (the Equality
// Act's: race, religion, sex, sexual orientation, gender reassignment,
// disability, age) and the targets HateCheck tests.
var groups = cues("muslims", "muslim", "moslems", "islam", "islamists", "jews", "jewish", "jew", "blacks",
	"black", "whites", "asians", "asian", "chinese", "mexicans", "immigrants", "immigrant", "migrants",
	"migrant", "refugees", "refugee", "asylum", "foreigners", "foreigner", "gays", "gay", "lesbians",
	"lesbian", "homosexuals", "homosexual", "bisexuals", "bisexual", "trans", "transgender", "transgenders",
	"transsexuals", "women", "woman", "girls", "females", "disabled", "cripples", "autistic", "gypsies",
	"gypsy", "travellers", "roma", "arabs", "arab", "africans", "african", "indians", "pakistanis", "poles",
	"polish", "romanians", "eastern", "catholics", "christians", "hindus", "sikhs", "feminists", "latinos",
	"hispanics", "negroes", "coloureds", "queers", "lgbt", "lgbtq")

// groupNouns follow a group adjective: "black people", "trans women".
var groupNouns = cues("people", "persons", "folk", "folks", "men", "women", "kids", "children", "families",
	"communities", "community", "immigrants", "guys", "ones")

// derogatory are predicates that dehumanise or demean when said of people.
var derogatory = cues("disgusting", "vermin", "scum", "animals", "animal", "filth", "filthy", "subhuman",
	"parasites", "parasite", "rats", "cockroaches", "pigs", "dirty", "evil", "criminals", "rapists",
	"terrorists", "worthless", "inferior", "stupid", "trash", "garbage", "savages", "savage", "pathetic",
	"disease", "plague", "cancer", "virus", "infestation", "degenerates", "degenerate", "sick", "perverts",
	"perverted", "freaks", "abominations", "abomination", "useless", "lazy", "thieves", "vile", "revolting",
	"repulsive", "gross", "dangerous", "threat", "burden", "leeches", "idiots", "morons", "retarded",
	"monsters", "beasts", "primitive", "backward", "uncivilised", "uncivilized", "dumb", "ugly", "brainless",
	"despicable", "horrible", "nasty", "worst", "liars", "creatures", "apes", "monkeys", "dogs", "insects",
	"lesser", "unwanted", "unwelcome", "pests", "waste", "idiotic", "moronic", "weak", "mentally", "ill")

// hateVerbs before a group: "I hate Muslims", "kill all immigrants".
var hateVerbs = cues("hate", "despise", "loathe", "detest", "kill", "exterminate", "eradicate", "murder",
	"shoot", "gas", "hang", "lynch", "deport", "ban", "eliminate", "destroy", "slaughter", "beat", "burn",
	"stab", "wipe", "purge", "cleanse")

// wishes after a group: "should die", "deserve to suffer".
var harmWords = cues("die", "killed", "shot", "hanged", "hung", "gassed", "burned", "burnt", "deported",
	"exterminated", "eradicated", "eliminated", "removed", "suffer", "executed", "lynched", "beaten",
	"punished", "locked", "sterilised", "sterilized", "drowned", "slaughtered", "rot", "banned")

// secondPerson marks abuse aimed at the reader.
var secondPerson = cues("you", "your", "youre", "ur", "u", "yourself", "ya", "yours", "thou")

var copula = cues("are", "is", "r", "re", "were", "was", "being", "become", "all", "just", "really", "so",
	"such", "a", "an", "the", "nothing", "but", "total", "complete", "utter", "absolute", "fucking", "bloody",
	"disgusting", "bunch", "of", "pack", "like", "bloody", "damn", "truly", "literally", "basically",
	"simply", "obviously", "clearly", "always", "still")

var patternNegation = cues("not", "never", "no", "arent", "aren't", "isnt", "isn't", "nt", "dont", "don't",
	"wasnt", "werent", "nothing")

// youAre are the words between "you" and an insult: "you are a", "you're
// such a", "you absolute".
var youAre = cues("are", "re", "r", "were", "a", "an", "such", "so", "total", "complete", "utter",
	"absolute", "fucking", "bloody", "little", "big", "stupid", "fat", "ugly", "dirty", "filthy", "sad",
	"pathetic", "useless", "worthless", "disgusting", "massive", "proper", "right", "thick", "dumb", "the",
	"biggest", "an", "look", "like", "sound", "act", "smell", "absolutely", "really", "just", "nothing", "but")

// notAnInsult are derogatory words that are not insults said of "you"
// ("you are ill", "you are a threat to their lead").
var notAnInsult = cues("threat", "dangerous", "sick", "weak", "ill", "worst", "mentally", "unwanted",
	"unwelcome", "burden", "lesser", "waste", "creatures", "virus", "disease", "cancer", "plague", "evil",
	"criminals", "terrorists", "backward", "primitive", "horrible", "nasty", "gross", "lazy", "dumb")

// people are words for a person or people that an insult may be said of:
// "he is an idiot", "the parents are morons".
var people = cues("he", "she", "they", "him", "her", "them", "guy", "guys", "man", "men", "woman", "women",
	"person", "people", "teacher", "teachers", "parent", "parents", "mum", "mom", "dad", "head", "boss",
	"kid", "kids", "child", "boy", "girl", "bloke", "lady", "staff", "colleague", "colleagues", "student",
	"students", "pupil", "pupils", "mother", "father", "wife", "husband", "manager", "everyone", "everybody",
	"who", "whoever", "anyone", "fellow", "idiot", "lot")

var isWords = cues("is", "are", "was", "were", "s", "re", "being", "sounds", "seems", "looks")

// exclaim are the words of "what an idiot", "such a moron", "bunch of
// clowns", "total idiot".
var exclaim = cues("what", "such", "total", "complete", "absolute", "utter", "bunch", "pack", "fucking",
	"bloody", "stupid", "useless", "pathetic", "ignorant", "fat", "ugly", "lying", "thick", "brainless")

// patternHit is one pattern found: its tier and the word where it starts.
type patternHit struct {
	tier OutTier
	word int
}

// findPatterns appends the explicit patterns in words (hits from the
// lexicon tell which words are insults).
func findPatterns(z *textnorm.Tokenizer, words []textnorm.Word, hits []Hit, dst []patternHit) []patternHit {
	at := func(i int) string {
		if i < 0 || i >= len(words) {
			return ""
		}
		return string(z.Bytes(words[i]))
	}
	insultAt := map[int]bool{}
	for _, h := range hits {
		// Mild words count only as the person nouns the lists mark
		// ambiguous ("you git", "you pillock"), not "you damn well".
		if h.Tier == Abuse || h.Tier == Strong || h.Tier == Slur || h.Tier == Sexual || h.Tier == Mild && h.Ambiguous {
			insultAt[h.Word] = true
		}
	}
	for i := range words {
		w := at(i)
		switch {
		case groups[w] || groupNouns[w] && groups[at(i-1)]:
			// "<group> are (not) <derogatory>", within four words.
			neg := false
			for j := i + 1; j <= i+5 && j < len(words); j++ {
				x := at(j)
				if patternNegation[x] {
					neg = true
				}
				if derogatory[x] || insultAt[j] {
					if !neg && j > i+1 {
						dst = append(dst, patternHit{TierSlur, i})
					}
					break
				}
				if x == "should" || x == "must" || x == "deserve" || x == "need" || x == "ought" || x == "to" || x == "be" || x == "all" || x == "go" {
					continue
				}
				if harmWords[x] {
					if !neg {
						dst = append(dst, patternHit{TierSlur, i})
					}
					break
				}
				if !copula[x] && !groupNouns[x] && !patternNegation[x] {
					break
				}
			}
			// "I hate <group>", "kill all <group>", "death to <group>".
			for j := i - 1; j >= i-3 && j >= 0; j-- {
				x := at(j)
				if hateVerbs[x] || x == "death" {
					if !patternNegation[at(j-1)] && !patternNegation[at(j-2)] {
						dst = append(dst, patternHit{TierSlur, i})
					}
					break
				}
				if x != "all" && x != "the" && x != "those" && x != "these" && x != "to" && x != "every" && x != "fucking" && x != "bloody" {
					break
				}
			}
		case isWords[w]:
			// "<someone> is a/an/such a <insult noun>", "he is stupid".
			j := i + 1
			article := false
			for ; j < len(words) && j <= i+4 && (youAre[at(j)] || at(j) == "of"); j++ {
				if insultAt[j] {
					break
				}
				article = article || at(j) == "a" || at(j) == "an" || at(j) == "such"
			}
			if j >= len(words) || patternNegation[at(i+1)] || patternNegation[at(i-1)] {
				break
			}
			subject := people[at(i-1)] || people[at(i-2)]
			noun := insultAt[j] && article && insultNoun(z, words, hits, j)
			if noun || subject && (insultAt[j] || derogatory[at(j)] && !notAnInsult[at(j)]) {
				dst = append(dst, patternHit{TierAbuse, j})
			}
		case exclaim[w] && at(i-1) != "like" && at(i-2) != "like" &&
			(insultNoun(z, words, hits, i+1) || insultNoun(z, words, hits, i+2) && (at(i+1) == "a" || at(i+1) == "an" || at(i+1) == "of")):
			dst = append(dst, patternHit{TierAbuse, i})
		case secondPerson[w]:
			// "you are a disgrace", "you absolute muppet".
			for j := i + 1; j <= i+4 && j < len(words); j++ {
				x := at(j)
				if patternNegation[x] {
					break
				}
				if insultAt[j] || derogatory[x] && !notAnInsult[x] {
					dst = append(dst, patternHit{TierAbuse, i})
					break
				}
				if !youAre[x] {
					break
				}
			}
		}
	}
	return dst
}

// personNouns are the strong profanities that name a person ("a bastard"),
// not a thing ("is shite").
var personNouns = cues("bastard", "bastards", "asshole", "assholes", "arsehole", "arseholes", "dickhead",
	"dickheads", "cunt", "cunts", "twat", "twats", "wanker", "wankers", "bellend", "bellends", "knobhead",
	"knobheads", "motherfucker", "motherfuckers", "cocksucker", "cocksuckers", "douchebag", "douchebags",
	"shithead", "shitheads", "fuckwit", "fuckwits", "fucker", "fuckers", "bitch", "bitches", "fuckface",
	"dickface", "twatface", "shitbag", "shitbags", "knobend", "knobends", "cockwomble", "cockwombles",
	"dipshit", "dipshits", "dumbass", "jackass", "asswipe", "arsewipe")

// insultNoun reports whether word i is an unambiguous insult of the abuse
// or slur tier, or a profanity that names a person ("a bastard").
func insultNoun(z *textnorm.Tokenizer, words []textnorm.Word, hits []Hit, i int) bool {
	for _, h := range hits {
		if h.Word != i || h.Len != 1 || h.Ambiguous {
			continue
		}
		if h.Tier == Abuse || h.Tier == Slur || h.Tier == Strong && personNouns[string(z.Bytes(words[i]))] {
			return true
		}
	}
	return false
}
