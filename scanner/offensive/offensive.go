// Package offensive is the offensive_language detector: profanity, sexual
// terms, slurs, and threats or harassment in any text of a message (subject,
// bodies, HTML, attachment text).
//
// Precision comes first: a filter that flags "Scunthorpe" or a biology
// lesson is switched off within a week. So words are matched whole after
// normalisation (package textnorm), ambiguous words (a name, a bird, a food)
// count only when disguised, allow-list phrases ("homo sapiens") cancel the
// terms inside them, the sender's own words weigh more than quoted or
// forwarded ones, and a message sent only to the trust's report addresses
// (where the policies tell staff to send abusive mail) is never a finding.
//
// The score reflects severity and count; the summary names tiers and counts
// ("2 slurs, 1 strong profanity in body"), never the words.
package offensive

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings.
const Name = "offensive"

// hiddenWeight is how much words hidden from the reader in HTML count.
const hiddenWeight = 0.5

// Scanner is the offensive_language detector.
type Scanner struct {
	lex      *Lexicon
	cfg      config.Offensive
	report   map[string]bool
	matchers sync.Pool
}

var _ scanner.Scanner = (*Scanner)(nil)

// New compiles the shipped term lists with the config's additions and
// removals. reportAddresses are the trust's report mailboxes
// (Config.ReportAddresses).
func New(cfg config.Offensive, reportAddresses []string) (*Scanner, error) {
	lists, err := DefaultLists()
	if err != nil {
		return nil, err
	}
	for key, terms := range cfg.ExtraTerms {
		t, ok := TierByKey(key)
		if !ok {
			return nil, fmt.Errorf("offensive: unknown tier %q", key)
		}
		lists.Terms[t] = append(lists.Terms[t], terms...)
	}
	lists.Remove = append(lists.Remove, cfg.RemoveTerms...)
	lists.Allow = append(lists.Allow, cfg.AllowPhrases...)
	lex, err := Compile(lists)
	if err != nil {
		return nil, err
	}
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.5
	}
	if cfg.QuotedWeight == 0 {
		cfg.QuotedWeight = 0.3
	}
	s := &Scanner{lex: lex, cfg: cfg, report: ReportSet(reportAddresses)}
	s.matchers.New = func() any { return NewMatcher(lex) }
	return s, nil
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// place is where hits were found, for the summary and Finding.Where.
type place struct {
	where string // "subject", "body", or an attachment index
	label string // "subject", "body", "attachment 2 (pdf)"
}

// rank orders places in summaries: body, subject, hidden text, attachments.
func (p place) rank() int {
	switch p.label {
	case "body":
		return 0
	case "subject":
		return 1
	case "hidden body text":
		return 2
	}
	n, _ := strconv.Atoi(p.where)
	return 3 + n
}

// tally is the evidence of one message.
type tally struct {
	counts  [numTiers]int
	quoted  int
	tierP   [numTiers]float64 // product of (1-w) per tier
	ambP    float64
	byPlace map[string]float64
	places  []place
}

func newTally() *tally {
	t := &tally{ambP: 1, byPlace: map[string]float64{}}
	for i := range t.tierP {
		t.tierP[i] = 1
	}
	return t
}

// Scan implements scanner.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if ReportOnly(m.Envelope.To, s.report) {
		return nil, nil
	}
	mt := s.matchers.Get().(*Matcher)
	defer s.matchers.Put(mt)
	t := newTally()
	// A message with both a plain and an HTML body usually says the same
	// thing twice (multipart/alternative): count the body whose hits score
	// higher, not both.
	var plain, html []Hit
	for _, tx := range m.Texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("offensive: %w", err)
		}
		hits := mt.Match(tx.Content)
		if len(hits) == 0 {
			continue
		}
		switch tx.Kind {
		case scanner.KindPlain:
			plain = append(plain, hits...)
			continue
		case scanner.KindHTML:
			html = append(html, hits...)
			continue
		}
		if tx.Attachment != nil && ShortType(tx.Attachment) == "eml" {
			// A message forwarded as an attachment is forwarded content.
			for i := range hits {
				hits[i].Quoted = true
			}
		}
		s.add(t, hits, textPlace(tx), tx.Kind == scanner.KindHidden)
	}
	body := plain
	if s.score(html, false) > s.score(plain, false) {
		body = html
	}
	s.add(t, body, place{where: "body", label: "body"}, false)
	score := t.score()
	if score < s.cfg.MinScore {
		return nil, nil
	}
	return []scanner.Finding{{
		Category: scanner.OffensiveLanguage,
		Scanner:  Name,
		Score:    math.Round(score*100) / 100,
		Summary:  t.summary(),
		Where:    t.where(),
	}}, nil
}

