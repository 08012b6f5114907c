// Package offensive is the offensive_language detector: profanity, sexual
// terms, abuse, slurs and identity attacks, and threats, in every text a
// person reads (subject, display names, bodies, HTML, attachment text,
// forwarded messages).
//
// Three kinds of evidence are added up per severity tier:
//   - term lists by tier (terms/, data), matched as whole words after
//     package textnorm undoes disguises ("f*ck", "b1tch", "f.u.c.k");
//   - explicit patterns (patterns.go) of directed abuse ("you are a
//     disgrace") and identity attacks ("immigrants are vermin", "kill all
//     ..."), which need no offensive word;
//   - a trained model (model.go, model/README.md), logistic regression over
//     hashed words and the lexicon's tiers, trained on public labelled data
//     and read window by window.
//
// Context weighs each piece of evidence: reported speech ("he called me
// a ..."), counter-speech and reports to staff, lessons and reference works,
// jokes beside a threat, quoted and forwarded text (less, never zero) and
// text hidden in HTML all count less; allow-listed phrases ("spotted dick",
// "Scunthorpe" is one word anyway) count nothing. A message sent only to the
// trust's report addresses, where the policies tell staff to send abuse, is
// never a finding.
//
// The finding names its tiers and the most severe one (Finding.Tiers and
// Severity) with a confidence; the rules decide what is held. Summaries
// name tiers, counts and places ("1 slur or identity attack, 2 profanities
// in body"), never the words.
package offensive

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/textnorm"
	"github.com/mailward/mailward/scanner/words"
)

// Name is the scanner's name in findings.
const Name = "offensive"

// hiddenWeight is how much words hidden from the reader in HTML count.
const hiddenWeight = 0.5

// Confidence of one lexicon hit per tier, in the sender's own words. One
// strong obscenity is a finding by itself (the policies forbid obscene
// language); mild words add little and never reach ambiguousCap together.
// An insult word alone ("some idiot left the door open") is a weak
// finding: aimed at someone ("you idiot") a pattern makes it strong.
var hitConf = [numTiers]float64{Mild: 0.12, Strong: 0.7, Sexual: 0.7, Abuse: 0.4, Slur: 0.9, Threat: 0.9}

// patternConf is the confidence of an explicit pattern (patterns.go).
var patternConf = [numOutTiers]float64{TierAbuse: 0.75, TierSlur: 0.85}

// modelStrict is the least probability at which the model alone, with no
// term or pattern, makes a finding: its threshold is set for social-media
// posts, and e-mail prose is further from them than their own hard cases.
const modelStrict = 0.95

// Ambiguous words (a name, a bird, a food) written plainly, and mild
// words, weigh little each and at most ambiguousCap together per tier:
// never a finding alone.
const (
	ambiguousConf = 0.1 // an ambiguous word written plainly ...
	ambiguousCap  = 0.3 // ... and all of them together
	// insultCap bounds insult words aimed at no one ("some idiot left the
	// door open"): below a finding, however many.
	insultCap = 0.45
	// quotedCap bounds what quoted and forwarded words add to a tier:
	// they count, less than the sender's own, and never hold a message
	// by themselves.
	quotedCap = 0.45
)

// Scanner is the offensive_language detector.
type Scanner struct {
	lex       *Lexicon
	model     *Model
	cfg       config.Offensive
	report    map[string]bool
	analyzers sync.Pool
}

var _ scanner.Scanner = (*Scanner)(nil)

// New compiles the shipped term lists with the config's additions and
// removals and loads the embedded model. reportAddresses are the trust's
// report mailboxes (Config.ReportAddresses).
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
	model, err := DefaultModel()
	if err != nil {
		return nil, err
	}
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.5
	}
	if cfg.QuotedWeight == 0 {
		cfg.QuotedWeight = 0.3
	}
	s := &Scanner{lex: lex, model: model, cfg: cfg, report: ReportSet(reportAddresses)}
	s.analyzers.New = func() any { return NewAnalyzer(lex, model) }
	return s, nil
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// place is where hits were found, for the summary and Finding.Where.
type place struct {
	where string // "subject", "body", or an attachment index
	label string // "subject", "body", "attachment 2 (pdf)"
}

// rank orders places in summaries: body, subject, headers, hidden text,
// attachments.
func (p place) rank() int {
	switch p.label {
	case "body":
		return 0
	case "subject":
		return 1
	case "sender or recipient names":
		return 2
	case "hidden body text":
		return 3
	}
	n, _ := strconv.Atoi(p.where)
	return 4 + n
}

