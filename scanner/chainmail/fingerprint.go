package chainmail

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/textnorm"
)

// Fingerprint parameters. Changing any of them changes every key: bump
// fingerprintVersion so the tracker's old counts simply age out.
const (
	fingerprintVersion = "cm1"
	// shingleWords is the length of a shingle in words.
	shingleWords = 4
	// minWords: bodies shorter than this ("Thanks, see you at 3") are too
	// common to say anything about spread, and get no fingerprint.
	minWords = 25
	// Keys is how many independent keys (LSH bands) Fingerprints returns.
	Keys = 6
	// rows is how many MinHash values make one key. One value would let a
	// common phrase ("please let me know") that happens to hash low join
	// unrelated e-mails; three make a shared key need three agreeing
	// minimums, probability J^3.
	rows = 3
)

// Fingerprint returns the spread key of m's body: "cm1:" and 16 hex digits,
// or "" when the body is too short to track (under 25 words once quoting,
// forwarding headers, addresses, URLs and footers are removed).
//
// Bodies that normalise to the same words always share the key, so the same
// letter forwarded with different forwarding headers, quote markers, line
// wrapping, HTML or plain text, footers or signatures gets one key. Bodies
// with shingle similarity J share it with probability J^3 (0.73 for J=0.9);
// for small edits use Fingerprints.
func Fingerprint(m *scanner.Message) string {
	keys := Fingerprints(m)
	if len(keys) == 0 {
		return ""
	}
	return fingerprintVersion + ":" + keys[0][strings.IndexByte(keys[0], ':')+1:]
}

// Fingerprints returns Keys keys of m's body ("cm1.0:<16 hex>" ...
// "cm1.5:<16 hex>"), or nil when the body is too short. Each key is a band
// of three MinHash values over the body's 4-word shingles, so two bodies
// with shingle similarity J share at least one key with probability
// 1-(1-J^3)^6: 0.9998 for J=0.9, 0.98 for J=0.75, 0.54 for J=0.5, and
// 6e-6 for J=0.01 (two different letters that share a stock phrase).
//
// The tracker counts distinct senders per key in its window and takes the
// largest count over the keys: that finds a letter spreading even when each
// sender edits it a little.
func Fingerprints(m *scanner.Message) []string {
	if v, ok := m.Derived(fpKey{}); ok {
		return slices.Clone(v.([]string))
	}
	bw := bodyPool.Get().(*bodyWork)
	defer bodyPool.Put(bw)
	bw.collect(m)
	return bw.keys()
}

// fpKey stores on a message the fingerprints Examine computed from its own
// reading of the body, for Fingerprints to return without reading the body
// a second time (the pipeline asks for them right after the scanners ran).
type fpKey struct{}

// remember stores keys as m's fingerprints.
func remember(m *scanner.Message, keys []string) { m.SetDerived(fpKey{}, keys) }

// keys returns the fingerprints of the collected words, nil when they are
// too few.
func (bw *bodyWork) keys() []string {
	words := bw.spans
	if len(words) < minWords {
		return nil
	}
	var mins [Keys * rows]uint64
	for k := range mins {
		mins[k] = ^uint64(0)
	}
	// seen caches recent shingle hashes: a repeated shingle (a repeated
	// line, a signature) cannot lower any minimum again, so its 18
	// MinHash values are skipped.
	var seen [256]uint64
	add := func(x uint64) {
		if slot := &seen[x&255]; *slot == x {
			return
		} else {
			*slot = x
		}
		for k := range mins {
			if v := mix(x ^ seeds[k]); v < mins[k] {
				mins[k] = v
			}
		}
	}
	// A shingle is its words joined by single spaces, which is how the
	// arena holds them: one contiguous stretch. Four shingles are hashed
	// side by side, as FNV's multiply chain is the bottleneck.
	arena := bw.arena
	shingle := func(i int) []byte { return arena[words[i].start:words[i+shingleWords-1].end] }
	n := len(words) - shingleWords + 1
	i := 0
	for ; i+4 <= n; i += 4 {
		x0, x1, x2, x3 := fnv4(shingle(i), shingle(i+1), shingle(i+2), shingle(i+3))
		add(x0)
		add(x1)
		add(x2)
		add(x3)
	}
	for ; i < n; i++ {
		add(fnv1a(shingle(i)))
	}
	out := make([]string, Keys)
	h := fnv.New64a()
	var buf [8 * rows]byte
	for k := range out {
		for r := 0; r < rows; r++ {
			binary.BigEndian.PutUint64(buf[8*r:], mins[k*rows+r])
		}
		h.Reset()
		h.Write(buf[:])
		out[k] = fmt.Sprintf("%s.%d:%016x", fingerprintVersion, k, h.Sum64())
	}
	return out
}

