package offensive

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

func newScanner(t testing.TB, cfg config.Offensive, report ...string) *Scanner {
	t.Helper()
	s, err := New(cfg, report)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func defaultLexicon(t testing.TB) *Lexicon {
	t.Helper()
	l, err := DefaultLists()
	if err != nil {
		t.Fatal(err)
	}
	x, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestObfuscationMatches: every trick of the issue still finds the term.
func TestObfuscationMatches(t *testing.T) {
	x := defaultLexicon(t)
	tests := []struct {
		name, text string
		tier       Tier
		disguised  bool
	}{
		{"plain", "what a load of shit", Strong, false},
		{"case", "SHIT happens", Strong, false},
		{"nfkc fullwidth", "ｆｕｃｋ this", Strong, true},
		{"nfkc math", "𝐟𝐮𝐜𝐤", Strong, true},
		{"cyrillic", "you are a сunt", Strong, true},
		{"greek", "ρrick", Strong, true},
		{"zero-width", "sh\u200bit", Strong, true},
		{"bidi", "f\u202euck", Strong, true},
		{"leet digits", "sh1t", Strong, true},
		{"leet at", "@rsehole", Strong, true},
		{"leet dollar", "bull$hit", Strong, true},
		{"leet l as 1", "ki11 yourself", Threat, true},
		{"mask star", "f*ck", Strong, true},
		{"mask stars", "f**k", Strong, true},
		{"mask slur", "n*gger", Slur, true},
		{"separators dots", "f.u.c.k", Strong, true},
		{"separators spaces", "s h i t", Strong, true},
		{"separators dashes", "c-u-n-t", Strong, true},
		{"repeated letters", "fuuuuuuck", Strong, true},
		{"repeated letters 2", "shiiiiiiit", Strong, true},
		{"html entity", "b&#105;tch", Strong, false},
		{"html named entity", "f&uuml;ck", Strong, false},
		{"suffix", "fucking", Strong, false},
		{"slur", "he is a paki", Slur, false},
		{"phrase threat", "I will kill you tomorrow", Threat, false},
		{"phrase over lines", "kill\nyourself", Threat, false},
		{"directed abuse", "fuck off", Abuse, false},
		{"ambiguous disguised", "d1ck", Strong, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits := NewMatcher(x).Match(tc.text)
			found := false
			for _, h := range hits {
				if h.Tier == tc.tier && !h.Ambiguous {
					found = true
					if h.Disguised != tc.disguised {
						t.Errorf("%q: disguised=%v, want %v", tc.text, h.Disguised, tc.disguised)
					}
				}
			}
			if !found {
				t.Errorf("%q: no %s hit in %+v", tc.text, tierKeys[tc.tier], hits)
			}
		})
	}
}

// TestNoMatch: place names, ordinary words containing a term, medical and
// sex-education vocabulary and allow-listed phrases never match.
func TestNoMatch(t *testing.T) {
	x := defaultLexicon(t)
	for _, text := range []string{
		// Scunthorpe problem
		"Scunthorpe", "Penistone", "Middlesex", "Sussex", "Essex", "assessment", "class",
		"Dickens", "cocktail", "Cockermouth", "Shitterton", "Clitheroe", "Arsenal", "passage",
		"Hancock", "analysis", "therapist", "grape", "specialist", "shuttlecock", "Matsushita",
		"butterscotch", "scrapbook", "Titchmarsh", "bassoon", "Lightwater", "cumulative",
		"Sexton", "Dikshit", "niggardly", "spicy", "Wankel", "retardant", "Hmong", "woops",
		"title", "pennis", "document", "Pakistan", "Pakistani", "Niger", "Nigeria",
		"snigger", "raccoon", "cocoon", "homogeneous", "homophone", "shiitake", "arsenic",
		// medical and sex education
		"penis vagina vulva testicles scrotum breasts clitoris labia",
		"sex sexual intercourse masturbation erection ejaculation orgasm puberty",
		"anus rectum sperm semen menstruation period condom contraception",
		"gay lesbian bisexual transgender homosexual queer",
		"spastic paraplegia is a condition", "Dick Whittington panto", "Moby Dick",
		"spotted dick and custard", "Homo sapiens evolved", "summa cum laude",
		"a chink of light", "a chink in his armour", "our Maine Coon cat",
		"faggots and peas for lunch", "Offa's Dyke path", "blue tits nesting",
		"you're dead right", "magna cum laude",
		// ordinary English that is close to a threat phrase
		"I'll shoot you an email", "watch your back when lifting boxes", "I will find you a copy",
		"you should die your hair", "I will beat you at chess", "did you fat-finger it?",
		// numbers and addresses
		"the A55 at junction 5", "B1TCH3 part no. 5", "dick@example.com",
		"http://example.com/shit/fuck", "see www.fuck.example", "f***", "a**",
	} {
		for _, h := range NewMatcher(x).Match(text) {
			if !h.Ambiguous {
				t.Errorf("%q: unexpected %s hit %+v", text, tierKeys[h.Tier], h)
			}
		}
	}
}

func scan(t *testing.T, s *Scanner, m *scanner.Message) []scanner.Finding {
	t.Helper()
	fs, err := s.Scan(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func msg(body string, to ...string) *scanner.Message {
	return &scanner.Message{
		Envelope: scanner.Envelope{Direction: scanner.Internal, To: to, From: "a@trust.example"},
		Texts:    []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: body}},
	}
}

func TestScoring(t *testing.T) {
	s := newScanner(t, config.Offensive{}, "IT-Support@trust.example")
	tests := []struct {
		name, body string
		severity   string // "" for no finding
		summary    string
	}{
		{"one slur", "he's a retard", "slur", "1 slur or identity attack in body"},
		{"one threat", "I know where you live", "threat", "1 threat in body"},
		{"directed abuse", "fuck off and leave me alone", "abuse", ""},
		{"two strong", "this shit is bollocks, fucking useless", "profanity", "3 profanities in body"},
		{"one strong obscenity is a finding", "oh shit, I forgot the register", "profanity", "1 profanity in body"},
		{"mild never alone", "damn damn damn bloody crap crap crap hell bugger sod off", "", ""},
		{"ambiguous never alone", "Dick said the cock crowed; a dyke is an intrusion; great tits and a shag", "", ""},
		{"insult word about no one is weak", "some idiot left the fire door open again", "", ""},
		{"insult aimed at the reader", "you are an idiot and everyone knows it", "abuse", ""},
		{"insult said of someone", "honestly, that parent is a complete moron", "abuse", ""},
		{"identity attack without a slur", "immigrants are vermin", "slur", ""},
		{"wish of harm on a group", "muslims should be deported, all of them", "slur", ""},
		{"positive statement about a group", "immigrants are welcome here and we are proud of our school", "", ""},
		{"negated", "immigrants are not vermin, they are our neighbours", "", ""},
		{"sender's own words count", "you retard\n> thanks for the report", "slur", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := scan(t, s, msg(tc.body, "parent@example.com"))
			if (len(fs) > 0) != (tc.severity != "") {
				t.Fatalf("findings %+v, want severity %q", fs, tc.severity)
			}
			if tc.severity == "" {
				return
			}
			f := fs[0]
			if f.Category != scanner.OffensiveLanguage || f.Scanner != Name || f.Score < 0.5 || f.Score > 1 {
				t.Errorf("bad finding %+v", f)
			}
			if f.Severity != tc.severity || len(f.Tiers) == 0 || f.Tiers[0] != tc.severity {
				t.Errorf("severity %q tiers %v, want %q first", f.Severity, f.Tiers, tc.severity)
			}
			if tc.summary != "" && f.Summary != tc.summary {
				t.Errorf("summary %q, want %q", f.Summary, tc.summary)
			}
		})
	}
}

