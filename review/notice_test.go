package review

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
)

var secretMsg = []byte("From: staff@a.trust.example\r\nTo: x@other.example\r\nSubject: SECRET-SUBJECT pupil list\r\n\r\nSECRET-BODY\r\n")

// TestNotices: outbound holds tell the sender (once, from the null sender,
// naming the category and never the content); inbound holds go into one
// daily digest per recipient; deletion and expiry tell the sender; outside
// senders of inbound mail are not told (backscatter).
func TestNotices(t *testing.T) {
	next := smtptest.Start(t, nil)
	e := newEnv(t, func(c *config.Config) {
		c.NextHop.Inbound = "smtp://" + next.Addr
		c.NextHop.Outbound = "smtp://" + next.Addr
		c.Review.Notices.Templates = map[string]config.NoticeTemplate{
			"deleted": {Subject: "Deleted: {{.ID}}"},
		}
	})
	e.now = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) // before the 07:00 digest
	out := e.put(secretMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "pupil_data")
	in1 := e.put(secretMsg, "inbound", "spam@outside.example", []string{"t1@a.trust.example", "t2@a.trust.example"}, "chain_mail")
	in2 := e.put(secretMsg, "inbound", "spam2@outside.example", []string{"t1@a.trust.example"}, "malware")
	ctx := t.Context()

	e.srv.SendNotices(ctx)
	got := next.Messages()
	if len(got) != 1 {
		t.Fatalf("after first run: %d notices", len(got))
	}
	n := got[0]
	body := string(n.Data)
	if n.From != "" || len(n.To) != 1 || n.To[0] != "staff@a.trust.example" {
		t.Errorf("hold notice envelope %q -> %v", n.From, n.To)
	}
	for _, want := range []string{"Auto-Submitted: auto-generated", "pupil data", out, "From: postmaster@a.trust.example"} {
		if !strings.Contains(body, want) {
			t.Errorf("hold notice lacks %q:\n%s", want, body)
		}
	}
	e.srv.SendNotices(ctx)
	if len(next.Messages()) != 1 {
		t.Fatal("hold notice sent twice")
	}

	// The digest hour passes: one digest per recipient.
	e.now = e.now.Add(2 * time.Hour)
	e.srv.SendNotices(ctx)
	e.srv.SendNotices(ctx)
	got = next.Messages()[1:]
	if len(got) != 2 {
		t.Fatalf("%d digests, want 2", len(got))
	}
	byTo := map[string]string{}
	for _, m := range got {
		byTo[m.To[0]] = string(m.Data)
	}
	if d := byTo["t1@a.trust.example"]; !strings.Contains(d, in1) || !strings.Contains(d, in2) || !strings.Contains(d, "2 message(s)") {
		t.Errorf("t1 digest:\n%s", d)
	}
	if d := byTo["t2@a.trust.example"]; !strings.Contains(d, in1) || strings.Contains(d, in2) {
		t.Errorf("t2 digest:\n%s", d)
	}

	// Deletion tells the outbound sender, with the configured subject.
	admin := e.login("admin")
	if c := admin.post("/messages/"+out+"/delete", url.Values{"reason": {"policy"}}).StatusCode; c != 303 {
		t.Fatal(c)
	}
	// Deleting inbound mail tells nobody outside.
	admin.post("/messages/"+in1+"/delete", nil)
	got = next.Messages()[3:]
	if len(got) != 1 || got[0].To[0] != "staff@a.trust.example" || !strings.Contains(string(got[0].Data), "Subject: Deleted: "+out) {
		t.Fatalf("deletion notices: %+v", got)
	}

	// Expiry tells the sender of outbound mail.
	exp := e.put(secretMsg, "outbound", "staff@b.trust.example", []string{"x@other.example"}, "offensive_language")
	e.now = e.now.AddDate(0, 0, 31)
	if res, err := e.srv.Purge(ctx); err != nil || len(res.Expired) != 2 {
		t.Fatalf("purge: %+v %v", res, err) // exp and in2
	}
	got = next.Messages()[4:]
	var expiry []string
	for _, m := range got {
		if strings.Contains(string(m.Data), "retention period") {
			expiry = append(expiry, m.To[0])
		}
	}
	if len(expiry) != 1 || expiry[0] != "staff@b.trust.example" || !strings.Contains(strings.Join(expiry, ""), "b.trust") {
		t.Errorf("expiry notices to %v", expiry)
	}
	_ = exp
	// The recipients' digest lists the subject of their own held mail
	// (issue 14); nothing else carries content, and nothing the body.
	for i, m := range next.Messages() {
		d := string(m.Data)
		digest := strings.Contains(d, "Subject: Messages held for you")
		if strings.Contains(d, "SECRET-BODY") || !digest && strings.Contains(d, "SECRET") {
			t.Errorf("notice %d carries content:\n%s", i, m.Data)
		}
		if digest && !strings.Contains(d, "Subject: SECRET-SUBJECT pupil list") {
			t.Errorf("digest %d lacks the subject:\n%s", i, d)
		}
	}
}