// FNV-1a 64-bit parameters (hash/fnv), inlined so that hashing a shingle
// allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv1a is hash/fnv's New64a sum of b.
func fnv1a(b []byte) uint64 {
	x := uint64(fnvOffset)
	for _, c := range b {
		x ^= uint64(c)
		x *= fnvPrime
	}
	return x
}

// fnv4 is fnv1a of four byte strings, interleaved so that the CPU runs
// their multiply chains in parallel.
func fnv4(a, b, c, d []byte) (xa, xb, xc, xd uint64) {
	xa, xb, xc, xd = fnvOffset, fnvOffset, fnvOffset, fnvOffset
	n := min(len(a), len(b), len(c), len(d))
	for k := 0; k < n; k++ {
		xa = (xa ^ uint64(a[k])) * fnvPrime
		xb = (xb ^ uint64(b[k])) * fnvPrime
		xc = (xc ^ uint64(c[k])) * fnvPrime
		xd = (xd ^ uint64(d[k])) * fnvPrime
	}
	for _, v := range a[n:] {
		xa = (xa ^ uint64(v)) * fnvPrime
	}
	for _, v := range b[n:] {
		xb = (xb ^ uint64(v)) * fnvPrime
	}
	for _, v := range c[n:] {
		xc = (xc ^ uint64(v)) * fnvPrime
	}
	for _, v := range d[n:] {
		xd = (xd ^ uint64(v)) * fnvPrime
	}
	return xa, xb, xc, xd
}

// seeds of the MinHash functions: fixed, so that every instance of
// mailward computes the same keys.
var seeds = func() (s [Keys * rows]uint64) {
	x := uint64(0x6d61696c77617264) // "mailward"
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix(x)
	}
	return s
}()

// mix is splitmix64's finaliser: a cheap, well-spread 64-bit permutation.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// bodyWords returns the normalised words of the letter itself: the plain
// body (or the HTML one when there is no plain part), without quote
// markers, forward markers, forwarded header lines ("From: ... Sent: ..."),
// e-mail addresses and URLs, and without disclaimer or signature paragraphs
// that every message from one school carries (otherwise two unrelated staff
// e-mails with a long legal footer would look alike).
//
// A reply keeps only its writer's own words: five colleagues answering
// "count me in" above a quoted all-staff e-mail are a thread, not a chain.
// Forwards and new messages keep the quoted and forwarded text, which is
// where a chain letter travels.
func bodyWords(m *scanner.Message) []string {
	var bw bodyWork
	bw.collect(m)
	out := make([]string, len(bw.spans))
	for i, s := range bw.spans {
		// Words are separated by single spaces in the arena.
		out[i] = string(bw.arena[s.start:s.end])
	}
	return out
}

// bodyWork is the scratch space of one fingerprint: the body's kept words
// as spans of one byte arena, where they are joined by single spaces, so a
// 50 KB body costs no allocation per word and a shingle is one stretch.
type bodyWork struct {
	z     textnorm.Tokenizer
	arena []byte
	spans []span
	para  []byte
	// withNorm makes paragraph also collect every word into norm, for
	// Examine's one reading of the body.
	withNorm bool
	norm     []byte
	// hits and scratch serve the footer search (isBoilerplateLen).
	hits    []phraseHit
	scratch [3][]phraseHit
	// scratchWords holds scriptWords' reading of one line.
	scratchWords []byte
}

type span struct{ start, end int }

var bodyPool = sync.Pool{New: func() any { return new(bodyWork) }}

