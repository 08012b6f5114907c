// Package chainmail is the chain_mail detector: chain letters, virus hoaxes,
// prayer and money chains, and fake appeals that ask to be forwarded.
//
// No single phrase decides. The score comes from independent families of
// weak signals in the wording (forward to N people, deadlines, luck and
// misfortune, "this is not a hoax", virus warnings, prayer and money chains,
// appeals paid per forward) and in the structure (stacked Fwd: subjects,
// nested forwarded headers, deep quoting, long lists of earlier recipients).
// A finding needs at least two families, at least one of them wording, so a
// newsletter asking parents to share an event, one forwarded invitation, a
// fundraising letter or IT's own warning about chain letters stays clean.
//
// The hoaxes and appeals that replaced chain letters on phones are read by
// their structure (hoax.go): unverifiable authority ("confirmed by
// police"), urgency, forward-to-all, deadlines, threats ("your account
// will be deleted"), social pressure, and the "copy and paste" and "share
// before midnight" forms. Details a reader could check (a police
// reference, a registered charity number, a date, 101) lower the score
// (verify.go), so a real police appeal or a dated charity appeal asking to
// be shared stays clean.
//
// Besides English, the wording is read in Polish, Romanian, Portuguese,
// Spanish, Lithuanian and Somali (latin.go, over textnorm's words), and in
// Urdu, Arabic, Punjabi (Gurmukhi and Shahmukhi) and Bengali
// (scriptpatterns.go, over scriptWords, as textnorm drops those scripts'
// digits and vowel signs). Findings name families and their count, never
// the words found.
//
// The spread of one body across many senders is the tracker's job; this
// package gives it Fingerprint, a fuzzy key of the normalised body, which
// reads any script (Chinese and Thai a character at a time).
package chainmail

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"sync"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/offensive"
	"github.com/mailward/mailward/scanner/textnorm"
	"github.com/mailward/mailward/scanner/words"
)

// Name is the scanner's name in findings.
const Name = "chainmail"

// minFamilies is how many families of evidence a finding needs.
const minFamilies = 2

// minCore is the least strength of the wording families (deadline and
// urgency apart) that a finding needs: supporting signs never make up for
// chain-letter wording.
const minCore = 0.3

// Scanner is the chain_mail detector.
type Scanner struct {
	cfg    config.ChainMail
	report map[string]bool
	extra  [][]byte
	allow  [][]byte
	work   sync.Pool // of *work
}

// work is the scratch space of one Examine call, pooled so that a message
// costs no allocations proportional to its size.
type work struct {
	z       textnorm.Tokenizer
	norm    []byte
	hits    []hit
	lastEnd []int
	wins    [][2]int
	raw     []phraseHit
	scratch [3][]phraseHit
	snorm   []byte   // scriptWords' reading of a text
	lits    []litHit // literal occurrences per pattern (indexedWording)
}

var _ scanner.Scanner = (*Scanner)(nil)

// New returns a chain mail detector. reportAddresses are the trust's report
// mailboxes: a message sent only to them (staff asking IT "is this real?")
// is not a finding.
func New(cfg config.ChainMail, reportAddresses []string) *Scanner {
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.5
	}
	if cfg.RecipientList == 0 {
		cfg.RecipientList = 15
	}
	if cfg.MaxTextBytes == 0 {
		cfg.MaxTextBytes = 128 << 20 // all of it: see config.ChainMail
	}
	s := &Scanner{cfg: cfg, report: offensive.ReportSet(reportAddresses)}
	for _, p := range cfg.ExtraPhrases {
		if n := textnorm.Normalize(p); n != "" {
			s.extra = append(s.extra, []byte(n))
		}
	}
	for _, p := range cfg.AllowPhrases {
		if n := textnorm.Normalize(p); n != "" {
			s.allow = append(s.allow, []byte(n))
		}
	}
	s.work.New = func() any { return &work{lastEnd: make([]int, len(needWords))} }
	return s
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// Evidence is what the detector saw in one message: signal strengths per
// family and the meta-discussion count. It holds no text.
type Evidence struct {
	Strength  [numFamilies]float64
	Negatives int
	// Checkable has a bit per kind of detail a reader could check
	// (verifiable: a reference, a registered charity number, a date, an
	// official line); read only when the wording already looks like a
	// chain letter.
	Checkable uint8
}

// Families returns the names of the families seen, wording first.
func (e *Evidence) Families() []string {
	var out []string
	for f, v := range e.Strength {
		if v > 0 {
			out = append(out, familyNames[f])
		}
	}
	return out
}

// Score combines the families: noisy-or of their strengths, halved for each
// sign of meta-discussion (two at most), lowered by checkable details
// (checkableFactor), and held below 0.5 unless at least two families agree and the
// chain-letter wording (deadline and urgency apart) reaches minCore. Without
// chain-letter wording (a deadline alone is ordinary business: "reply
// within 5 days"; urgency alone is a school closure) the score is 0:
// structure is support, never evidence on its own.
func (e *Evidence) Score() float64 {
	keep, coreKeep, core, n := 1.0, 1.0, 0, 0
	for f, v := range e.Strength {
		if v <= 0 {
			continue
		}
		keep *= 1 - v
		n++
		if family(f) < numWording && family(f) != famDeadline && family(f) != famUrgency {
			core++
			coreKeep *= 1 - v
		}
	}
	if core == 0 {
		return 0
	}
	score := 1 - keep
	if 1-coreKeep < minCore {
		// One weak sign of wording ("pass this on") with a deadline and
		// urgency is an urgent request at work.
		score = math.Min(score, 0.45)
	}
	for i := 0; i < e.Negatives; i++ {
		score /= 2
	}
	score *= checkableFactor(e.Checkable)
	if n < minFamilies {
		score = math.Min(score, 0.45)
	}
	return score
}

