package chainmail

import (
	"context"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

func msgWith(subject, body string, to ...string) *scanner.Message {
	m := plain(body)
	m.Subject = subject
	m.Texts = append([]scanner.Text{{Where: "subject", Kind: scanner.KindSubject, Content: subject}}, m.Texts...)
	m.Envelope = scanner.Envelope{Direction: scanner.Internal, To: to}
	return m
}

func scanOne(t *testing.T, s *Scanner, m *scanner.Message) []scanner.Finding {
	t.Helper()
	fs, err := s.Scan(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

const chain = "Forward this to 10 people within the next hour or you will have 7 years of bad luck. This is not a joke."

func TestScan(t *testing.T) {
	s := New(config.ChainMail{}, []string{"it-support@trust.example"})
	fs := scanOne(t, s, msgWith("Fwd: Fwd: luck", chain, "colleague@trust.example"))
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	f := fs[0]
	if f.Category != scanner.ChainMail || f.Scanner != Name || f.Score < 0.5 || f.Score > 1 {
		t.Errorf("bad finding %+v", f)
	}
	want := "5 chain-letter signs: forward to N people, deadline, luck or misfortune, not a hoax, stacked Fwd: subject"
	if f.Summary != want {
		t.Errorf("summary %q, want %q", f.Summary, want)
	}
}

func TestReportOnly(t *testing.T) {
	s := New(config.ChainMail{}, []string{"it-support@trust.example"})
	if fs := scanOne(t, s, msgWith("FW: is this real?", chain, "IT-Support@trust.example")); len(fs) != 0 {
		t.Errorf("question to IT flagged: %+v", fs)
	}
	if fs := scanOne(t, s, msgWith("FW: is this real?", chain, "it-support@trust.example", "friend@trust.example")); len(fs) == 0 {
		t.Errorf("copy to a colleague must still be flagged")
	}
}

func TestOneSignalIsNotEnough(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	for _, body := range []string{
		"Please forward this to 10 people who might like to join the choir.",
		"Good luck will follow you in your exams, Year 11!",
		"This is not a joke: the boiler is broken and school is closed.",
	} {
		if fs := scanOne(t, s, msgWith("Notice", body)); len(fs) != 0 {
			t.Errorf("%q: one family of signs made a finding %+v", body, fs)
		}
	}
	// Structure alone: a long forwarded thread is not a chain letter.
	body := strings.Repeat("> > > > > quoted discussion line\n", 5) +
		"-----Original Message-----\nFrom: a\nSent: b\nSubject: c\n\n-----Original Message-----\nFrom: d\nSent: e\nSubject: f\n\n-----Original Message-----\nFrom: g\nSent: h\nSubject: i\n"
	if e := s.Examine(msgWith("Fwd: Fwd: Fwd: minutes", body)); e.Score() != 0 {
		t.Errorf("structure alone scored %.2f (%v)", e.Score(), e.Families())
	}
}

func TestConfigPhrases(t *testing.T) {
	s := New(config.ChainMail{ExtraPhrases: []string{"send this to your whole form group"}}, nil)
	if fs := scanOne(t, s, msgWith("Fwd: Fwd: Fwd: read", "Send this to your whole form group!!! It really works.")); len(fs) == 0 {
		t.Errorf("extra phrase not used")
	}
	a := New(config.ChainMail{AllowPhrases: []string{"Friends of St Mary's PTA"}}, nil)
	if fs := scanOne(t, a, msgWith("Fwd: Fwd: luck", chain+"\nFriends of St Mary's PTA")); len(fs) != 0 {
		t.Errorf("allow phrase ignored: %+v", fs)
	}
}

func TestFwdDepth(t *testing.T) {
	for _, tc := range []struct {
		subject string
		want    int
	}{
		{"Fwd: FW: Fwd: hello", 3},
		{"RE: Fwd: hello", 1},
		{"[Fwd: Fw: x]", 2},
		{"FW : TR: WG: test", 3},
		{"Forward planning", 0},
		{"Fwd:", 1},
		{"", 0},
	} {
		if got := fwdDepth(tc.subject); got != tc.want {
			t.Errorf("fwdDepth(%q) = %d, want %d", tc.subject, got, tc.want)
		}
	}
}

func TestContextCancelled(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Scan(ctx, msgWith("x", chain)); err == nil {
		t.Errorf("cancelled scan returned no error")
	}
}

func FuzzScan(f *testing.F) {
	f.Add("Fwd: Fwd: x", chain)
	f.Add("[fw: (fwd:", "> > >\n-----Original Message-----\nFrom:\n")
	f.Add("", "a@b.cc "+strings.Repeat("x@y.zz ", 30))
	s := New(config.ChainMail{}, nil)
	f.Fuzz(func(t *testing.T, subject, body string) {
		m := msgWith(subject, body)
		fs, err := s.Scan(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range fs {
			if x.Score < 0.5 || x.Score > 1 {
				t.Fatalf("score %v out of range", x.Score)
			}
		}
		if fp := Fingerprint(m); fp != "" && len(fp) != 20 {
			t.Fatalf("bad fingerprint %q", fp)
		}
	})
}

// TestConcurrentScan: one Scanner serves the runner's goroutines (run with
// -race).
func TestConcurrentScan(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	done := make(chan int)
	for g := 0; g < 8; g++ {
		go func(g int) {
			n := 0
			for i := 0; i < 30; i++ {
				m := msgWith("Fwd: Fwd: luck", chain)
				if (g+i)%2 == 0 {
					m = msgWith("Minutes", "The minutes of the last meeting are attached.")
				}
				if fs, err := s.Scan(context.Background(), m); err == nil && len(fs) == 1 {
					n++
				}
				Fingerprints(m)
			}
			done <- n
		}(g)
	}
	total := 0
	for g := 0; g < 8; g++ {
		total += <-done
	}
	if total != 120 {
		t.Errorf("%d findings from 120 chain letters among 240", total)
	}
}

// TestTextBeyondBudgetUnscannable: a chain letter behind filler longer than
// chain_mail.max_text_bytes is not read, and the message says so with an
// unscannable finding instead of passing clean.
func TestTextBeyondBudgetUnscannable(t *testing.T) {
	letter := "Forward this to 10 people within 24 hours or you will have bad luck for seven years. " +
		"This is not a joke, it really works, send it to everyone you know. Don't break the chain!"
	filler := strings.Repeat("The minutes of the meeting are attached for your records.\n", 40)
	m := &scanner.Message{Texts: []scanner.Text{{Kind: scanner.KindPlain, Content: filler + letter}}}
	s := New(config.ChainMail{MaxTextBytes: 1024}, nil)
	fs, err := s.Scan(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Category != scanner.Unscannable {
		t.Fatalf("findings %+v, want unscannable first", fs)
	}
	whole := New(config.ChainMail{}, nil)
	fs, err = whole.Scan(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Category != scanner.ChainMail {
		t.Fatalf("with the default budget: findings %+v, want the chain letter alone", fs)
	}
}
