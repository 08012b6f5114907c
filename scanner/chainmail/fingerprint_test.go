package chainmail

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailward/mailward/scanner"
)

const letter = `This chain has been around the world nine times. The luck has now been sent
to you. You will receive good luck within four days of receiving this letter,
provided you send it on to ten friends. This is no joke. Do not keep this
letter and do not send money. Constantine Dias received the chain in 1953 and
asked his secretary to make copies; a few days later he won two million. An
office worker forgot to pass it on and lost his job. Please send twenty copies
and see what happens in four days. Do not break the chain, it really works.`

func plain(body string) *scanner.Message {
	return &scanner.Message{Texts: []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: body}}}
}

func quote(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}

func rewrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		if n > 0 && n+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

const disclaimer = `

This email and any files transmitted with it are confidential and intended
solely for the use of the individual to whom they are addressed. If you are not
the intended recipient please notify the sender and delete it. Views expressed
are those of the author. Registered in England, company number 01234567.`

// nearDuplicates are the same letter as it arrives from different senders.
func nearDuplicates() map[string]*scanner.Message {
	html := &scanner.Message{Texts: []scanner.Text{{Where: "body", Kind: scanner.KindHTML,
		Content: strings.ReplaceAll(letter, "\n", " ")}}}
	edited := strings.NewReplacer("Constantine Dias", "Constantin Diaz", "office worker", "office-worker",
		"ten friends", "10 friends").Replace(letter)
	return map[string]*scanner.Message{
		"outlook forward": plain("Thought you would like this!\n\nFrom: Ann Smith\nSent: 1 May 2026 10:00\nTo: Bob Jones\nSubject: FW: luck\n\n" + letter),
		"gmail forward": plain("---------- Forwarded message ---------\nFrom: Carl <carl@example.org>\nDate: Tue, 2 May 2026 at 11:12\n" +
			"Subject: Fwd: luck\nTo: <dee@example.org>\n\n" + letter),
		"quoted twice":  plain("On Wed, 3 May 2026, Eve wrote:\n" + quote(quote(letter, "> "), "> ")),
		"rewrapped":     plain(rewrap(letter, 50)),
		"html body":     html,
		"three edits":   plain(edited),
		"footer added":  plain(letter + disclaimer),
		"signature":     plain(letter + "\n\n--\nFred Bloggs\nSent from my iPhone"),
		"apple forward": plain("Begin forwarded message:\n\nFrom: Gail <g@example.org>\nSubject: luck\nDate: 4 May 2026\nTo: Hal <h@example.org>\n\n" + letter),
	}
}

func TestFingerprintNearDuplicates(t *testing.T) {
	base := plain(letter)
	want := Fingerprint(base)
	if !regexp.MustCompile(`^cm1:[0-9a-f]{16}$`).MatchString(want) {
		t.Fatalf("Fingerprint = %q, want cm1:<16 hex>", want)
	}
	baseKeys := Fingerprints(base)
	if len(baseKeys) != Keys {
		t.Fatalf("Fingerprints = %v, want %d keys", baseKeys, Keys)
	}
	for name, m := range nearDuplicates() {
		j := jaccard(base, m)
		// Different headers, quoting, wrapping, HTML, footers: the same
		// words, so the same single key.
		if got := Fingerprint(m); j == 1 && got != want {
			t.Errorf("%s: Fingerprint %s, want %s", name, got, want)
		}
		if shared(baseKeys, Fingerprints(m)) == 0 {
			t.Errorf("%s: no Fingerprints key shared (Jaccard %.2f)", name, j)
		}
		if name != "three edits" && name != "outlook forward" && j != 1 {
			t.Errorf("%s: Jaccard %.2f, want the same words", name, j)
		}
	}
}

// TestFingerprintDifferentLetters: the chain letters of the labelled corpus
// and unrelated staff e-mails that share a long footer never share a key.
func TestFingerprintDifferentLetters(t *testing.T) {
	msgs := map[string]*scanner.Message{"letter": plain(letter)}
	for _, c := range readCorpus(t, filepath.Join("testdata", "labelled.txt")) {
		m := parse(t, c.raw)
		if Fingerprint(m) != "" {
			msgs[c.name] = m
		}
	}
	for i, body := range []string{
		"Hi all, the Year 7 parents' evening is moved to Thursday 12 March because the hall is booked for exams. Please update your calendars and tell your tutees. Appointments made so far still stand; the booking system will email parents tonight.",
		"Dear colleagues, the fire drill will take place at 10:15 tomorrow morning. Please make sure registers are taken to the assembly point and that visitors are escorted out. Thank you for your help, and sorry for the disruption to period 2.",
	} {
		msgs[fmt.Sprintf("staff %d", i)] = plain(body + disclaimer)
	}
	if len(msgs) < 20 {
		t.Fatalf("only %d fingerprinted messages", len(msgs))
	}
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if Fingerprint(msgs[a]) == Fingerprint(msgs[b]) {
				t.Errorf("%s and %s share Fingerprint %s (Jaccard %.2f)", a, b, Fingerprint(msgs[a]), jaccard(msgs[a], msgs[b]))
			}
			if n := shared(Fingerprints(msgs[a]), Fingerprints(msgs[b])); n > 0 {
				t.Errorf("%s and %s share %d keys (Jaccard %.2f)", a, b, n, jaccard(msgs[a], msgs[b]))
			}
		}
	}
}