// item is one piece of evidence before it is added up.
type item struct {
	tier   OutTier
	conf   float64
	place  place
	quoted bool
	// cap, when set, bounds what all items of this tier and cap add
	// together: mild and plain ambiguous words (ambiguousCap), insult
	// words not aimed at anyone (insultCap).
	cap float64
	// word is the word of a one-word insult from the lexicon (-1 for
	// other items); span is the words a model window read (zero when the
	// item is not the model's). A model window that read an insult word
	// replaces that word's own item: they are one piece of evidence.
	word int
	span [2]int
}

// Scan implements scanner.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if ReportOnly(m.Envelope.To, s.report) {
		return nil, nil
	}
	a := s.analyzers.Get().(*Analyzer)
	defer s.analyzers.Put(a)
	var items, plain, html []item
	for i, tx := range m.Texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("offensive: %w", err)
		}
		forwarded := tx.Attachment != nil && ShortType(tx.Attachment) == "eml"
		w := words.Of(m, i) // read once, shared with the other text detectors
		got := s.read(a, w.Tok, w.Words, tx.Content, textPlace(tx), tx.Kind == scanner.KindHidden, forwarded, nil)
		switch tx.Kind {
		case scanner.KindPlain:
			plain = append(plain, got...)
		case scanner.KindHTML:
			html = append(html, got...)
		default:
			items = append(items, got...)
		}
	}
	if names := displayNames(m); names != "" {
		z := a.Tokenizer()
		items = append(items, s.read(a, z, z.Words(names), names, place{where: "header", label: "sender or recipient names"}, false, false, nil)...)
	}
	// A message with both a plain and an HTML body usually says the same
	// thing twice (multipart/alternative): count the body that scores
	// higher, not both.
	body := plain
	if total(html).score() > total(plain).score() {
		body = html
	}
	ev := total(append(items, body...))
	score := ev.score()
	if score < s.cfg.MinScore {
		return nil, nil
	}
	tiers, top := ev.tiers(s.cfg.MinScore)
	return []scanner.Finding{{
		Category: scanner.OffensiveLanguage,
		Scanner:  Name,
		Score:    math.Round(score*100) / 100,
		Summary:  ev.summary(s.cfg.MinScore),
		Where:    ev.where(),
		Tiers:    tiers,
		Severity: top,
	}}, nil
}

// total adds items up: capped items per tier and cap together (weak
// evidence of one tier shares one budget, whatever made it weak).
func total(items []item) *evidence {
	ev := newEvidence()
	type group struct {
		t   OutTier
		cap float64
	}
	used := map[group]float64{}
	for _, it := range items {
		if it.cap > 0 {
			g := group{it.tier, it.cap}
			c := math.Min(it.conf, it.cap-used[g])
			if c <= 0 {
				continue
			}
			used[g] += c
			it.conf = c
		}
		ev.add(it.tier, it.conf, it.place, it.quoted)
	}
	return ev
}

