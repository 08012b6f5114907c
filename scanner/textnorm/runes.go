package textnorm

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Character classes seen by the tokenizer.
const (
	clsSep    uint8 = iota // ends a word
	clsLetter              // part of a word
	clsDigit               // 0-9: a number, or leetspeak inside a word
	clsSym                 // @ $ ! | + : leetspeak inside a word
	clsMask                // * # : a masked letter inside a word (f*ck)
	clsJoin                // apostrophes: joined over inside a word (don't)
	clsDrop                // zero-width, bidi, soft hyphen, combining marks: removed
)

// asciiClass and asciiLower make the common case one table look-up a byte.
var (
	asciiClass [128]uint8
	asciiLower [128]byte
)

// leet reads digits and symbols inside a word as the letters they imitate.
// '1', '|' and '!' read as i; term lists also hold an l->i variant of each
// word with an l so that "ki11" still matches.
var leet = [128]byte{
	'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
	'@': 'a', '$': 's', '!': 'i', '|': 'i', '+': 't',
}

func init() {
	for c := 0; c < 128; c++ {
		b := byte(c)
		asciiLower[c] = b
		switch {
		case b >= 'a' && b <= 'z':
			asciiClass[c] = clsLetter
		case b >= 'A' && b <= 'Z':
			asciiClass[c] = clsLetter
			asciiLower[c] = b + 'a' - 'A'
		case b >= '0' && b <= '9':
			asciiClass[c] = clsDigit
		case b == '@' || b == '$' || b == '!' || b == '|' || b == '+':
			asciiClass[c] = clsSym
		case b == '*' || b == '#':
			asciiClass[c] = clsMask
		case b == '\'':
			asciiClass[c] = clsJoin
		default:
			asciiClass[c] = clsSep
		}
	}
	for r := rune(0xC0); r < 0x250; r++ {
		d := norm.NFD.String(string(r))
		b, _ := utf8.DecodeRuneInString(d)
		if b < 0x80 && asciiClass[b] == clsLetter {
			latinBase[r-0xC0] = rune(asciiLower[b])
		}
	}
}

// latinBase strips diacritics from Latin-1 Supplement and Latin Extended-A/B
// letters (é -> e, ł -> l) so that "fück" reads as "fuck". Filled at init
// from the Unicode decompositions.
var latinBase [0x250 - 0xC0]rune

// confusables maps look-alike letters of other scripts (after lowercasing)
// to the Latin letter they imitate: Cyrillic "сunt" or Greek "ρ" in a Latin
// word. Taken from the visually identical pairs of Unicode's confusables.txt
// that matter for English words.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'н': 'h',
	'і': 'i', 'ї': 'i', 'ӏ': 'l', 'ј': 'j', 'к': 'k', 'м': 'm', 'о': 'o', 'р': 'p',
	'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y', 'ү': 'y', 'х': 'x', 'ԝ': 'w', 'ь': 'b',
	// Greek
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v',
	'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'μ': 'u', 'ς': 's',
	'ϲ': 'c', 'ϳ': 'j',
	// Latin look-alikes without a decomposition
	'ı': 'i', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ħ': 'h', 'ŧ': 't', 'ƒ': 'f', 'ɑ': 'a',
	'ɡ': 'g', 'ɩ': 'i', 'ʋ': 'u', 'ȿ': 's',
	// Latin small capitals (NFKC leaves them alone)
	'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ꜰ': 'f', 'ɢ': 'g', 'ʜ': 'h',
	'ɪ': 'i', 'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p',
	'ʀ': 'r', 'ꜱ': 's', 'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
	// Armenian
	'օ': 'o', 'ս': 'u', 'հ': 'h', 'ո': 'n',
}

// classify returns the class of a non-ASCII rune and, for letters, the rune
// to emit: lowercased, diacritics stripped, confusables mapped. obf reports
// that a look-alike or invisible character was involved.
func classify(r rune) (cls uint8, out rune, obf bool) {
	switch r {
	case '\u2019', '\u02bc', '\u2018': // typographic apostrophes
		return clsJoin, 0, false
	case '\u00ad': // soft hyphen
		return clsDrop, 0, false
	case '\u2022', '\u00b7', '\u2217', '\u2731': // bullets and stars used as masks
		return clsMask, '*', false
	}
	if r == '\u115f' || r == '\u1160' || r == '\u3164' { // Hangul fillers: invisible letters
		return clsDrop, 0, true
	}
	if !unicode.IsLetter(r) {
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) ||
			(r >= 0xFE00 && r <= 0xFE0F) || r == '\u034f' {
			return clsDrop, 0, true
		}
		return clsSep, 0, false
	}
	l := unicode.ToLower(r)
	if l >= 0xC0 && l < 0x250 {
		if b := latinBase[l-0xC0]; b != 0 {
			return clsLetter, b, false
		}
	}
	if c, ok := confusables[l]; ok {
		return clsLetter, c, true
	}
	return clsLetter, l, false
}
