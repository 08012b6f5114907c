package chainmail

// The detector's code before the one-pass rewrite (phraseSet, shared
// scratch, FNV without allocations), kept verbatim under ref names so the
// differential tests can show the fast code gives the same evidence and the
// same fingerprints on every corpus message.

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/textnorm"
)

func refExamine(s *Scanner, m *scanner.Message) *Evidence {
	e := &Evidence{}
	var z textnorm.Tokenizer
	var extra, allow []string
	for _, x := range s.extra {
		extra = append(extra, string(x))
	}
	for _, x := range s.allow {
		allow = append(allow, string(x))
	}
	budget := s.cfg.MaxTextBytes
	var text strings.Builder
	for _, t := range m.Texts {
		if budget <= 0 {
			break
		}
		switch t.Kind {
		case scanner.KindSubject, scanner.KindPlain, scanner.KindHTML, scanner.KindAttachment:
		default:
			continue
		}
		c := t.Content
		if len(c) > budget {
			c = c[:budget]
		}
		budget -= len(c)
		ws := z.Words(c)
		text.Reset()
		for i, w := range ws {
			if i > 0 {
				text.WriteByte(' ')
			}
			text.Write(z.Bytes(w))
		}
		norm := text.String()
		for _, a := range allow {
			if refContainsPhrase(norm, a) {
				return &Evidence{}
			}
		}
		refWording(norm, extra, &e.Strength)
		e.Negatives += refNegativeCount(norm)
		// The reading of the Arabic and Indic scripts is not part of the
		// one-pass rewrite: both run the same code.
		scriptEvidence(c, e, new(work))
		if t.Kind == scanner.KindPlain || t.Kind == scanner.KindHTML {
			markers, depth, addrs := structure(c)
			set(&e.Strength, famNested, step(markers, 2, 0.2, 3, 0.3))
			set(&e.Strength, famQuoteDepth, step(depth, 3, 0.15, 5, 0.25))
			set(&e.Strength, famRecipients, step(len(addrs), s.cfg.RecipientList, 0.3, 3*s.cfg.RecipientList, 0.4))
		}
	}
	subject := m.Subject
	if subject == "" && m.Header != nil {
		subject = m.Header.Get("Subject")
	}
	set(&e.Strength, famFwdSubject, step(fwdDepth(subject), 2, 0.2, 3, 0.3))
	if e.Negatives > 2 {
		e.Negatives = 2
	}
	if e.Score() > 0 {
		e.Checkable = refCheckable(m, s.cfg.MaxTextBytes, &z)
	}
	return e
}

func refWording(text string, extra []string, s *[numFamilies]float64) {
	var wins [numWording][][2]int
	var checked [numWording]bool
	for _, pt := range patterns {
		if s[pt.fam] >= pt.strength {
			continue
		}
		if !checked[pt.fam] {
			checked[pt.fam] = true
			wins[pt.fam] = refWindows(text, needs[pt.fam])
		}
		for _, w := range wins[pt.fam] {
			if pt.re.MatchString(text[w[0]:w[1]]) {
				s[pt.fam] = pt.strength
				break
			}
		}
	}
	for _, ph := range extra {
		if refContainsPhrase(text, ph) {
			s[famLocal] = 0.4
			break
		}
	}
}

func refWindows(text string, words []string) [][2]int {
	var out [][2]int
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(text[i:], w)
			if j < 0 {
				break
			}
			j += i
			out = append(out, [2]int{j - windowReach, j + len(w) + windowReach})
			i = j + len(w)
		}
	}
	if len(out) == 0 {
		return nil
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	merged := out[:1]
	for _, w := range out[1:] {
		last := &merged[len(merged)-1]
		if w[0] <= last[1] {
			last[1] = max(last[1], w[1])
			continue
		}
		merged = append(merged, w)
	}
	for i := range merged {
		a, b := merged[i][0], merged[i][1]
		if a <= 0 {
			a = 0
		} else if k := strings.IndexByte(text[a:], ' '); k >= 0 {
			a += k + 1
		}
		if b >= len(text) {
			b = len(text)
		} else if k := strings.LastIndexByte(text[:b], ' '); k >= a {
			b = k
		}
		if a > b {
			a = b
		}
		merged[i] = [2]int{a, b}
	}
	return merged
}

