package offensive

import "sort"

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
	"polish", "romanians", "eastern", "easterners", "catholics", "christians", "hindus", "sikhs", "feminists",
	"latinos", "hispanic", "mexican", "transgenders", "transsexual", "handicapped", "retards", "autists",
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
	"lesser", "unwanted", "unwelcome", "pests", "waste", "idiotic", "moronic", "weak", "mentally", "ill",
	"pedophiles", "paedophiles", "predators", "menaces", "menace", "violent", "selfish", "greedy", "sneaky",
	"illegals", "inbred", "barbaric", "barbarians", "uncivilized", "unclean", "perverse", "deviants", "deviant",
	"freeloaders", "scroungers", "leeches", "thugs", "savages", "ignorant", "inept", "coward", "cowards",
	"hypocrite", "hypocrites", "liar", "incompetent", "clueless", "spineless", "crooks", "traitors", "traitor",
	"shameful", "disgrace", "disgraceful")

// groupHarm are things said of a group as a whole that blame it: "they
// are ruining this country", "immigrants are stealing our jobs".
var groupHarm = cues("ruining", "destroying", "invading", "stealing", "infesting", "flooding", "overrunning",
	"breeding", "raping", "poisoning", "polluting", "replacing", "steal", "ruin", "destroy", "invade", "rape",
	"drain", "draining", "scrounge", "scrounging")

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

// insultKind is what the lexicon says of one word, for the patterns.
type insultKind uint8

const (
	// insultWord: a term that insults when aimed at someone: abuse,
	// strong, slur or sexual, or one of the mild person nouns the lists
	// mark ambiguous ("you git", "you pillock"; not "you damn well").
	insultWord insultKind = 1 << iota
	// insultNounWord: an unambiguous insult of the abuse or slur tier, or a
	// strong profanity that names a person ("a bastard", not "is shite").
	insultNounWord
)

func insultOf(h Hit, m cue) insultKind {
	var k insultKind
	if h.Tier == Abuse || h.Tier == Strong || h.Tier == Slur || h.Tier == Sexual || h.Tier == Mild && h.Ambiguous && m&notPersonNoun == 0 {
		k |= insultWord
	}
	if h.Len == 1 && !h.Ambiguous && (h.Tier == Abuse || h.Tier == Slur || h.Tier == Strong && m&personNouns != 0) {
		k |= insultNounWord
	}
	return k
}

// Small words the patterns read by name.
var (
	// firstPerson before "such a ..." is talk about oneself ("I was such an
	// ugly baby"), not abuse.
	firstPerson = cues("i", "me", "my", "myself", "we", "us", "our", "im")
	// notPersonNoun are mild words marked ambiguous that never name a
	// person ("thank you hell").
	notPersonNoun = cues("hell", "damn", "bloody", "crap", "sodding", "effing", "frigging")
	modalWords    = cues("should", "must", "deserve", "need", "ought", "to", "be", "all", "go", "trying", "try", "want", "here", "only", "basically")
	determiners   = cues("all", "the", "those", "these", "to", "every", "fucking", "bloody")
	articles      = cues("a", "an", "such")
	ofWord        = cues("of")
	likeWord      = cues("like")
	deathWord     = cues("death")
)

// misspelt reports whether word i, which no cue knows, is a demeaning
// predicate misspelt by one letter ("dsigusting", "disgustng", "vermim"):
// the spelling variants of hate-speech test suites. It is asked only
// where a pattern expects such a word, so ordinary text never pays for it.
func (a *Analyzer) misspelt(i int) bool {
	if i < 0 || i >= len(a.words) || a.mask[i] != 0 {
		return false
	}
	b := a.z.Bytes(a.words[i])
	if len(b) < 6 {
		return false
	}
	for _, w := range derogatoryWords {
		if d := len(w) - len(b); d >= -1 && d <= 1 && len(w) >= 6 && oneEdit(b, w) {
			return true
		}
	}
	return false
}