// soleBody returns the index in m.Texts of the only text bodyWords reads
// as it is: the single plain part (or HTML part, without a plain one) of a
// message that is no reply and carries no forwarded message; ok is false
// for other messages.
func soleBody(m *scanner.Message) (i int, ok bool) {
	i, parts := -1, 0
	for _, kind := range []scanner.TextKind{scanner.KindPlain, scanner.KindHTML} {
		for j, t := range m.Texts {
			if t.Kind == kind && t.Attachment == nil {
				i = j
				parts++
			}
		}
		if parts > 0 {
			break
		}
	}
	if parts != 1 || isReply(m) {
		return -1, false
	}
	for _, t := range m.Texts {
		if attachedMessage(t) {
			return -1, false
		}
	}
	return i, true
}

// attachedMessage reports a message forwarded as an attachment.
func attachedMessage(t scanner.Text) bool {
	return t.Kind == scanner.KindAttachment && t.Attachment != nil && t.Attachment.Depth == 0 &&
		(t.Attachment.SniffedType == "message/rfc822" || t.Attachment.DeclaredType == "message/rfc822")
}

// collect fills bw.arena and bw.spans with the words of m's letter (see
// bodyWords).
func (bw *bodyWork) collect(m *scanner.Message) {
	bw.arena, bw.spans = bw.arena[:0], bw.spans[:0]
	if i, ok := soleBody(m); ok {
		// A single part needs no copy: the blank line that would follow
		// it only ends its last paragraph.
		bw.paragraphs(m.Texts[i].Content)
		return
	}
	// The plain parts, or the HTML ones when there is no plain part, each
	// followed by a blank line.
	var b strings.Builder
	for _, kind := range []scanner.TextKind{scanner.KindPlain, scanner.KindHTML} {
		for _, t := range m.Texts {
			if t.Kind == kind && t.Attachment == nil {
				b.WriteString(t.Content)
				b.WriteString("\n\n")
			}
		}
		if b.Len() > 0 {
			break
		}
	}
	body := b.String()
	if isReply(m) {
		body = ownText(body)
	}
	// "Forward as attachment": the letter travels in an attached message.
	for _, t := range m.Texts {
		if attachedMessage(t) {
			body += "\n\n" + t.Content
		}
	}
	bw.paragraphs(body)
}

// paragraphs splits text at blank lines, ignoring quote markers, and keeps
// the words of each paragraph that is not boilerplate, without forwarded
// header and marker lines.
func (bw *bodyWork) paragraphs(text string) {
	// A paragraph is its lines with leading quote markers and blanks
	// removed, each ending in '\n'. When no line lost anything it is a
	// stretch of text itself (a missing final '\n' reads the same), so
	// only quoted paragraphs are copied.
	from, n, copied := -1, 0, false
	flush := func(end int) {
		if n == 0 {
			return
		}
		var para string
		if copied {
			para = string(bw.para)
		} else {
			para = text[from:end]
		}
		bw.paragraph(para, n)
		from, n, copied = -1, 0, false
		bw.para = bw.para[:0]
	}
	for pos := 0; pos <= len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		next := 0
		if end < 0 {
			end = len(text)
			next = len(text) + 1
		} else {
			end += pos
			next = end + 1
		}
		line := text[pos:end]
		t := strings.TrimLeft(line, "> \t\r")
		if t == "" {
			flush(pos)
			pos = next
			continue
		}
		if n == 0 {
			from = pos
		}
		if !copied && len(t) != len(line) {
			copied = true
			bw.para = append(bw.para[:0], text[from:pos]...)
		}
		if copied {
			bw.para = append(bw.para, t...)
			bw.para = append(bw.para, '\n')
		}
		n += len(t) + 1
		pos = next
	}
	flush(len(text))
}

// paragraph keeps the words of para unless it is boilerplate; n is its
// length as paragraphs measures it (lines trimmed, each with its '\n').
// With bw.withNorm it also appends every word of para to bw.norm, joined
// by single spaces: what Examine reads (quote markers, blank lines and
// paragraph breaks never make or change a word, so these are the words of
// the whole text).
func (bw *bodyWork) paragraph(para string, n int) {
	footer := isBoilerplateLen(para, n, bw)
	if footer && !bw.withNorm {
		return
	}
	// textnorm mangles the Arabic and Indic scripts and reads a Chinese
	// or Thai sentence as one word: such paragraphs are read for the
	// fingerprint with scriptWords (Examine's words stay textnorm's).
	script := !footer && hasScript(para)
	if script {
		bw.scriptParagraph(para)
	}
	z := &bw.z
	for _, w := range z.Words(para) {
		if bw.withNorm {
			if len(bw.norm) > 0 {
				bw.norm = append(bw.norm, ' ')
			}
			bw.norm = append(bw.norm, z.Bytes(w)...)
		}
		if script || footer || w.Flags&(textnorm.Header|textnorm.Marker) != 0 {
			continue
		}
		bw.addWord(z.Bytes(w))
	}
}