// TestQuotedCountsLessNotZero: words in quoted lines, forwarded text and a
// forwarded .eml count, but less than the sender's own.
func TestQuotedCountsLessNotZero(t *testing.T) {
	s := newScanner(t, config.Offensive{MinScore: 0.01})
	score := func(m *scanner.Message) float64 {
		fs := scan(t, s, m)
		if len(fs) == 0 {
			return 0
		}
		return fs[0].Score
	}
	own := score(msg("you bitch, piece of shit"))
	for name, m := range map[string]*scanner.Message{
		"quoted":    msg("Please see below.\n> you bitch, piece of shit"),
		"forwarded": msg("See below.\n---------- Forwarded message ---------\nFrom: x\nyou bitch, piece of shit"),
	} {
		if q := score(m); !(q > 0 && q < own) {
			t.Errorf("%s: score %.2f, want above 0 and below the sender's own %.2f", name, q, own)
		}
	}
	fwd := msg("Please see the attached message I was sent.")
	fwd.Texts = append(fwd.Texts, scanner.Text{Where: "1", Kind: scanner.KindAttachment, Content: "you bitch, piece of shit",
		Attachment: &scanner.Attachment{Index: 1, SniffedType: "message/rfc822"}})
	if q := score(fwd); !(q > 0 && q < own) {
		t.Errorf("forwarded .eml: score %.2f, want above 0 and below the sender's own %.2f", q, own)
	}
}

