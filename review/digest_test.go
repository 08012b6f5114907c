package review

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/quarantine"
)

var linkRe = regexp.MustCompile(`https://review\.trust\.example/digest/request\?t=([A-Za-z0-9_.-]+)`)

// digestEnv holds two inbound messages for t1 and sends the day's digest;
// it returns the env, the ids and t1's links by message.
func digestEnv(t *testing.T) (*env, []string, map[string]string, *smtptest.Server) {
	t.Helper()
	next := smtptest.Start(t, nil)
	qdir := t.TempDir()
	e := newEnv(t, func(c *config.Config) {
		c.NextHop.Inbound = "smtp://" + next.Addr
		c.NextHop.Outbound = "smtp://" + next.Addr
		c.Review.BaseURL = "https://review.trust.example"
		c.Quarantine.Dir = qdir
	})
	e.now = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	a := e.put([]byte("From: a@outside.example\r\nTo: t1@a.trust.example\r\nSubject: Trip forms for Year 6\r\n\r\nbody A\r\n"),
		"inbound", "a@outside.example", []string{"t1@a.trust.example"}, "suspicious_attachment")
	b := e.put([]byte("From: b@outside.example\r\nTo: t1@a.trust.example\r\nSubject: Invoice 42\r\n\r\nbody B\r\n"),
		"inbound", "b@outside.example", []string{"t1@a.trust.example", "t2@a.trust.example"}, "chain_mail")
	e.now = e.now.Add(2 * time.Hour) // past the 07:00 digest
	e.srv.SendNotices(t.Context())
	e.srv.SendNotices(t.Context()) // idempotent: once a day
	var digest string
	for _, m := range next.Messages() {
		if m.To[0] == "t1@a.trust.example" {
			if digest != "" {
				t.Fatal("two digests for t1")
			}
			digest = string(m.Data)
		}
	}
	for _, want := range []string{"Subject: Trip forms for Year 6", "Subject: Invoice 42", "from a@outside.example", "2026-11-23 05:00 GMT", "works once, until"} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
	if strings.Contains(digest, "body A") {
		t.Error("digest carries a body")
	}
	links := map[string]string{}
	for _, m := range linkRe.FindAllStringSubmatch(digest, -1) {
		id, _, _, err := e.srv.verifyDigestToken(m[1], e.now)
		if err != nil {
			t.Fatalf("a link of the digest does not verify: %v", err)
		}
		links[id] = m[1]
	}
	if len(links) != 2 || links[a] == "" || links[b] == "" {
		t.Fatalf("digest links %v:\n%s", links, digest)
	}
	return e, []string{a, b}, links, next
}

