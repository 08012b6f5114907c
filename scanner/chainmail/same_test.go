package chainmail

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// sameAsReference fails t when the detector's evidence or fingerprints for
// m differ from those of the code before the one-pass rewrite
// (legacy_test.go).
func sameAsReference(t testing.TB, s *Scanner, name string, m *scanner.Message) {
	t.Helper()
	if got, want := s.Examine(m), refExamine(s, m); *got != *want {
		t.Errorf("%s: evidence %+v, reference %+v", name, *got, *want)
	}
	if got, want := Fingerprints(m), refFingerprints(m); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: fingerprints %v, reference %v", name, got, want)
	}
	if got, want := bodyWords(m), refBodyWords(m); !slices.Equal(got, want) {
		t.Errorf("%s: %d body words, reference %d", name, len(got), len(want))
	}
}

// referenceScanners are the configurations compared: the defaults, local
// extra and allow phrases, and a small text cap that cuts messages short.
func referenceScanners() map[string]*Scanner {
	return map[string]*Scanner{
		"default": New(config.ChainMail{}, nil),
		"phrases": New(config.ChainMail{
			ExtraPhrases: []string{"Lucky Penny", "the quick brown", "send"},
			AllowPhrases: []string{"Staff Room Rota", "unsubscribe here"},
		}, nil),
		"capped": New(config.ChainMail{MaxTextBytes: 700}, nil),
	}
}

// TestSameAsReference: on the labelled corpora, the ham corpus, the MIME
// torture corpus and a 50 KB message, the detector gives exactly the
// evidence and fingerprints of the code before the rewrite.
func TestSameAsReference(t *testing.T) {
	type named struct {
		name string
		m    *scanner.Message
	}
	var msgs []named
	for _, f := range []string{"labelled.txt", "holdout.txt"} {
		for _, c := range readCorpus(t, filepath.Join("testdata", f)) {
			msgs = append(msgs, named{f + "/" + c.name, parse(t, c.raw)})
		}
	}
	msgs = append(msgs, named{"50K", parse(t, plain50K())})
	// The evaluation sets: eleven languages and five scripts.
	for _, dir := range []string{evalDir, "testdata/eval-holdout"} {
		for i, c := range readLabels(t, dir) {
			if raceEnabled && i%4 != 0 {
				continue // a quarter under -race, as for the corpora below
			}
			msgs = append(msgs, named{dir + "/" + c.file, parseEval(t, c)})
		}
	}
	// The shared corpora beside the module root, when present
	// (corporaDir would skip the whole test without them).
	root := ""
	if dir, err := os.Getwd(); err == nil {
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = filepath.Join(filepath.Dir(dir), "shared", "corpora")
				break
			}
		}
	}
	for _, pat := range []string{"ham/*/*", "mime/*/*", "mime/*/*/*"} {
		files, _ := filepath.Glob(filepath.Join(root, pat))
		for i, f := range files {
			// The reference is regular expressions, ten times slower
			// under the race detector (five minutes for the corpora):
			// there, one corpus message in twenty-five, the same ones each run.
			// Without -race every message is compared.
			if raceEnabled && i%25 != 0 {
				continue
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if m, err := scanner.Parse(raw, scanner.Envelope{}); err == nil {
				msgs = append(msgs, named{f, m})
			}
		}
	}
	t.Logf("%d messages compared", len(msgs))
	for sname, s := range referenceScanners() {
		for _, n := range msgs {
			sameAsReference(t, s, sname+" "+n.name, n.m)
		}
	}
}

// FuzzSameAsReference compares the detector with the reference on
// arbitrary subjects and bodies.
func FuzzSameAsReference(f *testing.F) {
	for _, c := range readCorpus(f, filepath.Join("testdata", "labelled.txt")) {
		f.Add("Fwd: FW: test", string(c.raw))
	}
	f.Add("Re: x", "hello\n\n> quoted\n> From: a@b.example\n> Sent: now\n> Subject: s\n\nsendsend send sendsend")
	f.Add("x", "İntended recipient — THINK BEFORE YOU PRINT \u212a\nConfidential\n\nvirusvirus worm erases hard drive")
	scanners := referenceScanners()
	f.Fuzz(func(t *testing.T, subject, body string) {
		m := &scanner.Message{Subject: subject, Texts: []scanner.Text{
			{Kind: scanner.KindSubject, Content: subject},
			{Kind: scanner.KindPlain, Content: body},
			{Kind: scanner.KindHTML, Content: strings.ToUpper(body)},
		}}
		for sname, s := range scanners {
			sameAsReference(t, s, sname, m)
		}
	})
}

// plain50K is an ordinary 50 KB plain-text message, as the relay benchmark
// sends: the common case whose cost the detector must keep small.
func plain50K() []byte {
	line := "The quick brown fox jumps over the lazy dog.\r\n"
	return []byte("From: head@trust.example\r\nTo: parent@home.example\r\nSubject: bench\r\n\r\n" +
		strings.Repeat(line, (50<<10)/len(line)))
}

// FuzzLineChecksSameAsReference compares the fast forwarded-header and
// footer checks with the reference ones on arbitrary text.
func FuzzLineChecksSameAsReference(f *testing.F) {
	f.Add("\u00a0From: a@b.example", "Sent: x\nSubject: y\n")
	f.Add("\rBEGİN FORWARDED MESSAGE:", "")
	f.Add("Thin\u212a before you print. CONFIDENTIAL", "")
	f.Add("unsubscribe from this mailing list", "sent from my iPhone")
	f.Fuzz(func(t *testing.T, line, rest string) {
		if got, want := isForwardHeaderStart(line, rest), refIsForwardHeaderStart(line, rest); got != want {
			t.Errorf("isForwardHeaderStart(%q, %q) = %v, reference %v", line, rest, got, want)
		}
		para := line + "\n" + rest
		if got, want := isBoilerplate(para), refIsBoilerplate(para); got != want {
			t.Errorf("isBoilerplate(%q) = %v, reference %v", para, got, want)
		}
	})
}

// TestFingerprintsMemo: the fingerprints Examine remembers are those
// Fingerprints computes on its own, also while both run at once on one
// message (run with -race).
func TestFingerprintsMemo(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	for _, c := range readCorpus(t, filepath.Join("testdata", "labelled.txt"))[:20] {
		fresh, m := parse(t, c.raw), parse(t, c.raw)
		want := Fingerprints(fresh) // no Examine: computed
		done := make(chan []string)
		for g := 0; g < 4; g++ {
			go func() {
				s.Examine(m)
				done <- Fingerprints(m)
			}()
		}
		for g := 0; g < 4; g++ {
			if got := <-done; !slices.Equal(got, want) {
				t.Errorf("%s: %v, computed alone %v", c.name, got, want)
			}
		}
		if _, ok := m.Derived(fpKey{}); !ok {
			if _, sole := soleBody(m); sole {
				t.Errorf("%s: Examine remembered no fingerprints", c.name)
			}
		}
	}
}
