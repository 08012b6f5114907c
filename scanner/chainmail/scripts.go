package chainmail

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// textnorm reads words for English and the Latin-script languages; it was
// not written for the Arabic script (Urdu, Arabic, Shahmukhi Punjabi) or
// the Brahmic scripts (Gurmukhi Punjabi, Bengali). It drops their digits
// (۱۰, ١٠, ১০), drops the nonspacing vowel signs and splits words at the
// spacing ones ("ਮਾੜੀ" reads "ਮ ੜ"), and reads a Chinese or Thai sentence
// as one word. It is shared with other detectors, so chainmail reads those
// scripts with scriptWords instead, for both its wording and its
// fingerprints.

// isScriptRune reports a letter of a script that scriptWords reads: the
// Arabic script, the Indic scripts (Devanagari to Malayalam, Sinhala), and
// the scripts written without spaces between words (Thai, Lao, Tibetan,
// Myanmar, Khmer, Han, kana).
func isScriptRune(r rune) bool {
	switch {
	case r >= 0x0600 && r <= 0x06FF, r >= 0x0750 && r <= 0x077F, r >= 0x08A0 && r <= 0x08FF,
		r >= 0xFB50 && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF:
		return true // Arabic, with its presentation forms
	case r >= 0x0900 && r <= 0x0DFF:
		return true // Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala
	}
	return isUnspaced(r)
}

// isUnspaced reports a letter of a script written without spaces between
// words: each of its characters (with its marks) is one token.
func isUnspaced(r rune) bool {
	switch {
	case r >= 0x0E00 && r <= 0x0FFF: // Thai, Lao, Tibetan
	case r >= 0x1000 && r <= 0x109F: // Myanmar
	case r >= 0x1780 && r <= 0x17FF: // Khmer
	case r >= 0x3040 && r <= 0x30FF: // Hiragana, Katakana
	case r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF, r >= 0xF900 && r <= 0xFAFF, r >= 0x20000 && r <= 0x2FA1F: // Han
	default:
		return false
	}
	return true
}

// hasScript reports whether s holds a letter that scriptWords reads.
func hasScript(s string) bool {
	if isASCII(s) {
		return false
	}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= 0x0600 && isScriptRune(r) {
			return true
		}
		i += n
	}
	return false
}

// digitZeros are the zeros of the decimal digit sets scriptWords reads as
// ASCII digits.
var digitZeros = []rune{0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0xFF10}

// letterFold maps variant letters of the Arabic script to one form, as
// writers and keyboards mix them: alef with hamza or madda is alef, the
// Persian/Urdu yeh and alef maksura are yeh, the Arabic kaf is the Urdu
// keheh, heh goal and teh marbuta are heh, waw and yeh with hamza lose it.
var letterFold = map[rune]rune{
	'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ى': 'ي', 'ی': 'ي', 'ك': 'ک', 'ہ': 'ه', 'ۃ': 'ه', 'ة': 'ه',
	'ؤ': 'و', 'ئ': 'ي', 'ۓ': 'ے',
}

// dropMark reports a mark that scriptWords removes: Arabic vowel signs
// (harakat, which most writers leave out), and the nukta and nasal signs
// of Gurmukhi and Bengali (bindi, tippi, addak, chandrabindu), which
// writers use inconsistently ("ਨਹੀਂ", "ਨਹੀ"). Other Indic vowel signs and
// the virama are part of the word.
func dropMark(r rune) bool {
	switch {
	case r >= 0x0610 && r <= 0x061A, r >= 0x064B && r <= 0x065F, r == 0x0670,
		r >= 0x06D6 && r <= 0x06DC, r >= 0x06DF && r <= 0x06E8, r >= 0x06EA && r <= 0x06ED:
		return true
	case r == 0x0A01 || r == 0x0A02 || r == 0x0A3C || r == 0x0A70 || r == 0x0A71:
		return true
	case r == 0x0981 || r == 0x09BC:
		return true
	}
	return r == 0x0640 || r == 0x200C || r == 0x200D || r == 0x00AD || unicode.Is(unicode.Cf, r)
}

// foldRune returns the form of r in scriptWords' output, or -1 when r is
// dropped, or 0 when it separates words.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return 0
	}
	if dropMark(r) {
		return -1
	}
	if f, ok := letterFold[r]; ok {
		return f
	}
	if unicode.IsDigit(r) {
		for _, z := range digitZeros {
			if r >= z && r <= z+9 {
				return '0' + r - z
			}
		}
		return r
	}
	if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
		return unicode.ToLower(r)
	}
	return 0
}

// decompose returns r's compatibility decomposition (NFKD) in buf, so that
// precomposed letters come apart (é, ਜ਼, ড়, أ) and their marks can be
// dropped, and presentation forms become letters; a Latin letter loses its
// accents there.
func decompose(r rune, buf *[8]rune) []rune {
	buf[0] = r
	if r < 0xC0 {
		return buf[:1]
	}
	d := norm.NFKD.PropertiesString(string(r)).Decomposition()
	if len(d) == 0 {
		return buf[:1]
	}
	latin := r < 0x250 || r >= 0x1E00 && r <= 0x1EFF
	n := 0
	for len(d) > 0 && n < len(buf) {
		x, size := utf8.DecodeRune(d)
		d = d[size:]
		if latin && n > 0 && unicode.Is(unicode.Mn, x) {
			continue
		}
		buf[n] = x
		n++
	}
	return buf[:n]
}