// read analyses one text and returns its evidence. Quoted lines and
// forwarded text count QuotedWeight as much as the sender's own words.
func (s *Scanner) read(a *Analyzer, z *textnorm.Tokenizer, words []textnorm.Word, text string, p place, hidden, forwarded bool, dst []item) []item {
	if len(words) == 0 {
		return dst
	}
	hits := a.Read(z, words)
	start := len(dst)
	// Words in quotation marks, in a text that reports or condemns, are
	// mentioned rather than used (mention.go).
	a.reported = a.markMentions(text, z, words) && hasMentionContext(a.mask, a.mention)
	mentioned := func(i int) bool { return a.reported && i >= 0 && i < len(a.mention) && a.mention[i] }
	isLesson := countCues(a.mask, lesson, 2) >= 2
	factor := 1.0
	if hidden {
		factor *= hiddenWeight
	}
	quotedAt := func(i int) bool { return forwarded || words[i].Flags&textnorm.Quoted != 0 }
	for _, h := range hits {
		t := outTier(h.Tier)
		c := hitConf[h.Tier]
		var cap float64
		// A term just before a number is a code more often than a word
		// ("tray FUK-2", "B1TCH3 part 5").
		code := h.Len == 1 && h.Word+1 < len(words) && words[h.Word+1].Flags&textnorm.Number != 0
		switch {
		case h.Ambiguous || code:
			c, cap = ambiguousConf, ambiguousCap
		case h.Tier == Mild:
			cap = ambiguousCap
		case h.Tier == Abuse && h.Len == 1:
			cap = insultCap
		case h.Tier == Abuse:
			c = patternConf[TierAbuse] // "you bastard": aimed by construction
		}
		if hasCue(a.mask, h.Word-4, h.Word, reporting) || mentioned(h.Word) {
			c *= reportedWeight
		} else if (t == TierAbuse || t == TierThreat) && hasCue(a.mask, h.Word-2, h.Word, negation) {
			c *= reportedWeight
		}
		if isLesson && t != TierThreat {
			c *= lessonWeight
			if cap == 0 {
				cap = quotedCap // a lesson's words, like quoted ones, never hold it alone
			}
		}
		if t == TierThreat && hasCue(a.mask, h.Word-8, h.Word+h.Len+8, joke) {
			c *= jokeWeight
		}
		q := quotedAt(h.Word)
		if q {
			c *= s.cfg.QuotedWeight
			if cap == 0 {
				cap = quotedCap
			}
		}
		w := -1
		if h.Tier == Abuse && h.Len == 1 && !h.Ambiguous {
			w = h.Word
		}
		dst = append(dst, item{tier: t, conf: c * factor, place: p, quoted: q, cap: cap, word: w})
	}
	a.pats = a.findPatterns(a.pats[:0])
	for _, ph := range a.pats {
		c := patternConf[ph.tier]
		switch {
		case hasCue(a.mask, ph.word-6, ph.word, reporting), hasCue(a.mask, ph.word+1, ph.word+9, metaSpeech), mentioned(ph.word):
			c *= reportedWeight // "claiming that ...", "... : statements like that"
		case hasCue(a.mask, ph.word-12, ph.word+12, condemn):
			c *= counterWeight
		}
		if isLesson {
			c *= lessonWeight
		}
		q := quotedAt(ph.word)
		var cap float64
		if q {
			c *= s.cfg.QuotedWeight
			cap = quotedCap
		}
		dst = append(dst, item{tier: ph.tier, conf: c * factor, place: p, quoted: q, cap: cap, word: -1})
	}
	// The model reads the sender's own words and quoted text separately;
	// a text adds its most abusive window only, so a long letter does not
	// add up many lukewarm readings into one confident one.
	var best item
	for st := 0; st < len(words); {
		q := quotedAt(st)
		en := st + 1
		for en < len(words) && quotedAt(en) == q {
			en++
		}
		if it := s.readWindows(a, z, words, hits, st, en, p, q, factor, isLesson); it.conf > best.conf {
			best = it
		}
		st = en
	}
	// The model's window and the insult words it read are one piece of
	// evidence: the stronger reading counts, not both.
	if best.conf > 0 {
		for i := start; i < len(dst); i++ {
			if w := dst[i].word; w >= best.span[0] && w < best.span[1] && dst[i].conf > best.conf {
				best.conf = 0
			}
		}
	}
	if best.conf > 0 {
		for i := start; i < len(dst); i++ {
			if w := dst[i].word; w >= best.span[0] && w < best.span[1] {
				dst[i].conf = 0
			}
		}
		dst = append(dst, best)
	}
	return dst
}