// TestDigestLink: the digest's link needs no login, shows a button (GET
// changes nothing), and its POST records one release request, audited;
// a reused, tampered, expired or stale link is refused.
func TestDigestLink(t *testing.T) {
	e, ids, links, _ := digestEnv(t)
	a, b := ids[0], ids[1]
	var anon *browser = &browser{e: e}
	page := anon.get("/digest/request?t=" + links[a])
	body := readBody(page)
	if page.StatusCode != 200 || !strings.Contains(body, `id="digest-request"`) || !strings.Contains(body, "a@outside.example") {
		t.Fatalf("link page: %d\n%s", page.StatusCode, body)
	}
	if r, _ := e.store.Get(t.Context(), a); len(r.ReleaseRequests) != 0 {
		t.Fatal("opening the link requested a release")
	}
	post := func(tok string) (int, string) {
		resp := anon.post("/digest/request", url.Values{"t": {tok}, "csrf": {""}})
		return resp.StatusCode, readBody(resp)
	}
	if code, body := post(links[a]); code != 200 || !strings.Contains(body, "Your request has been recorded") {
		t.Fatalf("request: %d\n%s", code, body)
	}
	r, _ := e.store.Get(t.Context(), a)
	if len(r.ReleaseRequests) != 1 || r.ReleaseRequests[0].Who != "recipient t1@a.trust.example" || r.Status != quarantine.Held {
		t.Errorf("record after request: %+v", r.ReleaseRequests)
	}
	if !audited(e, func(x quarantine.AuditEvent) bool {
		return x.What == "request-release" && x.Who == "t1@a.trust.example" && x.Role == "recipient" && x.ID == a
	}) {
		t.Error("request not audited")
	}
	// Reused.
	if code, body := post(links[a]); code != 409 || !strings.Contains(body, "already requested") {
		t.Errorf("reuse: %d", code)
	}
	if c := anon.get("/digest/request?t=" + links[a]).StatusCode; c != 409 {
		t.Errorf("reopened used link: %d", c)
	}
	// Tampered: another message's id, another recipient, a changed MAC.
	tok := links[b]
	p64, m64, _ := strings.Cut(tok, ".")
	forged := map[string]string{
		"mac of another link": p64 + "." + strings.SplitN(links[a], ".", 2)[1],
		"flipped mac":         p64 + "." + flip(m64),
		"flipped payload":     flip(p64) + "." + m64,
		"no mac":              p64,
		"garbage":             "%%%.@@@",
	}
	for name, f := range forged {
		if code, _ := post(f); code != 400 {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	if !audited(e, func(x quarantine.AuditEvent) bool {
		return x.What == "denied" && strings.Contains(x.Detail, "not valid")
	}) {
		t.Error("refused link not audited")
	}
	// A link for a recipient other than the message's.
	other, _ := e.srv.digestToken(b, "someone@a.trust.example", e.now.Add(time.Hour))
	if code, _ := post(other); code != 410 {
		t.Errorf("link for a non-recipient: %d", code)
	}
	// Expired.
	real := e.now
	e.now = e.now.Add(e.cfg.Review.Notices.DigestLinkTTL.D() + time.Minute)
	if code, body := post(tok); code != 410 || !strings.Contains(body, "expired") {
		t.Errorf("expired: %d", code)
	}
	e.now = real
	// Released meanwhile.
	admin := e.login("admin")
	admin.post("/messages/"+b+"/release", nil)
	if code, _ := post(tok); code != 410 {
		t.Errorf("after release: %d", code)
	}
	// Guessing: after 20 refused links from one address, 429 there, and
	// one audit record of the lockout.
	before := countAudit(e, "denied", "")
	codes := map[int]int{}
	for range 30 {
		c, _ := post("x" + tok)
		codes[c]++
	}
	if codes[429] < 10 || codes[400] > 20 {
		t.Errorf("refused-link answers %v", codes)
	}
	if n := countAudit(e, "denied", "") - before; n != codes[400]+1 {
		t.Errorf("%d denied records for %d refusals and a lockout", n, codes[400])
	}
}

func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestDigestKey: without digest_key, a key is generated once in
// quarantine.dir (mode 0600) and another server on the same folder (a
// second gateway, a restart) accepts the first's links; a configured key
// is used as given, and a different key refuses them.
func TestDigestKey(t *testing.T) {
	qdir := t.TempDir()
	mk := func(key string) *env {
		return newEnv(t, func(c *config.Config) {
			c.Quarantine.Dir = qdir
			c.Review.Notices.DigestKey = key
		})
	}
	e1, e2 := mk(""), mk("")
	exp := e1.now.Add(time.Hour)
	tok, err := e1.srv.digestToken("abcdefghij2345672345", "t1@a.trust.example", exp)
	if err != nil {
		t.Fatal(err)
	}
	if _, rcpt, _, err := e2.srv.verifyDigestToken(tok, e1.now); err != nil || rcpt != "t1@a.trust.example" {
		t.Errorf("second server: %q %v", rcpt, err)
	}
	fi, err := os.Stat(filepath.Join(qdir, "digest.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
	e3 := mk(strings.Repeat("k", 40))
	if _, _, _, err := e3.srv.verifyDigestToken(tok, e1.now); err != errLinkInvalid {
		t.Errorf("another key: %v", err)
	}
	if _, err := config.Parse([]byte("domains: [a.example]\nreview: {notices: {digest_key: short}}\n")); err == nil {
		t.Error("a short digest_key is accepted")
	}
	if !slices.Contains(config.NoticeKinds, "inbound_digest") {
		t.Error("notice kinds")
	}
}