// Examine gathers the evidence of a message.
func (s *Scanner) Examine(m *scanner.Message) *Evidence {
	e := &Evidence{}
	wk := s.work.Get().(*work)
	defer s.work.Put(wk)
	z := &wk.z
	budget := s.cfg.MaxTextBytes
	sole, soleOK := soleBody(m)
	for i, t := range m.Texts {
		if budget <= 0 {
			break
		}
		switch t.Kind {
		case scanner.KindSubject, scanner.KindPlain, scanner.KindHTML, scanner.KindAttachment:
		default:
			continue // hidden HTML text is not what people forward
		}
		c := t.Content
		if len(c) > budget {
			c = c[:budget]
		}
		budget -= len(c)
		// The words joined by single spaces: the form the patterns read.
		var norm []byte
		if soleOK && i == sole && len(c) == len(t.Content) {
			// The letter's body, whole: one reading gives both these
			// words and the fingerprints, which Fingerprints then returns.
			bw := bodyPool.Get().(*bodyWork)
			bw.arena, bw.spans = bw.arena[:0], bw.spans[:0]
			bw.withNorm, bw.norm = true, wk.norm[:0]
			bw.paragraphs(c)
			norm = bw.norm
			bw.withNorm, bw.norm = false, nil
			remember(m, bw.keys())
			bodyPool.Put(bw)
		} else {
			norm = wk.norm[:0]
			tz, ws := textWords(m, i, c, z)
			for i, w := range ws {
				if i > 0 {
					norm = append(norm, ' ')
				}
				norm = append(norm, tz.Bytes(w)...)
			}
		}
		wk.norm = norm
		for _, a := range s.allow {
			if containsPhrase(norm, a) {
				return &Evidence{}
			}
		}
		var seen uint32
		wk.hits, seen = findNeeds(norm, wk.hits[:0], wk)
		wording(norm, wk.hits, seen, s.extra, &e.Strength, wk)
		e.Negatives += negativeCount(norm, seen, wk)
		scriptEvidence(c, e, wk)
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
		e.Checkable = checkable(m, s.cfg.MaxTextBytes, z, wk)
	}
	return e
}

// textWords returns the words of c, which is m.Texts[i] or the part of it
// within the budget: the message's shared reading of the whole text
// (package words, read once for every text detector), or z's own reading
// of a part.
func textWords(m *scanner.Message, i int, c string, z *textnorm.Tokenizer) (*textnorm.Tokenizer, []textnorm.Word) {
	if len(c) == len(m.Texts[i].Content) {
		w := words.Of(m, i)
		return w.Tok, w.Words
	}
	return z, z.Words(c)
}

// checkable counts the kinds of checkable detail (verifiable) in the texts
// Examine reads. It reads them again, but only for a message whose wording
// already looks like a chain letter, so ordinary mail pays nothing.
func checkable(m *scanner.Message, budget int, z *textnorm.Tokenizer, wk *work) uint8 {
	var kinds uint8
	var norm []byte
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
		// Forwarded header lines ("Sent: 14 March 2026") date the
		// forward, not the appeal.
		norm = norm[:0]
		for _, w := range ws {
			if w.Flags&(textnorm.Header|textnorm.Marker) != 0 {
				continue
			}
			if len(norm) > 0 {
				norm = append(norm, ' ')
			}
			norm = append(norm, tz.Bytes(w)...)
		}
		kinds |= verifiableKinds(norm, wk)
		if hasScript(c) {
			kinds |= scriptCheckable(c, wk)
		}
	}
	return kinds
}

// step is low when n reaches a, high when it reaches b, else 0.
func step(n, a int, low float64, b int, high float64) float64 {
	switch {
	case n >= b:
		return high
	case n >= a:
		return low
	}
	return 0
}

func set(s *[numFamilies]float64, f family, v float64) {
	if v > s[f] {
		s[f] = v
	}
}

// Scan implements scanner.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if offensive.ReportOnly(m.Envelope.To, s.report) {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("chainmail: %w", err)
	}
	var out []scanner.Finding
	if n := unreadBytes(m, s.cfg.MaxTextBytes); n > 0 {
		// Fail closed: text past the budget was never read for wording.
		out = append(out, scanner.UnscannableFinding(Name,
			fmt.Sprintf("%d bytes of text beyond chain_mail.max_text_bytes not read", n)))
	}
	e := s.Examine(m)
	score := e.Score()
	if score < s.cfg.MinScore {
		return out, nil
	}
	fams := e.Families()
	summary := fmt.Sprintf("%d chain-letter signs: %s", len(fams), strings.Join(fams, ", "))
	if n := bits.OnesCount8(e.Checkable); n > 0 {
		// They lowered the score: the reviewer should know they are there.
		summary += fmt.Sprintf("; %d kinds of checkable detail", n)
	}
	return append(out, scanner.Finding{
		Category: scanner.ChainMail,
		Scanner:  Name,
		Score:    math.Round(score*100) / 100,
		Summary:  summary,
		Where:    "body",
	}), nil
}

// unreadBytes is how much of the text Examine reads lies beyond budget.
func unreadBytes(m *scanner.Message, budget int) int {
	n := 0
	for _, t := range m.Texts {
		switch t.Kind {
		case scanner.KindSubject, scanner.KindPlain, scanner.KindHTML, scanner.KindAttachment:
			n += len(t.Content)
		}
	}
	return max(n-budget, 0)
}
