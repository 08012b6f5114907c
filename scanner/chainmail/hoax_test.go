package chainmail

import (
	"math/bits"
	"testing"

	"github.com/mailward/mailward/config"
)

// TestIssue12Misses: the four letters issue 12 reports as missed, in
// their own words, are found.
func TestIssue12Misses(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	for name, body := range map[string]string{
		"health warning": "Ladies, don't let anyone spray perfume at you in a car park, it is ether and you pass out. " +
			"This has been confirmed by police. Please forward this to every woman you know.",
		"whatsapp charging": "From tomorrow WhatsApp will start charging 0.37p per message. Copy this to all your contacts " +
			"before midnight and your logo will turn blue. I do not give WhatsApp or Facebook permission to use my pictures.",
		"missing child": "MISSING: little girl aged 6, taken from the park near her home. Police are not doing enough. " +
			"Please forward this to everyone you know, it could be your child.",
		"polish 96 hours": "Ten list przynosi szczęście. Musisz przesłać go do 20 osób w ciągu 96 godzin. " +
			"Pewien urzędnik go nie przesłał i stracił pracę. Nie przerywaj łańcuszka!",
	} {
		if fs := scanOne(t, s, msgWith("Fwd: read this", body)); len(fs) == 0 {
			e := s.Examine(msgWith("Fwd: read this", body))
			t.Errorf("%s: no finding (score %.2f, %v)", name, e.Score(), e.Families())
		}
	}
}

// TestCheckableDetails: the same appeal is a finding without a date or a
// reference and clean with the police's log number and the date.
func TestCheckableDetails(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	appeal := "A 14 year old boy has been missing from his home in Chorley. Please share this with everyone you know."
	if fs := scanOne(t, s, msgWith("Missing boy", appeal)); len(fs) == 0 {
		t.Fatalf("appeal without date or reference not found")
	}
	real := appeal[:len("A 14 year old boy has been missing from his home in Chorley")] +
		" since 9pm on Wednesday 11 March 2026. Anyone with information should call 101 quoting log reference LC-20260312-0871." +
		" Please share this with everyone you know."
	e := s.Examine(msgWith("Missing boy", real))
	if n := bits.OnesCount8(e.Checkable); n < 3 {
		t.Errorf("%d kinds of checkable detail, want 3 (date, reference, 101)", n)
	}
	if fs := scanOne(t, s, msgWith("Missing boy", real)); len(fs) != 0 {
		t.Errorf("police appeal with reference and date flagged: %+v", fs)
	}
}

// TestUrgencyIsSupport: urgency and a deadline with forwarding are a school
// closure, not a chain letter.
func TestUrgencyIsSupport(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	body := "URGENT: school is closed today because of snow. Please check the website now, it only takes a second. Better safe than sorry!"
	if e := s.Examine(msgWith("Closure", body)); e.Score() != 0 {
		t.Errorf("urgency alone scored %.2f (%v)", e.Score(), e.Families())
	}
}

// TestWeakWordingNeedsMore: one weak sign of wording with a deadline and
// urgency is an urgent request at work, not a chain letter.
func TestWeakWordingNeedsMore(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	body := "Urgent! Can anyone cover 9X3 period 3? Please reply within the next 10 minutes and pass this on " +
		"to your department. It only takes a second."
	e := s.Examine(msgWith("Cover", body))
	if len(e.Families()) < 3 {
		t.Fatalf("signs %v: the case needs three families to mean anything", e.Families())
	}
	if fs := scanOne(t, s, msgWith("Cover", body)); len(fs) != 0 {
		t.Errorf("cover request flagged: %+v", fs)
	}
}

// TestSummaryNamesCheckable: a finding that stands despite a checkable
// detail says so, by kind count, without the detail itself.
func TestSummaryNamesCheckable(t *testing.T) {
	s := New(config.ChainMail{}, nil)
	body := "Forward this to 10 people within the next hour or you will have 7 years of bad luck. This is not a joke. " +
		"My aunt got it on 3 March and won the lottery."
	fs := scanOne(t, s, msgWith("Fwd: Fwd: luck", body))
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	want := "5 chain-letter signs: forward to N people, deadline, luck or misfortune, not a hoax, stacked Fwd: subject; 1 kinds of checkable detail"
	if fs[0].Summary != want {
		t.Errorf("summary %q, want %q", fs[0].Summary, want)
	}
}