// weight is what one hit adds to its tier.
func (s *Scanner) weight(h Hit, hidden bool) float64 {
	w := tiers[h.Tier].weight
	if h.Ambiguous {
		w = ambiguousWeight
	}
	if h.Quoted {
		w *= s.cfg.QuotedWeight
	}
	if hidden {
		w *= hiddenWeight
	}
	return w
}

// score is the score of hits alone (to choose between body alternatives).
func (s *Scanner) score(hits []Hit, hidden bool) float64 {
	t := newTally()
	s.add(t, hits, place{}, hidden)
	return t.score()
}

func (s *Scanner) add(t *tally, hits []Hit, p place, hidden bool) {
	if len(hits) == 0 {
		return
	}
	seen := false
	for _, q := range t.places {
		seen = seen || q.label == p.label
	}
	if !seen {
		t.places = append(t.places, p)
	}
	for _, h := range hits {
		w := s.weight(h, hidden)
		if h.Ambiguous {
			t.ambP *= 1 - w
		} else {
			t.tierP[h.Tier] *= 1 - w
			t.counts[h.Tier]++
			if h.Quoted {
				t.quoted++
			}
		}
		t.byPlace[p.where] += w
	}
}

// score combines the tiers: each tier is a noisy-or of its words, capped,
// and the tiers combine by noisy-or.
func (t *tally) score() float64 {
	keep := 1.0
	for i, p := range t.tierP {
		keep *= 1 - math.Min(tiers[i].cap, 1-p)
	}
	keep *= 1 - math.Min(ambiguousCap, 1-t.ambP)
	return 1 - keep
}

// summary names tiers, most severe first, and places: "2 slurs, 1 strong
// profanity in body and attachment 2 (pdf)". Never the words.
func (t *tally) summary() string {
	var parts []string
	for i := numTiers - 1; i >= 0; i-- {
		n := t.counts[i]
		switch {
		case n == 1:
			parts = append(parts, "1 "+tiers[i].one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, tiers[i].many))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "ambiguous words")
	}
	sort.SliceStable(t.places, func(i, j int) bool { return t.places[i].rank() < t.places[j].rank() })
	var labels []string
	for _, p := range t.places {
		labels = append(labels, p.label)
	}
	sum := strings.Join(parts, ", ")
	if len(labels) > 0 {
		sum += " in " + joinAnd(labels)
	}
	if t.quoted > 0 {
		sum += fmt.Sprintf(" (%d quoted)", t.quoted)
	}
	return sum
}

// where is the place that weighed most.
func (t *tally) where() string {
	best, bw := "", -1.0
	for _, p := range t.places {
		if w := t.byPlace[p.where]; w > bw {
			best, bw = p.where, w
		}
	}
	return best
}

func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// textPlace names where a text came from without its file name.
func textPlace(tx scanner.Text) place {
	switch {
	case tx.Kind == scanner.KindSubject:
		return place{where: "subject", label: "subject"}
	case tx.Attachment != nil:
		idx := fmt.Sprint(tx.Attachment.Index)
		return place{where: idx, label: fmt.Sprintf("attachment %s (%s)", idx, ShortType(tx.Attachment))}
	case tx.Kind == scanner.KindHidden:
		return place{where: "body", label: "hidden body text"}
	}
	return place{where: "body", label: "body"}
}

// ShortType names an attachment's type for summaries ("pdf", "docx"),
// from its sniffed or declared MIME type, never from its file name.
func ShortType(a *scanner.Attachment) string {
	t := a.SniffedType
	if t == "" || t == "application/octet-stream" {
		t = a.DeclaredType
	}
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return "docx"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return "xlsx"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return "pptx"
	case "application/msword":
		return "doc"
	case "application/vnd.ms-excel":
		return "xls"
	case "text/plain":
		return "txt"
	case "message/rfc822":
		return "eml"
	case "":
		return "unknown"
	}
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		t = t[i+1:]
	}
	return strings.TrimPrefix(t, "x-")
}

// ReportSet builds the set of report addresses, lowercased.
func ReportSet(addrs []string) map[string]bool {
	set := map[string]bool{}
	for _, a := range addrs {
		if a = normAddr(a); a != "" {
			set[a] = true
		}
	}
	return set
}

// ReportOnly reports whether every recipient is a report address: staff
// forwarding abuse to IT, as the policies ask, is not abuse. One other
// recipient, or no recipients at all, and the exemption does not apply.
func ReportOnly(to []string, report map[string]bool) bool {
	if len(to) == 0 || len(report) == 0 {
		return false
	}
	for _, r := range to {
		if !report[normAddr(r)] {
			return false
		}
	}
	return true
}

func normAddr(a string) string {
	a = strings.TrimSpace(a)
	a = strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">")
	return strings.ToLower(strings.TrimSuffix(a, "."))
}