func TestFingerprintShortBody(t *testing.T) {
	if fp := Fingerprint(plain("Thanks, see you at 3.")); fp != "" {
		t.Errorf("short body fingerprinted: %q", fp)
	}
	if fp := Fingerprint(plain("Thanks!" + disclaimer)); fp != "" {
		t.Errorf("short body with footer fingerprinted: %q", fp)
	}
	if fp := Fingerprint(&scanner.Message{}); fp != "" {
		t.Errorf("empty message fingerprinted: %q", fp)
	}
}

func shared(a, b []string) int {
	n := 0
	for i := range a {
		if i < len(b) && a[i] == b[i] {
			n++
		}
	}
	return n
}

// jaccard is the exact shingle similarity, for failure messages.
func jaccard(a, b *scanner.Message) float64 {
	sa, sb := shingles(bodyWords(a)), shingles(bodyWords(b))
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

func shingles(words []string) map[string]bool {
	out := map[string]bool{}
	for i := 0; i+shingleWords <= len(words); i++ {
		out[strings.Join(words[i:i+shingleWords], " ")] = true
	}
	return out
}

func ExampleFingerprint() {
	m := &scanner.Message{Texts: []scanner.Text{{Kind: scanner.KindPlain, Content: letter}}}
	fwd := &scanner.Message{Texts: []scanner.Text{{Kind: scanner.KindPlain,
		Content: "-----Original Message-----\nFrom: Ann\nSent: Monday\nSubject: luck\n\n" + quote(letter, "> ")}}}
	fmt.Println(Fingerprint(m) == Fingerprint(fwd), len(Fingerprint(m)))
	// Output: true 20
}

// TestFingerprintHamSpread: across 2,500 real e-mails from many senders,
// how many keys would the tracker see from 5 or more distinct senders (the
// default chain_spread_senders)? Legitimate mail must not look like a
// spreading letter.
func TestFingerprintHamSpread(t *testing.T) {
	dir := corporaDir(t, "ham/spamassassin-easy-ham-1")
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) == 0 {
		t.Skip("no ham")
	}
	senders := map[string]map[string]bool{}
	printed := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scanner.Parse(raw, scanner.Envelope{})
		if err != nil {
			continue
		}
		from := strings.ToLower(m.Header.Get("From"))
		keys := Fingerprints(m)
		if len(keys) > 0 {
			printed++
		}
		for _, k := range keys {
			if senders[k] == nil {
				senders[k] = map[string]bool{}
			}
			senders[k][from] = true
		}
	}
	spread := 0
	for _, s := range senders {
		if len(s) >= 5 {
			spread++
		}
	}
	t.Logf("%d of %d ham messages fingerprinted; %d keys seen from 5 or more senders", printed, len(files), spread)
	if spread > 0 {
		t.Errorf("%d keys shared by 5 or more distinct ham senders", spread)
	}
}

// TestFingerprintRepliesToOneEmail: replies quoting the same all-staff
// e-mail are a thread, not a spreading letter.
func TestFingerprintRepliesToOneEmail(t *testing.T) {
	original := "Dear all, the staff Christmas party is on Friday 18 December at the Red Lion from 7pm. " +
		"Tickets are 25 pounds including a two course meal; please pay the office by 1 December and tell " +
		"Sue about any dietary needs. Partners are welcome. Let me know if you can come."
	seen := map[string]int{}
	for i, own := range []string{"Count me in!", "Yes please, two tickets.", "Sorry, can't make it.", "I'll be there", "Yes - veggie option for me"} {
		for _, form := range []string{
			own + "\n\n-----Original Message-----\nFrom: Head\nSent: Monday\nTo: All Staff\nSubject: Christmas party\n\n" + original,
			own + "\n\nOn Mon, 30 Nov 2026, Head wrote:\n" + quote(rewrap(original, 60), "> "),
		} {
			m := plain(form)
			m.Subject = "RE: Christmas party"
			for _, k := range Fingerprints(m) {
				seen[k]++
			}
			_ = i
		}
	}
	for k, n := range seen {
		if n > 2 {
			t.Errorf("key %s shared by %d replies from different people", k, n)
		}
	}
	// The same text forwarded (not replied to) does keep its fingerprint.
	fwd := plain("FYI\n\n---------- Forwarded message ---------\nFrom: Head\nSubject: Christmas party\n\n" + original)
	fwd.Subject = "Fwd: Christmas party"
	if Fingerprint(fwd) == "" || Fingerprint(fwd) != Fingerprint(plain(original)) {
		t.Errorf("forwarded letter lost its fingerprint: %q vs %q", Fingerprint(fwd), Fingerprint(plain(original)))
	}
}

func TestFingerprintForwardedAsAttachment(t *testing.T) {
	m := &scanner.Message{Texts: []scanner.Text{
		{Where: "body", Kind: scanner.KindPlain, Content: "See attached, is this true?"},
		{Where: "1", Kind: scanner.KindAttachment, Content: letter, Attachment: &scanner.Attachment{Index: 1, SniffedType: "message/rfc822"}},
	}}
	if got, want := Fingerprint(m), Fingerprint(plain(letter)); got == "" || shared(Fingerprints(m), Fingerprints(plain(letter))) == 0 {
		t.Errorf("letter forwarded as an attachment: %q, want keys shared with %q", got, want)
	}
}
