package chainmail

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"

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
	words := bodyWords(m)
	if len(words) < minWords {
		return nil
	}
	var mins [Keys * rows]uint64
	for k := range mins {
		mins[k] = ^uint64(0)
	}
	h := fnv.New64a()
	for i := 0; i+shingleWords <= len(words); i++ {
		h.Reset()
		for j := 0; j < shingleWords; j++ {
			if j > 0 {
				h.Write([]byte{' '})
			}
			h.Write([]byte(words[i+j]))
		}
		x := h.Sum64()
		for k := range mins {
			if v := mix(x ^ seeds[k]); v < mins[k] {
				mins[k] = v
			}
		}
	}
	out := make([]string, Keys)
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
	var body string
	for _, kind := range []scanner.TextKind{scanner.KindPlain, scanner.KindHTML} {
		for _, t := range m.Texts {
			if t.Kind == kind && t.Attachment == nil {
				body += t.Content + "\n\n"
			}
		}
		if body != "" {
			break
		}
	}
	if isReply(m) {
		body = ownText(body)
	}
	// "Forward as attachment": the letter travels in an attached message.
	for _, t := range m.Texts {
		if t.Kind == scanner.KindAttachment && t.Attachment != nil && t.Attachment.Depth == 0 &&
			(t.Attachment.SniffedType == "message/rfc822" || t.Attachment.DeclaredType == "message/rfc822") {
			body += "\n\n" + t.Content
		}
	}
	var z textnorm.Tokenizer
	var out []string
	for _, para := range paragraphs(body) {
		if isBoilerplate(para) {
			continue
		}
		for _, w := range z.Words(para) {
			if w.Flags&(textnorm.Header|textnorm.Marker) != 0 {
				continue
			}
			out = append(out, z.String(w))
		}
	}
	return out
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

// paragraphs splits text at blank lines, ignoring quote markers.
func paragraphs(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimLeft(line, "> \t\r")
		if t == "" {
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteString(t)
		cur.WriteByte('\n')
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// boilerplate are phrases of legal footers, signatures and list trailers.
var boilerplate = []string{
	"intended recipient", "confidential", "privileged", "disclaimer", "views expressed",
	"registered in england", "registered office", "company number", "charity number",
	"company registration", "think before you print", "unsubscribe", "mailing list",
	"listinfo", "this email has been scanned", "this e-mail has been scanned",
	"sent from my iphone", "sent from my android", "get outlook for",
}

// isBoilerplate reports whether a paragraph is a footer rather than the
// letter: it holds two of the footer phrases, or one and is short.
func isBoilerplate(para string) bool {
	l := strings.ToLower(para)
	n := 0
	for _, b := range boilerplate {
		if strings.Contains(l, b) {
			n++
		}
	}
	return n >= 2 || n == 1 && len(para) < 400
}