// readWindows returns the model's strongest evidence in words[st:en]: a window the
// abusive head scores at or above its threshold is abuse, or an identity
// attack when the hate head agrees, or a threat when the threat head does;
// unless the lexicon already explains it (profanity in the window).
func (s *Scanner) readWindows(a *Analyzer, z *textnorm.Tokenizer, words []textnorm.Word, hits []Hit, st, en int,
	p place, quoted bool, factor float64, isLesson bool) item {
	md := s.model
	best := item{}
	short := len(words) <= maxWhole && p.where != "subject" && p.where != "header"
	// want is the cheap part of the gates below, checked before the model
	// reads a window.
	want := func(ws, we int) bool {
		if short && p.where == "body" {
			return hasCue(a.mask, ws, we, groups|derogatory|termCue)
		}
		return hasCues(a.mask, ws, we, groups|secondPerson|people, groups|derogatory|termCue)
	}
	a.Windows(md, hits, st, en, want, func(w Window) {
		pa, ph, pt := w.P[HeadAbusive], w.P[HeadHate], w.P[HeadThreat]
		// A short body is what the model was trained on: there it fires
		// at its short-text threshold; elsewhere at the stricter one.
		thr := md.Threshold[HeadAbusive]
		if short && p.where == "body" && md.ShortThreshold[HeadAbusive] > 0 {
			thr = md.ShortThreshold[HeadAbusive]
		}
		if pa < thr {
			return
		}
		var lexTiers [numTiers]int
		for _, h := range hits {
			if h.Word >= w.Start && h.Word < w.End && !h.Ambiguous {
				lexTiers[h.Tier]++
			}
		}
		// A short body (a note, a post) is what the model was trained on:
		// there the target is often implied ("brain dead, cowards"), so a
		// demeaning word, a group or a term that is neither mild nor
		// ambiguous is enough.
		if short && p.where == "body" {
			if !hasCue(a.mask, w.Start, w.End, groups|derogatory) && lexTiers[Strong]+lexTiers[Sexual]+lexTiers[Abuse]+lexTiers[Slur]+lexTiers[Threat] == 0 {
				return
			}
		}
		// The model alone speaks only of abuse aimed at someone: the
		// reader, or people for who they are. Prose about prisons or
		// viruses reads like an angry post to a model trained on posts.
		// The model alone speaks only where some word is evaluative (a
		// term of the lexicon, ambiguous ones too, a demeaning predicate or
		// a group of people) and someone is spoken of: abuse is aimed at a
		// person or people, swearing at a printer is profanity (in a short
		// body, see above, the someone may be implied). In prose
		// longer than a post it also needs the reader or a group as target
		// and a higher probability:
		// e-mail prose is further from the posts it was trained on than
		// their own hard cases.
		target := hasCue(a.mask, w.Start, w.End, secondPerson)
		group := hasCue(a.mask, w.Start, w.End, groups)
		evaluative := group || hasCue(a.mask, w.Start, w.End, derogatory|termCue)
		someone := target || group || hasCue(a.mask, w.Start, w.End, people)
		if short && p.where == "body" {
			someone = true
		}
		if !evaluative || !someone || !short && (!target && !group || pa < max(modelStrict, md.Threshold[HeadAbusive])) {
			return
		}
		it := item{tier: TierAbuse, conf: pa, place: p, quoted: quoted, word: -1, span: [2]int{w.Start, w.End}}
		switch {
		case ph >= md.Threshold[HeadHate] && group:
			it.tier, it.conf = TierSlur, math.Min(pa, ph)
		case pt >= md.Threshold[HeadThreat] && lexTiers[Threat] == 0:
			it.tier, it.conf = TierThreat, math.Min(pa, pt)
		case lexTiers[Strong]+lexTiers[Sexual]+lexTiers[Slur]+lexTiers[Threat] > 0,
			lexTiers[Abuse] > 0 && !target && !group && !hasCueWithout(a.mask, w.Start, w.End, people, termCue):
			// The lexicon's hits already say what this window is. An
			// insult word aimed at someone other than by itself ("you",
			// "they", "that parent") is the model's to read: its item then
			// replaces the word's own (see read). One about no one ("the
			// installer is idiot proof", "some idiot left the door open")
			// stays the word's weak reading.
			return
		}
		if it.tier == TierSlur && lexTiers[Slur] > 0 {
			return
		}
		// Map the probability above the threshold onto [0.5, 1): a window
		// at the threshold is as likely abusive as not.
		it.conf = 0.5 + 0.5*(it.conf-thr)/(1-thr)
		// Counter-speech: the window condemns, or talks about what was
		// said ("claiming that ... is antisemitic", "nobody should say").
		// A negated statement about a group ("immigrants are not vermin")
		// reads to a bag of words like the statement itself.
		if hasCue(a.mask, w.Start, w.End, condemn|metaSpeech) ||
			hasCues(a.mask, w.Start, w.End, reporting, negation) ||
			group && hasCue(a.mask, w.Start, w.End, patternNegation) ||
			a.reported && evaluativeMentioned(a.mask, a.mention, w.Start, w.End) {
			it.conf *= counterWeight
		}
		if isLesson {
			it.conf *= lessonWeight
		}
		if it.tier == TierThreat && hasCue(a.mask, w.Start, w.End, joke) {
			it.conf *= jokeWeight
		}
		if quoted {
			it.conf *= s.cfg.QuotedWeight
		}
		it.conf *= factor
		if it.conf > best.conf {
			best = it
		}
	})
	return best
}

// displayNames returns the display names of the From, To, Cc and Reply-To
// fields, one a line: an insult can sit in a name the reader sees.
func displayNames(m *scanner.Message) string {
	var b strings.Builder
	for _, key := range []string{"From", "To", "Cc", "Reply-To"} {
		for _, a := range scanner.Addresses(m.Header, key) {
			if a.Name != "" {
				b.WriteString(a.Name)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
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