// TestSeverityOrder: more severe and more words score higher.
func TestSeverityOrder(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	score := func(body string) float64 {
		fs := scan(t, s, msg(body))
		if len(fs) == 0 {
			return 0
		}
		return fs[0].Score
	}
	two, three := score("shit shit"), score("shit shit shit")
	slur, slurs := score("paki"), score("paki, nigger and a spastic")
	if !(two < three && three < slurs && slur < slurs) {
		t.Errorf("scores not ordered: two strong %.2f, three strong %.2f, one slur %.2f, three slurs %.2f", two, three, slur, slurs)
	}
}

func TestReportAddresses(t *testing.T) {
	s := newScanner(t, config.Offensive{}, "it-support@trust.example", "dsl@trust.example")
	abuse := "you fucking retard, I will kill you"
	if fs := scan(t, s, msg(abuse, "IT-Support@Trust.Example")); len(fs) != 0 {
		t.Errorf("report to IT flagged: %+v", fs)
	}
	if fs := scan(t, s, msg(abuse, "it-support@trust.example", "<dsl@trust.example>")); len(fs) != 0 {
		t.Errorf("report to two report addresses flagged: %+v", fs)
	}
	if fs := scan(t, s, msg(abuse, "it-support@trust.example", "head@trust.example")); len(fs) == 0 {
		t.Errorf("one non-report recipient must keep the finding")
	}
	if fs := scan(t, s, msg(abuse)); len(fs) == 0 {
		t.Errorf("no recipients must keep the finding")
	}
}

func TestSummaryHasNoWords(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	m := msg("you fucking nigger, kill yourself")
	m.Texts = append(m.Texts,
		scanner.Text{Where: "subject", Kind: scanner.KindSubject, Content: "cunt"},
		scanner.Text{Where: "2", Kind: scanner.KindAttachment, Content: "retard retard",
			Attachment: &scanner.Attachment{Index: 2, FileName: "retard.docx", SniffedType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}})
	fs := scan(t, s, m)
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	sum := strings.ToLower(fs[0].Summary)
	for _, w := range []string{"fuck", "nigger", "kill", "cunt", "retard"} {
		if strings.Contains(sum, w) {
			t.Errorf("summary %q names a word", fs[0].Summary)
		}
	}
	want := "1 threat, 3 slurs or identity attacks, 3 abusive passages, 1 profanity in body, subject and attachment 2 (docx)"
	if fs[0].Summary != want {
		t.Errorf("summary %q, want %q", fs[0].Summary, want)
	}
}

func TestConfigTerms(t *testing.T) {
	s := newScanner(t, config.Offensive{
		ExtraTerms:   map[string][]string{"slur": {"gronk{,s}"}},
		RemoveTerms:  []string{"retard{,s,ed}"},
		AllowPhrases: []string{"kill you with kindness"},
	})
	if fs := scan(t, s, msg("you gronks")); len(fs) == 0 {
		t.Errorf("extra slur not matched")
	}
	if fs := scan(t, s, msg("a retarded idea")); len(fs) != 0 {
		t.Errorf("removed term still matched: %+v", fs)
	}
	if fs := scan(t, s, msg("i will kill you with kindness")); len(fs) != 0 {
		t.Errorf("allow phrase ignored: %+v", fs)
	}
	if _, err := New(config.Offensive{ExtraTerms: map[string][]string{"nasty": {"x"}}}, nil); err == nil {
		t.Errorf("unknown tier accepted")
	}
}