// refCheckable is checkable with every verifiable expression run over the
// whole text, as before they ran in windows (verIndex).
func refCheckable(m *scanner.Message, budget int, z *textnorm.Tokenizer) uint8 {
	var kinds uint8
	for i, t := range m.Texts {
		if budget <= 0 {
			break
		}
		switch t.Kind {
		case scanner.KindSubject, scanner.KindPlain, scanner.KindHTML, scanner.KindAttachment:
		default:
			continue
		}
		c := t.Content
		if len(c) > budget {
			c = c[:budget]
		}
		budget -= len(c)
		tz, ws := textWords(m, i, c, z)
		var norm []byte
		for _, w := range ws {
			if w.Flags&(textnorm.Header|textnorm.Marker) != 0 {
				continue
			}
			if len(norm) > 0 {
				norm = append(norm, ' ')
			}
			norm = append(norm, tz.Bytes(w)...)
		}
		kinds |= refVerifiableKinds(norm)
		if hasScript(c) {
			if len(c) > maxScriptText {
				c = c[:maxScriptText]
			}
			words := scriptWords(nil, c)
			kinds |= refVerifiableKinds(words)
			for i, re := range scriptVerifiable {
				if re != nil && re.Match(words) {
					kinds |= 1 << i
				}
			}
		}
	}
	return kinds
}

func refVerifiableKinds(text []byte) uint8 {
	var kinds uint8
	for i, re := range verifiable {
		if re.Match(text) {
			kinds |= 1 << i
		}
	}
	return kinds
}

func refNegativeCount(text string) int {
	n := 0
	for i, re := range negatives {
		if refContainsAny(text, negativeNeeds[i]) && re.MatchString(text) {
			n++
		}
	}
	return n
}

func refContainsAny(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func refContainsPhrase(text, phrase string) bool {
	if phrase == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(phrase)
		if (j == 0 || text[j-1] == ' ') && (end == len(text) || text[end] == ' ') {
			return true
		}
		i = j + 1
	}
}

func refFingerprints(m *scanner.Message) []string {
	words := refBodyWords(m)
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

func refBodyWords(m *scanner.Message) []string {
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
	for _, t := range m.Texts {
		if t.Kind == scanner.KindAttachment && t.Attachment != nil && t.Attachment.Depth == 0 &&
			(t.Attachment.SniffedType == "message/rfc822" || t.Attachment.DeclaredType == "message/rfc822") {
			body += "\n\n" + t.Content
		}
	}
	var z textnorm.Tokenizer
	var out []string
	for _, para := range refParagraphs(body) {
		if refIsBoilerplate(para) {
			continue
		}
		// The reading of the Arabic, Indic and unspaced scripts came
		// after the rewrite: both run the same code.
		if hasScript(para) {
			var bw bodyWork
			bw.scriptParagraph(para)
			for _, s := range bw.spans {
				out = append(out, string(bw.arena[s.start:s.end]))
			}
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

func refParagraphs(text string) []string {
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

func refIsBoilerplate(para string) bool {
	l := strings.ToLower(para)
	n := 0
	for _, b := range boilerplate {
		if strings.Contains(l, b) {
			n++
		}
	}
	return n >= 2 || n == 1 && len(para) < 400
}

func refIsForwardHeaderStart(line, rest string) bool {
	t := strings.ToLower(strings.TrimSpace(line))
	if strings.HasPrefix(t, "begin forwarded message") {
		return true
	}
	return strings.HasPrefix(t, "from:") && textnorm.IsForwardMarker(line, rest)
}
