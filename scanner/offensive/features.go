package offensive

// The heads of the trained model: each is a logistic regression over the
// same features, trained on the datasets that label it.
const (
	HeadAbusive = iota // offensive, abusive, toxic or hateful
	HeadHate           // an attack on people for who they are
	HeadThreat         // a threat of violence or harm
	NumHeads
)

// HeadNames name the heads in figures and the model file.
var HeadNames = [NumHeads]string{"abusive", "hate", "threat"}

// Feature space: hashed word unigrams and bigrams in numBuckets slots,
// then dense lexicon features (one per tier, and one per tier seen twice).
const (
	hashBits    = 19
	numBuckets  = 1 << hashBits
	denseLex    = numBuckets
	denseClass  = denseLex + 2*int(numTiers)
	numFeatures = denseClass + numClassPairs
)

// fnv-1a, 64 bit.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// bucket folds a 64-bit hash into the hashed feature slots.
func bucket(h uint64) uint32 {
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return uint32(h & (numBuckets - 1))
}

// bigram combines two word hashes, order-sensitive.
func bigram(a, b uint64) uint64 { return a*0x9e3779b97f4a7c15 ^ (b + 0x632be59bd9b4e5) }

// wordFeatures are the hashed features owned by one word: its unigram and
// the bigram it ends (zero when it starts a window).
type wordFeatures struct {
	uni, bi uint32
	// pre and suf are the word's first and last letters, for words long
	// enough to be inflected or compounded ("fuckwits", "pisshead"); zero
	// for short words.
	pre, suf uint32
	// gs and ge delimit the word's character n-grams in Analyzer.grams.
	gs, ge uint32
}

// FeatureOptions are the choices of feature extraction a model was
// trained with; the model file records them, and scoring must make the same.
type FeatureOptions struct {
	// CharGrams adds the hashed character n-grams of every word, GramMin
	// to GramMax long: they read inflections, compounds and misspellings
	// ("fuckwits", "idoits") that whole-word features miss.
	CharGrams bool `json:"char_grams,omitempty"`
	GramMin   int  `json:"gram_min,omitempty"`
	GramMax   int  `json:"gram_max,omitempty"`
	// Norm scales the hashed part of a sum by 1/sqrt(number of hashed
	// features), so that a window's length does not decide its score.
	Norm bool `json:"norm,omitempty"`
	// Classes adds a dense feature for every pair of word classes (the
	// context cues and lexicon tiers) that meet in a window: a group and
	// a harm ("women deserve to be abused"), the reader and a demeaning
	// word. A bag of words cannot weigh such a conjunction by itself.
	Classes bool `json:"classes,omitempty"`
}

// modelClasses are the word classes whose pairs are features (Classes);
// the lexicon tiers follow them.
var modelClasses = [...]cue{groups, groupNouns, derogatory, groupHarm, hateVerbs, harmWords, secondPerson,
	people, patternNegation, modalWords, firstPerson, reporting, condemn, metaSpeech, joke, lesson, copula}

const (
	numClasses    = len(modelClasses) + int(numTiers)
	numClassPairs = numClasses * (numClasses + 1) / 2
)

// classPair is the dense feature of classes i <= j meeting in a window (i
// == j: class i present).
func classPair(i, j int) uint32 {
	return uint32(denseClass + i*numClasses - i*(i-1)/2 + (j - i))
}

// affixLen is the length of the prefix and suffix features, and affixMin
// the shortest word that has them.
const (
	affixLen = 4
	affixMin = 6
)

// wordHash is the hash of word i: of the term it disguises when the
// lexicon read it in disguise ("f*ck" is "fuck"), of a neutral word inside
// an allow-listed phrase, else of its own bytes.
func (a *Analyzer) wordHash(i int) uint64 {
	if h := a.canon[i]; h != 0 {
		return h
	}
	return hashBytes(a.z.Bytes(a.words[i]))
}

// features makes sure the features of words[s:e] are computed. Only the
// windows the model reads need them, and in ordinary mail that is few, so
// they are computed on demand, once per word.
func (a *Analyzer) features(s, e int) {
	for i := s; i < e; i++ {
		if a.fsDone[i] {
			continue
		}
		h := a.wordHash(i)
		f := wordFeatures{uni: bucket(h)}
		if b := a.z.Bytes(a.words[i]); len(b) >= affixMin && a.canon[i] == 0 {
			f.pre = bucket(hashBytes(b[:affixLen]) ^ 0x5bd1e995)
			f.suf = bucket(hashBytes(b[len(b)-affixLen:]) ^ 0x1b873593)
		}
		if i > 0 {
			f.bi = bucket(bigram(a.wordHash(i-1), h))
		}
		if a.opt.CharGrams && a.canon[i] == 0 {
			f.gs = uint32(len(a.grams))
			a.grams = appendCharGrams(a.grams, a.z.Bytes(a.words[i]), a.opt.GramMin, a.opt.GramMax)
			f.ge = uint32(len(a.grams))
		}
		a.fs[i], a.fsDone[i] = f, true
	}
}

// lexFeature is the dense feature of tier t, and of t seen twice or more.
func lexFeature(t Tier, second bool) uint32 {
	if second {
		return uint32(denseLex + int(numTiers) + int(t))
	}
	return uint32(denseLex + int(t))
}

// windowFeatures appends the feature ids of words[s:e] with the lexicon
// hits that start inside it: what one training example or one scored window
// contributes. Training and scoring both go through it (scoring via prefix
// sums that give the same totals).
func windowFeatures(fs []wordFeatures, grams []uint32, mask []cue, classes bool, hits []Hit, s, e int, dst []uint32) []uint32 {
	for i := s; i < e; i++ {
		dst = append(dst, fs[i].uni)
		dst = append(dst, grams[fs[i].gs:fs[i].ge]...)
		if fs[i].pre != 0 {
			dst = append(dst, fs[i].pre, fs[i].suf)
		}
		if i > s {
			dst = append(dst, fs[i].bi)
		}
	}
	var seen [numTiers]int
	for _, h := range hits {
		if h.Word < s || h.Word >= e || h.Ambiguous {
			continue
		}
		seen[h.Tier]++
		if seen[h.Tier] <= 2 {
			dst = append(dst, lexFeature(h.Tier, seen[h.Tier] == 2))
		}
	}
	if !classes {
		return dst
	}
	var in cue
	for i := s; i < e && i < len(mask); i++ {
		in |= mask[i]
	}
	var present [numClasses]bool
	for i, c := range modelClasses {
		present[i] = in&c != 0
	}
	for t, n := range seen {
		present[len(modelClasses)+t] = n > 0
	}
	for i := range present {
		if !present[i] {
			continue
		}
		for j := i; j < numClasses; j++ {
			if present[j] {
				dst = append(dst, classPair(i, j))
			}
		}
	}
	return dst
}

// appendCharGrams appends the hashed character n-grams of word, read as
// "<word>" so that a gram knows whether it starts or ends the word. Words
// of three letters or fewer have their unigram only.
func appendCharGrams(dst []uint32, word []byte, gmin, gmax int) []uint32 {
	if len(word) <= 3 || len(word) > 40 {
		return dst
	}
	var buf [42]byte
	buf[0] = '<'
	copy(buf[1:], word)
	buf[len(word)+1] = '>'
	b := buf[:len(word)+2]
	for n := gmin; n <= gmax; n++ {
		for i := 0; i+n <= len(b); i++ {
			dst = append(dst, bucket(hashBytes(b[i:i+n])^0x27d4eb2f165667c5))
		}
	}
	return dst
}