func TestBodyAlternativesNotDoubled(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	one := scan(t, s, msg("oh shit"))
	m := msg("oh shit")
	m.Texts = append(m.Texts, scanner.Text{Where: "body", Kind: scanner.KindHTML, Content: "oh shit"})
	two := scan(t, s, m)
	if len(one) != 1 || len(two) != 1 || two[0].Score != one[0].Score || two[0].Summary != "1 profanity in body" {
		t.Errorf("plain and HTML copies of one word counted twice: %+v vs %+v", two, one)
	}
}

func TestContextCancelled(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Scan(ctx, msg("hello")); err == nil {
		t.Errorf("cancelled scan returned no error")
	}
}

func TestSpelledOutAfterArticle(t *testing.T) {
	x := defaultLexicon(t)
	for _, text := range []string{"you are a c.u.n.t", "what a f u c k i n g mess", "I s h i t you not"} {
		found := false
		for _, h := range NewMatcher(x).Match(text) {
			found = found || h.Tier == Strong && h.Disguised
		}
		if !found {
			t.Errorf("%q: spelled-out word after a one-letter word not found", text)
		}
	}
}

func TestForwardedAsAttachmentCountsLess(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	m := msg("Please see the attached message I was sent.")
	m.Texts = append(m.Texts, scanner.Text{Where: "1", Kind: scanner.KindAttachment, Content: "you retard, I will kill you",
		Attachment: &scanner.Attachment{Index: 1, SniffedType: "message/rfc822"}})
	if fs := scan(t, s, m); len(fs) != 0 {
		t.Errorf("forwarded .eml counted as the sender's words: %+v", fs)
	}
	m.Texts[1].Attachment = &scanner.Attachment{Index: 1, SniffedType: "application/pdf"}
	if fs := scan(t, s, m); len(fs) != 1 || fs[0].Where != "1" {
		t.Errorf("abuse in a PDF: %+v", fs)
	}
}

// FuzzMatch: any text matches without panicking, and hits lie within the
// text's words.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"f.u.c.k you", "a c.u.n.t", "ki11 yourself", "sh1t @ss f**k", "homo sapiens kill yourself",
		"ѕһіт\u200b", "you're dead right", "f", "a b c d", "fuuuuuck", "n*gger", "*", "a **** b"} {
		f.Add(s)
	}
	x := defaultLexicon(f)
	f.Fuzz(func(t *testing.T, text string) {
		m := NewMatcher(x)
		hits := m.Match(text)
		n := len(m.tok.Words(text))
		for _, h := range hits {
			if h.Word < 0 || h.Len < 1 || h.Word+h.Len > n || h.Tier < 0 || h.Tier >= numTiers {
				t.Fatalf("bad hit %+v for %d words of %q", h, n, text)
			}
		}
	})
}

// TestConcurrentScan: one Scanner serves the runner's goroutines (run with
// -race).
func TestConcurrentScan(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	done := make(chan int)
	for g := 0; g < 8; g++ {
		go func(g int) {
			n := 0
			for i := 0; i < 50; i++ {
				body := "thanks for the Scunthorpe trip"
				if (g+i)%2 == 0 {
					body = "you f*cking retard"
				}
				fs, err := s.Scan(context.Background(), msg(body))
				if err == nil && len(fs) == 1 {
					n++
				}
			}
			done <- n
		}(g)
	}
	total := 0
	for g := 0; g < 8; g++ {
		total += <-done
	}
	if total != 200 {
		t.Errorf("%d findings from 200 abusive messages among 400", total)
	}
}

// TestTierNamesMatchRules: the tiers findings carry are the ones rules
// accept, in the same order of severity.
func TestTierNamesMatchRules(t *testing.T) {
	if !slices.Equal(OutTierNames[:], config.Severities) {
		t.Errorf("finding tiers %v, rules' severities %v", OutTierNames, config.Severities)
	}
	for _, key := range config.OffensiveTiers {
		if _, ok := TierByKey(key); !ok {
			t.Errorf("config tier %q has no term list", key)
		}
	}
}
