package textnorm

// The tokenizer before its fast paths (spaces, whole ASCII words, header
// lines), kept verbatim as refTokenizer so FuzzSameAsReference can show the
// fast one reads every text the same.

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// refTokenizer splits text into normalised words. It reuses its buffers between
// calls, so one refTokenizer serves many texts but only one goroutine.
type refTokenizer struct {
	buf   []byte
	words []Word
	raw   []rawChar
	// per line
	depth     uint8
	lineFlags Flags
	lineStart bool
	// single-letter run for joining "f.u.c.k"
	run      int
	runEnd   int
	wordFrom int // source offset where the current word began
	// text state
	forwarded bool
}

// Bytes returns the normalised bytes of w; valid until the next Words call.
func (z *refTokenizer) Bytes(w Word) []byte { return z.buf[w.Start:w.End] }

// String returns the normalised text of w.
func (z *refTokenizer) String(w Word) string { return string(z.buf[w.Start:w.End]) }

// Words returns the normalised words of s. The slice and the bytes behind it
// are reused by the next call.
func (z *refTokenizer) Words(s string) []Word {
	z.buf = z.buf[:0]
	z.words = z.words[:0]
	z.forwarded = false
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		z.line(line, s)
	}
	return z.words
}

// line tokenizes one line; rest is the text after it, for markers that need
// to look ahead (an Outlook "From:" block).
func (z *refTokenizer) line(line, rest string) {
	line = strings.TrimSuffix(line, "\r")
	if strings.IndexByte(line, '&') >= 0 {
		line = html.UnescapeString(line)
	}
	// Quote depth: leading '>' possibly separated by spaces.
	i, depth := 0, 0
	for i < len(line) {
		switch line[i] {
		case ' ', '\t':
			i++
			continue
		case '>':
			depth++
			i++
			continue
		}
		break
	}
	if depth > 255 {
		depth = 255
	}
	z.depth = uint8(depth)
	body := line[i:]
	z.lineFlags = 0
	if IsForwardMarker(body, rest) {
		z.forwarded = true
		z.lineFlags |= Marker
	}
	if z.forwarded || depth > 0 {
		z.lineFlags |= Quoted
	}
	if refIsHeaderLine(body) {
		z.lineFlags |= Header
	}
	z.lineStart = true
	z.run = 0
	z.raw = z.raw[:0]
	skip := false // inside a URL or an e-mail address
	for i < len(line) {
		c := line[i]
		if c < utf8.RuneSelf {
			if !skip && len(z.raw) == 0 && asciiClass[c] == clsLetter {
				if j := z.asciiWord(line, i); j > i {
					i = j
					continue
				}
			}
			if skip {
				skip = c != ' ' && c != '\t'
			} else {
				skip = z.char(line, i, rune(asciiLower[c]), asciiClass[c], false)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		if skip {
			// Unicode spaces end a URL too.
			skip = !unicode.IsSpace(r)
			i += size
			continue
		}
		// Accented Latin letters, the common case: strip the accent.
		if r < 0x250 && r >= 0xC0 && latinBase[r-0xC0] != 0 {
			skip = z.char(line, i, latinBase[r-0xC0], clsLetter, false)
			i += size
			continue
		}
		// NFKC, one character at a time: its compatibility decomposition
		// (full-width, mathematical, circled letters, ligatures; accents
		// come apart and their marks are dropped). A compatibility
		// character in a word is a disguise.
		if d := norm.NFKD.PropertiesString(line[i:]).Decomposition(); len(d) > 0 {
			compat := string(d) != string(norm.NFD.PropertiesString(line[i:]).Decomposition())
			for len(d) > 0 && !skip {
				dr, dn := utf8.DecodeRune(d)
				d = d[dn:]
				cls, out, obf := classify(dr)
				if dr < utf8.RuneSelf {
					cls, out = asciiClass[dr], rune(asciiLower[dr])
				}
				// Marks split off an accented letter are no disguise.
				skip = z.char(line, i, out, cls, compat || obf && cls == clsLetter)
			}
		} else {
			cls, out, obf := classify(r)
			skip = z.char(line, i, out, cls, obf)
		}
		i += size
	}
	z.endWord(len(line))
	z.flushRun(0)
}

// char adds one character of class cls at source offset i of line. It
// returns true when the rest of the line up to a space is a URL or an e-mail
// address, which is skipped.
func (z *refTokenizer) char(line string, i int, r rune, cls uint8, obf bool) (skip bool) {
	switch cls {
	case clsDrop:
		if len(z.raw) > 0 && obf {
			z.raw[len(z.raw)-1].obf = true
		}
	case clsSep:
		if r == ':' && strings.HasPrefix(line[i+1:], "//") ||
			r == '.' && len(z.raw) == 3 && z.raw[0].r == 'w' && z.raw[1].r == 'w' && z.raw[2].r == 'w' {
			z.raw = z.raw[:0]
			return true
		}
		z.endWord(i)
	case clsSym:
		if r == '@' && len(z.raw) > 0 && isAddress(line[i+1:]) {
			z.raw = z.raw[:0]
			return true
		}
		fallthrough
	default:
		if len(z.raw) == 0 {
			z.wordFrom = i
		}
		z.raw = append(z.raw, rawChar{r: r, cls: cls, obf: obf})
	}
	return false
}

// endWord finishes the word collected in z.raw, which ended at source
// offset at.
func (z *refTokenizer) endWord(at int) {
	raw := z.raw
	z.raw = z.raw[:0]
	from := z.wordFrom
	// Trim characters that are punctuation at a word's edges: "**bold**",
	// "#tag", "wow!!", "it's'". '@' and '$' may start a word ("@ss", "$hit").
	for len(raw) > 0 {
		c := raw[0]
		if c.cls == clsMask || c.cls == clsJoin || c.cls == clsSym && c.r != '@' && c.r != '$' {
			raw = raw[1:]
			from++
			continue
		}
		break
	}
	for len(raw) > 0 {
		c := raw[len(raw)-1]
		if c.cls == clsMask || c.cls == clsJoin || c.cls == clsSym && c.r != '$' {
			raw = raw[:len(raw)-1]
			continue
		}
		break
	}
	// English contractions lose their ending rather than joining into
	// another word: "who're" is not "whore", "she'll" is not "shell".
	for k := len(raw) - 2; k > 0 && k >= len(raw)-3; k-- {
		if raw[k].cls == clsJoin {
			if isContraction(raw[k+1:]) {
				raw = raw[:k]
			}
			break
		}
	}
	if len(raw) == 0 {
		return
	}
	var letters, digits, syms, masks int
	var obf bool
	for _, c := range raw {
		switch c.cls {
		case clsLetter:
			letters++
		case clsDigit:
			digits++
		case clsSym:
			syms++
		case clsMask:
			masks++
		}
		obf = obf || c.obf
	}
	var flags Flags
	leetOK := false
	switch {
	case letters == 0:
		if digits == 0 || syms+masks > 0 {
			z.breakRun()
			return
		}
		flags = Number
	case digits+syms > 0:
		// Leetspeak needs enough real letters to be a word, so that
		// road and part numbers ("A55", "B52") stay what they are, or a
		// symbol beside the digits ("$h17").
		leetOK = letters >= 2 || digits == 0 || letters >= 1 && syms >= 1
	}
	if masks > 0 {
		if letters < 2 {
			z.breakRun()
			return
		}
		flags |= Masked
	}
	if obf {
		flags |= Obfuscated
	}
	start := len(z.buf)
	var prev rune
	n := 0
	for _, c := range raw {
		if c.cls == clsJoin {
			continue
		}
		r := c.r
		// Repeats are counted on what was written: "ki11" is not a run.
		if c.r == prev {
			n++
		} else {
			prev, n = c.r, 1
		}
		switch c.cls {
		case clsMask:
			r = '*'
		case clsDigit, clsSym:
			if leetOK && leet[r] != 0 {
				r = rune(leet[r])
				flags |= Leet
			}
		}
		if n >= 3 && flags&Number == 0 && c.cls != clsMask {
			flags |= Repeated
			continue
		}
		z.buf = utf8.AppendRune(z.buf, r)
	}
	z.push(start, from, at, flags)
}

// push appends the word whose bytes start at buf[start:], which began at
// source offset from and ended at at.
func (z *refTokenizer) push(start, from, at int, flags Flags) {
	flags |= z.lineFlags
	if z.lineStart {
		flags |= LineStart
		z.lineStart = false
	}
	w := Word{Start: int32(start), End: int32(len(z.buf)), Flags: flags, Depth: z.depth}
	// Single letters go into the run that may join them ("f.u.c.k").
	if flags&(Number|Masked) == 0 && (len(z.buf)-start == 1 || utf8.RuneCount(z.buf[start:]) == 1) {
		if z.run > 0 && from-z.runEnd > maxJoinGap {
			z.flushRun(0)
		}
		z.words = append(z.words, w)
		z.run++
		z.runEnd = at
		return
	}
	z.words = append(z.words, w)
	z.flushRun(1)
}

// asciiWord is the fast path for the common word: ASCII letters followed by
// a plain separator. It returns the end of the word, or i when the word
// needs the full treatment (leetspeak, masks, apostrophes, repeats, URLs).
func (z *refTokenizer) asciiWord(line string, i int) int {
	start := len(z.buf)
	j := i
	for ; j < len(line); j++ {
		c := line[j]
		if c >= utf8.RuneSelf || asciiClass[c] != clsLetter {
			break
		}
		l := asciiLower[c]
		if n := len(z.buf); n-start >= 2 && z.buf[n-1] == l && z.buf[n-2] == l {
			z.buf = z.buf[:start] // a run of three: shortened by endWord
			return i
		}
		z.buf = append(z.buf, l)
	}
	if j < len(line) {
		c := line[j]
		if c >= utf8.RuneSelf || asciiClass[c] != clsSep ||
			c == ':' && strings.HasPrefix(line[j+1:], "//") ||
			c == '.' && j-i == 3 && string(z.buf[start:]) == "www" {
			z.buf = z.buf[:start]
			return i
		}
	}
	z.push(start, i, j, 0)
	return j
}

// breakRun ends a run of single letters at a dropped word.
func (z *refTokenizer) breakRun() { z.flushRun(0) }

// flushRun joins the run of single-letter words that ends before the last
// skip words, when it has at least three letters. Their bytes are adjacent
// in buf, so joining is a merge of their spans.
func (z *refTokenizer) flushRun(skip int) {
	n := z.run
	z.run = 0
	if n < 3 {
		return
	}
	ws := z.words
	end := len(ws) - skip
	first := end - n
	if first < 0 || end < 1 {
		return
	}
	joined := Word{Start: ws[first].Start, End: ws[end-1].End, Depth: ws[first].Depth}
	for _, w := range ws[first:end] {
		joined.Flags |= w.Flags
	}
	joined.Flags |= Joined
	tail := append([]Word(nil), ws[end:]...)
	z.words = append(append(ws[:first], joined), tail...)
}

// refIsHeaderLine reports whether a body line looks like a forwarded header.
func refIsHeaderLine(line string) bool {
	t := strings.TrimLeft(line, " \t*")
	if len(t) < 3 {
		return false
	}
	for _, h := range headerNames {
		if len(t) >= len(h) && strings.EqualFold(t[:len(h)], h) {
			return true
		}
	}
	return false
}
