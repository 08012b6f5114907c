package milter

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/msglog"
)

// TestPostfixMilter runs a real Postfix on loopback with mailward as its
// milter (smtpd_milters, milter_default_action = tempfail) and a sink as
// its relay host, and checks what a sending client hears and what the sink
// and mailward's quarantine end up with, for each action the rules take.
func TestPostfixMilter(t *testing.T) {
	sink := smtptest.Start(t, nil)
	mw := startMailward(t, "127.0.0.1:0", "")
	pf := startPostfix(t, mw.addr, sink.Addr)
	const outside, inside = "127.0.0.2", "127.0.0.1" // untrusted, trusted client

	tests := []struct {
		name    string
		client  string
		tls     bool // the client uses STARTTLS
		from    string
		to      string
		fixture string
		subject string // the delivered message's Subject, when delivered
		reply   string // "250", or the refusal's stage and reply
		held    string // category held in mailward's quarantine
		present []string
		absent  []string
	}{
		{name: "inbound tagged", client: outside, from: "parent@home.example", to: "office@trust.example",
			fixture: "clean.eml", subject: "[External] Sports day", reply: "250",
			present: []string{"X-Mailward-Action: tag\r\n", "X-School-Notice: external\r\n",
				"X-Mailward-Untrusted-Action: deliver\r\n", "\r\nAuthentication-Results: mailward.test;", "spf=pass smtp.mailfrom=parent@home.example",
				"X-Mailward-Untrusted-Authentication-Results: mailward.test; spf=pass"},
			absent: []string{"X-Mailward-Action: deliver", "\r\nAuthentication-Results: mailward.test; spf=pass"}},
		{name: "internal delivered", client: inside, from: "j.smith@trust.example", to: "office@trust.example",
			fixture: "clean.eml", subject: "Sports day", reply: "250",
			present: []string{"X-Mailward-Action: deliver\r\n", "X-Mailward-Untrusted-Action: deliver\r\n"}},
		{name: "outbound delivered bare", client: inside, from: "j.smith@trust.example", to: "parent@home.example",
			fixture: "clean.eml", subject: "Sports day", reply: "250",
			absent: []string{"X-Mailward-Action:", "X-Mailward-Findings:"}},
		{name: "pupil data held", client: inside, from: "j.bloggs@trust.example", to: "data.help@mis-support.example.com",
			fixture: "pupil-list.eml", reply: "250", held: "pupil_data"},
		{name: "offensive held, over STARTTLS", client: inside, tls: true, from: "j.smith@trust.example", to: "someone@elsewhere.example",
			fixture: "offensive.eml", reply: "250", held: "offensive_language"},
		{name: "dangerous attachment refused", client: outside, from: "accounts@supplier.example", to: "office@trust.example",
			fixture: "exe-attachment.eml", reply: "end of data: 550 5.7.1 Message refused by policy (suspicious_attachment)"},
		// Postfix lets all of 127/8 relay (a too-wide mynetworks); mailward
		// trusts only 127.0.0.1 and refuses, in the relay's words.
		{name: "relay denied by mailward", client: outside, from: "a@elsewhere.example", to: "b@elsewhere.example",
			fixture: "clean.eml", reply: "rcpt: 554 5.7.1 Relay access denied"},
	}
	delivered := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(mw.held(t))
			got := submitTLS(t, pf.addr, tc.client, tc.tls, tc.from, []string{tc.to}, readFixture(t, tc.fixture))
			if tc.reply == "250" {
				if got.code != 250 {
					t.Fatalf("client got %v, want 250\n%s", got, mw.logs)
				}
			} else if !strings.HasPrefix(got.String(), tc.reply) {
				t.Fatalf("client got %q, want %q", got, tc.reply)
			}
			recs := mw.held(t)
			if tc.held != "" {
				if len(recs) != before+1 || !slices.Contains(recs[0].Categories, tc.held) ||
					!slices.Equal(recs[0].To, []string{tc.to}) || recs[0].TLS != tc.tls || recs[0].Client != tc.client {
					t.Fatalf("quarantine: %d records (had %d), newest %+v", len(recs), before, recs[0])
				}
				raw, err := mw.store.Raw(t.Context(), recs[0].ID)
				if err != nil || !strings.Contains(string(raw), "Message-ID: <") {
					t.Fatalf("held message unreadable: %v", err)
				}
				return
			}
			if len(recs) != before {
				t.Fatalf("quarantine grew to %d", len(recs))
			}
			if tc.subject == "" {
				return
			}
			delivered++
			waitFor(t, "delivery to the sink", 30*time.Second, func() bool { return len(sink.Messages()) >= delivered })
			m := sink.Messages()[delivered-1]
			data := string(m.Data)
			if testing.Verbose() {
				t.Logf("delivered:\n%s", data)
			}
			if !slices.Equal(m.To, []string{tc.to}) || !strings.Contains(data, "\r\nSubject: "+tc.subject+"\r\n") {
				t.Fatalf("sink got to %v:\n%s", m.To, data)
			}
			hdr, _, _ := strings.Cut(data, "\r\n\r\n")
			// mailward's fields sit where the relay puts them: below the
			// MTA's Received:, above the message's own.
			if i := strings.Index(hdr, "X-Mailward-Action:"); i >= 0 &&
				(!strings.HasPrefix(hdr, "Received:") || i > strings.Index(hdr, "\r\nFrom:")) {
				t.Errorf("X-Mailward-Action out of place:\n%s", hdr)
			}
			for _, h := range tc.present {
				if !strings.Contains(hdr+"\r\n", h) {
					t.Errorf("delivered header lacks %q:\n%s", h, hdr)
				}
			}
			// Message tracking keeps it under Postfix's queue ID, the one in
			// Postfix's Received: field and log.
			qid := regexp.MustCompile(`\(Postfix\) with \w+ id (\w+)`).FindStringSubmatch(hdr)
			if qid == nil {
				t.Fatalf("no Postfix queue ID in:\n%s", hdr)
			}
			waitFor(t, "the tracking record", 10*time.Second, func() bool {
				page, err := mw.track.Search(t.Context(), msglog.Query{QueueID: qid[1]})
				return err == nil && len(page.Records) == 1 && page.Records[0].Reply == "milter accept"
			})
			for _, h := range tc.absent {
				if strings.Contains(hdr, h) {
					t.Errorf("delivered header has %q:\n%s", h, hdr)
				}
			}
		})
	}
	// Nothing held or refused reached the sink, and Postfix kept nothing.
	waitFor(t, "Postfix's queue to empty", 30*time.Second, pf.queueEmpty)
	if msgs := sink.Messages(); len(msgs) != delivered {
		for _, m := range msgs {
			t.Logf("sink: from %s to %v:\n%.400s", m.From, m.To, m.Data)
		}
		t.Fatalf("sink has %d messages, want %d", len(msgs), delivered)
	}

	t.Run("local submission is scanned", func(t *testing.T) {
		// Postfix shows mail from its sendmail command to the milter as
		// from 127.0.0.1: trusted here, so outbound.
		before := len(mw.held(t))
		pf.sendmail(t, "j.bloggs@trust.example", "data.help@mis-support.example.com", readFixture(t, "pupil-list.eml"))
		waitFor(t, "the local submission to be held", 30*time.Second, func() bool { return len(mw.held(t)) == before+1 })
		if rec := mw.held(t)[0]; rec.Client != "127.0.0.1" || rec.Direction != "outbound" || !slices.Contains(rec.Categories, "pupil_data") {
			t.Fatalf("held %+v", rec)
		}
		waitFor(t, "Postfix's queue to empty", 30*time.Second, pf.queueEmpty)
		if n := len(sink.Messages()); n != delivered {
			t.Fatalf("held local submission delivered: sink has %d, want %d", n, delivered)
		}
	})

	clean := readFixture(t, "clean.eml")
	send := func() result {
		return submit(t, pf.addr, outside, "parent@home.example", []string{"office@trust.example"}, clean)
	}
	t.Run("scanner down is tempfail", func(t *testing.T) {
		mw.stop()
		// clamd configured where nothing listens: the scan cannot finish.
		mw = startMailward(t, mw.addr, "clamav: {address: \"tcp://127.0.0.1:"+closedPort(t)+"\"}\n")
		got := submit(t, pf.addr, outside, "parent@home.example", []string{"office@trust.example"}, readFixture(t, "attachment.eml"))
		if !strings.HasPrefix(got.String(), "end of data: 451 4.3.0") {
			t.Fatalf("client got %q", got)
		}
	})
	t.Run("quarantine disk error is tempfail", func(t *testing.T) {
		mw.stop()
		mw = startMailward(t, mw.addr, "")
		os.RemoveAll(filepath.Join(mw.qdir, "msg"))
		os.WriteFile(filepath.Join(mw.qdir, "msg"), []byte("not a folder"), 0o600)
		got := submit(t, pf.addr, inside, "j.smith@trust.example", []string{"someone@elsewhere.example"}, readFixture(t, "offensive.eml"))
		if !strings.HasPrefix(got.String(), "end of data: 451 4.3.0") {
			t.Fatalf("client got %q", got)
		}
	})
	t.Run("hold mode puts it in Postfix's hold queue", func(t *testing.T) {
		mw.stop()
		mw = startMailwardMode(t, mw.addr, config.MilterHold, "")
		got := submit(t, pf.addr, inside, "j.smith@trust.example", []string{"someone@elsewhere.example"}, readFixture(t, "offensive.eml"))
		if got.code != 250 {
			t.Fatalf("client got %v", got)
		}
		waitFor(t, "a message in Postfix's hold queue", 10*time.Second, func() bool { return pf.queued("hold") == 1 })
		if n := len(mw.held(t)); n != 0 {
			t.Fatalf("hold mode stored %d in mailward's quarantine", n)
		}
		if n := len(sink.Messages()); n != delivered {
			t.Fatalf("held message delivered: sink has %d, want %d", n, delivered)
		}
		pf.deleteHeld(t)
	})
	t.Run("milter down is tempfail, then delivered", func(t *testing.T) {
		mw.stop()
		got := send()
		t.Logf("with mailward down: %v", got)
		if got.code < 400 || got.code >= 500 {
			t.Fatalf("with mailward down the client got %v, want 4xx", got)
		}
		waitFor(t, "Postfix's queue to empty", 30*time.Second, pf.queueEmpty)
		if n := len(sink.Messages()); n != delivered {
			t.Fatalf("accepted without a scan: sink has %d messages, want %d", n, delivered)
		}
		// The client still has the message; its retry goes through.
		mw = startMailward(t, mw.addr, "")
		if got := send(); got.code != 250 {
			t.Fatalf("retry got %v", got)
		}
		waitFor(t, "the retried message", 30*time.Second, func() bool { return len(sink.Messages()) == delivered+1 })
	})
}

// closedPort is a loopback port where nothing listens.
func closedPort(t *testing.T) string { return strconv.Itoa(freePort(t)) }
