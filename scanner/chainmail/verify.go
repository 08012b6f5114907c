package chainmail

import "regexp"

// A real appeal can be checked: the police give a log or crime reference
// and the date someone went missing, a charity its registered number and
// the dates of its appeal. Hoaxes give none of these, which is what keeps
// them alive for years. A reference, a charity number or an official line
// in a message halves its score, a date takes a quarter off (a chain
// letter may well say when someone won the lottery), down to a quarter of
// it at most, so a police appeal "call 101 quoting log 0871 of 11 March" or
// a dated charity appeal asking to be shared stays clean while the same
// appeal without them does not.
//
// The patterns read normalised text: words of every language that textnorm
// reads into ASCII, and digits; scripts read by scriptWords have their own
// month names in scriptVerifiable.
var verifiable = []*regexp.Regexp{
	// A reference: "ref LC-20260312-0871", "crime number 12/3456/26",
	// "log 0712", "our ref CME/26/014", numer zgłoszenia, referința.
	regexp.MustCompile(`\b(ref|reference|referencia|referinta|log|crime number|crime reference|incident number|case number|ticket|fault ref|nr zgloszenia|numer zgloszenia|numero de referencia|nuoroda) (number |no |nr |num )?(is )?(\w+ ){0,2}?[a-z]{0,4}\d{3,}`),
	// A registered charity number.
	regexp.MustCompile(`\b(charit\w*|caritas|charitable|caritabil\w*|charytatywn\w*|beneficente|beneficencia|labdaros) (\w+ ){0,9}?(number |no |nr |numer |numerem |numero |numarul )?\d{6,7}\b`),
	// A date: a day and a month.
	regexp.MustCompile(`\b\d{1,2} (january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|wrzesnia|pazdziernika|listopada|grudnia|ianuarie|februarie|martie|aprilie|mai|iunie|iulie|august|septembrie|octombrie|noiembrie|decembrie|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|dezembro)\b`),
	// An official line: 101, Crimestoppers.
	regexp.MustCompile(`\b((call|ring|dial|phone|sunati|zadzwon|suna) (the police on |police on |us on |pod numer |la )?101|crimestoppers)\b`),
}

// kindDate is the bit of verifiable's date pattern.
const kindDate = 1 << 2

// checkableFactor is what the checkable details of kinds leave of a score.
func checkableFactor(kinds uint8) float64 {
	f := 1.0
	for k := uint8(1); k != 0 && k < 1<<len(verifiable); k <<= 1 {
		switch {
		case kinds&k == 0:
		case k == kindDate:
			f *= 0.75
		default:
			f *= 0.5
		}
	}
	return max(f, 0.25)
}

// verifiableKinds is the set of kinds of checkable detail in normalised
// text, one bit per pattern of verifiable; w is scratch space.
func verifiableKinds(text []byte, w *work) uint8 {
	// found[i] > 0: pattern i matched (verIndex gives each its own slot).
	var found [numFamilies]float64
	verIndex.find(text, &found, w)
	var kinds uint8
	for i := range verifiable {
		if found[i] > 0 {
			kinds |= 1 << i
		}
	}
	return kinds
}

// verIndex runs each of verifiable only in the windows around its own
// literals, as negIndex does for the negatives: over the whole of a long
// text they took 7% of the relay's CPU on a realistic mix.
var verIndex = newPatternIndex(func() []pattern {
	if len(verifiable) > int(numFamilies) || len(verifiable) > 8 {
		panic("chainmail: more verifiable patterns than slots")
	}
	ps := make([]pattern, len(verifiable))
	for i, re := range verifiable {
		ps[i] = pattern{fam: family(i), strength: 1, re: re}
		if specificLiterals(re.String()) == nil {
			panic("chainmail: a verifiable pattern without literals cannot be indexed")
		}
	}
	return ps
}())