// fastFold caches, for the runes below fastFoldEnd (Latin to Sinhala),
// what scriptWords' slow path (decompose, then foldRune) makes of each:
// dropped, a separator, a mark joined to its word, or one letter (which
// may still be of an unspaced script: that is checked on the letter).
// Runes that become more than one letter take the slow path.
const fastFoldEnd = 0x0E00

type foldKind uint8

const (
	foldSlow foldKind = iota
	foldDrop
	foldSep
	foldMark
	foldLetter
)

var fastFold = func() (t [fastFoldEnd]struct {
	kind foldKind
	r    rune
}) {
	var buf [8]rune
	for r := rune(0); r < fastFoldEnd; r++ {
		var out []rune
		for _, x := range decompose(r, &buf) {
			if f := foldRune(x); f != -1 {
				out = append(out, f)
			}
		}
		switch {
		case len(out) == 0:
			t[r].kind = foldDrop
		case len(out) > 1:
			t[r].kind = foldSlow
		case out[0] == 0:
			t[r].kind = foldSep
		case unicode.In(out[0], unicode.Mn, unicode.Mc):
			t[r].kind, t[r].r = foldMark, out[0]
		default:
			t[r].kind, t[r].r = foldLetter, out[0]
		}
	}
	return t
}()

// scriptWords appends to dst the words of s joined by single spaces:
// letters with their vowel signs, lowercased, Arabic-script variants
// folded, decimal digits of any script as ASCII digits, accents of Latin
// letters removed, URLs and e-mail addresses skipped; a character of a
// script written without spaces is a word of its own (with its marks).
func scriptWords(dst []byte, s string) []byte {
	start := len(dst)
	inWord := false       // the last byte of dst is part of a word
	lastUnspaced := false // ... and a character of an unspaced script
	sep := func() {
		if inWord {
			dst = append(dst, ' ')
			inWord = false
		}
	}
	var buf [8]rune
	for i := 0; i < len(s); {
		j := fieldEnd(s, i)
		if j == i {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		field := s[i:j]
		i = j
		if strings.Contains(field, "://") || strings.HasPrefix(field, "www.") || strings.IndexByte(field, '@') > 0 {
			sep()
			continue
		}
		for _, r := range field {
			letter := func(f rune) {
				unspaced := isUnspaced(f)
				if unspaced || lastUnspaced {
					sep()
				}
				lastUnspaced = unspaced
				dst = utf8.AppendRune(dst, f)
				inWord = true
			}
			if r < fastFoldEnd && fastFold[r].kind != foldSlow {
				// The common case: one table look-up.
				switch ff := fastFold[r]; ff.kind {
				case foldSep:
					sep()
				case foldMark:
					dst = utf8.AppendRune(dst, ff.r)
					inWord = true
				case foldLetter:
					letter(ff.r)
				}
				continue
			}
			for _, x := range decompose(r, &buf) {
				f := foldRune(x)
				switch {
				case f < 0:
				case f == 0:
					sep()
				case unicode.In(f, unicode.Mn, unicode.Mc):
					dst = utf8.AppendRune(dst, f)
					inWord = true
				default:
					letter(f)
				}
			}
		}
		sep()
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// w is one word of scriptWords' output with its space: Go's \w and \b are
// ASCII-only.
const w = `(?:[^ ]+ )`

// fieldEnd returns the end of the run of non-space characters of s that
// starts at i (i itself when s[i:] starts with a space).
func fieldEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c >= '\t' && c <= '\r' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return i
		}
		i += n
	}
	return i
}

// foldPattern folds the letters of a pattern as scriptWords folds text, so
// patterns are written as people write ("ਨਹੀਂ", "أرسل").
func foldPattern(expr string) string {
	var b strings.Builder
	var buf [8]rune
	for _, r := range expr {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		for _, x := range decompose(r, &buf) {
			switch f := foldRune(x); {
			case f < 0:
			case f == 0:
				b.WriteRune(x)
			default:
				b.WriteRune(f)
			}
		}
	}
	return b.String()
}

// sp is p for scriptWords' output: its words are delimited by spaces.
func sp(f family, s float64, re string) pattern {
	expr := `(?:^| )(?:` + foldPattern(re) + `)(?: |$)`
	pt := pattern{fam: f, strength: s, re: regexp.MustCompile(expr)}
	for _, l := range requiredLiterals(expr) {
		pt.req = append(pt.req, []byte(l))
	}
	return pt
}

// maxScriptText bounds how much of one text the script patterns read:
// chain letters are short.
const maxScriptText = 64 << 10

// scriptEvidence adds to e the signals of the script patterns in text,
// when it holds a script that scriptWords reads; w is scratch space.
func scriptEvidence(text string, e *Evidence, w *work) {
	if !hasScript(text) {
		return
	}
	if len(text) > maxScriptText {
		text = text[:maxScriptText]
	}
	w.snorm = scriptWords(w.snorm[:0], text)
	scriptIndex.find(w.snorm, &e.Strength, w)
	for _, words := range scriptNegatives {
		for _, n := range words {
			if containsPhrase(w.snorm, n) {
				e.Negatives++
				break
			}
		}
	}
}

// scriptCheckable returns the kinds of checkable detail (verifiable) in a
// text of those scripts, read by scriptWords: the Latin patterns (digits,
// Latin words) and the month names and words of reference of the scripts.
func scriptCheckable(text string, w *work) uint8 {
	if len(text) > maxScriptText {
		text = text[:maxScriptText]
	}
	words := scriptWords(nil, text)
	kinds := verifiableKinds(words, w)
	for i, re := range scriptVerifiable {
		if re != nil && re.Match(words) {
			kinds |= 1 << i
		}
	}
	return kinds
}