// addWord appends one word to the fingerprint's words.
func (bw *bodyWork) addWord(w []byte) {
	if len(bw.arena) > 0 {
		bw.arena = append(bw.arena, ' ')
	}
	start := len(bw.arena)
	bw.arena = append(bw.arena, w...)
	bw.spans = append(bw.spans, span{start, len(bw.arena)})
}

// scriptParagraph adds the words of a paragraph read by scriptWords,
// without its forwarded header and marker lines (as textnorm flags them).
func (bw *bodyWork) scriptParagraph(para string) {
	for rest := para; len(rest) > 0; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if textnorm.IsHeaderLine(line) || textnorm.IsForwardMarker(line, rest) {
			continue
		}
		bw.scratchWords = scriptWords(bw.scratchWords[:0], line)
		for ws := bw.scratchWords; len(ws) > 0; {
			w := ws
			if i := bytes.IndexByte(ws, ' '); i >= 0 {
				w, ws = ws[:i], ws[i+1:]
			} else {
				ws = nil
			}
			bw.addWord(w)
		}
	}
}

// isReply reports whether the subject's first prefix is a reply's ("Re:",
// and the German, Nordic and Dutch forms).
func isReply(m *scanner.Message) bool {
	subject := m.Subject
	if subject == "" && m.Header != nil {
		subject = m.Header.Get("Subject")
	}
	l := strings.ToLower(strings.TrimLeft(subject, " \t[("))
	for _, pre := range []string{"re:", "re :", "aw:", "sv:", "antw:", "re[", "réf"} {
		if strings.HasPrefix(l, pre) {
			return true
		}
	}
	return false
}

// ownText is the unquoted text of a reply, up to the first forward or
// reply marker.
func ownText(body string) string {
	var b strings.Builder
	rest := body
	for len(rest) > 0 {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		t := strings.TrimLeft(line, " \t")
		if textnorm.IsForwardMarker(t, rest) {
			break
		}
		if strings.HasPrefix(t, ">") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// boilerplate are phrases of legal footers, signatures and list trailers.
var boilerplate = []string{
	"intended recipient", "confidential", "privileged", "disclaimer", "views expressed",
	"registered in england", "registered office", "company number", "charity number",
	"company registration", "think before you print", "unsubscribe", "mailing list",
	"listinfo", "this email has been scanned", "this e-mail has been scanned",
	"sent from my iphone", "sent from my android", "get outlook for",
}

var boilerplateSet = newPhraseSet(boilerplate, true)

// isBoilerplate reports whether a paragraph is a footer rather than the
// letter: it holds two of the footer phrases, or one and is short.
func isBoilerplate(para string) bool { return isBoilerplateLen(para, len(para), new(bodyWork)) }

// isBoilerplateLen is isBoilerplate of a paragraph n bytes long. ASCII text
// is searched in one case-folding pass; other text is lowercased first as
// Unicode says (the Kelvin sign is a 'k', a dotted capital I an 'i').
func isBoilerplateLen(para string, n int, bw *bodyWork) bool {
	count := 0
	if isASCII(para) {
		var found uint32
		bw.hits = appendHits(boilerplateSet, para, bw.hits[:0], &bw.scratch)
		for _, h := range bw.hits {
			found |= 1 << h.id()
		}
		count = bits.OnesCount32(found)
	} else {
		l := strings.ToLower(para)
		for _, b := range boilerplate {
			if strings.Contains(l, b) {
				count++
			}
		}
	}
	return count >= 2 || count == 1 && n < 400
}

// isASCII reports whether s is 7-bit, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if (s[i]|s[i+1]|s[i+2]|s[i+3]|s[i+4]|s[i+5]|s[i+6]|s[i+7])&0x80 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