// derogatoryWords are the words of the derogatory cue, for misspelt.
var derogatoryWords = func() []string {
	var out []string
	for w, c := range cueTable {
		if c&derogatory != 0 {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}()

// oneEdit reports whether b is w with one letter changed, added, dropped,
// or two neighbours swapped.
func oneEdit(b []byte, w string) bool {
	i := 0
	for i < len(b) && i < len(w) && b[i] == w[i] {
		i++
	}
	if i == len(b) && i == len(w) {
		return false // the same word is no misspelling
	}
	switch {
	case len(b) == len(w):
		if string(b[i+1:]) == w[i+1:] {
			return true // changed
		}
		return i+1 < len(b) && b[i] == w[i+1] && b[i+1] == w[i] && string(b[i+2:]) == w[i+2:] // swapped
	case len(b) == len(w)+1:
		return string(b[i+1:]) == w[i:] // added
	case len(b)+1 == len(w):
		return string(b[i:]) == w[i+1:] // dropped
	}
	return false
}

// findPatterns appends the explicit patterns of the text the analyzer read
// last (its cue masks and lexicon evidence).
func (a *Analyzer) findPatterns(dst []patternHit) []patternHit {
	mask, ins := a.mask, a.insult
	n := len(mask)
	at := func(i int) cue {
		if i < 0 || i >= n {
			return 0
		}
		return mask[i]
	}
	insult := func(i int, k insultKind) bool { return i >= 0 && i < n && ins[i]&k != 0 }
	for i, w := range mask {
		switch {
		case w&groups != 0 && at(i+1)&groupNouns == 0 || w&groupNouns != 0 && at(i-1)&groups != 0:
			// (A group adjective before "people" leaves the pattern to the
			// noun: one statement, one hit.)
			// "<group> are (not) <derogatory>", within four words.
			neg := false
			for j := i + 1; j <= i+5 && j < n; j++ {
				x := mask[j]
				if x&patternNegation != 0 {
					neg = true
				}
				if x&(derogatory|groupHarm) != 0 || insult(j, insultWord) || a.misspelt(j) {
					if !neg && j > i+1 {
						dst = append(dst, patternHit{TierSlur, i})
					}
					break
				}
				if x&modalWords != 0 {
					continue
				}
				if x&harmWords != 0 {
					if !neg {
						dst = append(dst, patternHit{TierSlur, i})
					}
					break
				}
				if x&(copula|groupNouns|patternNegation) == 0 {
					break
				}
			}
			// "I hate <group>", "kill all <group>", "death to <group>".
			from := i - 1
			if w&groupNouns != 0 {
				from = i - 2 // "hate black people": look before the adjective
			}
			for j := from; j >= from-2 && j >= 0; j-- {
				x := mask[j]
				if x&(hateVerbs|deathWord) != 0 {
					if at(j-1)&patternNegation == 0 && at(j-2)&patternNegation == 0 {
						dst = append(dst, patternHit{TierSlur, i})
					}
					break
				}
				if x&determiners == 0 {
					break
				}
			}
		case w&isWords != 0:
			// "<someone> is a/an/such a <insult noun>", "he is stupid".
			j := i + 1
			article := false
			for ; j < n && j <= i+4 && mask[j]&(youAre|ofWord) != 0; j++ {
				if insult(j, insultWord) {
					break
				}
				article = article || mask[j]&articles != 0
			}
			if j >= n || at(i+1)&patternNegation != 0 || at(i-1)&patternNegation != 0 {
				break
			}
			subject := at(i-1)&people != 0 || at(i-2)&people != 0
			if at(i-1)&(groups|groupNouns) != 0 {
				break // "<group> are ..." is the group pattern's
			}
			noun := article && insult(j, insultNounWord)
			if noun || subject && (insult(j, insultWord) || mask[j]&derogatory != 0 && mask[j]&notAnInsult == 0) {
				dst = append(dst, patternHit{TierAbuse, j})
			}
		case w&exclaim != 0 && at(i-1)&(likeWord|firstPerson) == 0 && at(i-2)&(likeWord|firstPerson) == 0 && at(i+3)&ofWord == 0 &&
			(insult(i+1, insultNounWord) || at(i+1)&articles != 0 && insult(i+2, insultNounWord|insultWord) ||
				at(i+1)&ofWord != 0 && insult(i+2, insultNounWord)):
			// "what an idiot", "bunch of clowns", "total moron"; after an
			// article an ambiguous person noun is an insult too ("such a
			// pussy", "what a tool"). Not of oneself ("I was such an ugly
			// baby") nor the idiom "make an ass of oneself".
			dst = append(dst, patternHit{TierAbuse, i})
		case w&secondPerson != 0:
			// "you are a disgrace", "you absolute muppet".
			for j := i + 1; j <= i+4 && j < n; j++ {
				x := mask[j]
				if x&patternNegation != 0 {
					break
				}
				if insult(j, insultWord) || x&derogatory != 0 && x&notAnInsult == 0 || a.misspelt(j) {
					dst = append(dst, patternHit{TierAbuse, i})
					break
				}
				if x&youAre == 0 {
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
