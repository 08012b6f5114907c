package milter

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/metrics"
)

// mta drives the milter as an MTA would, with go-milter's client (the
// library's own MTA side, which its authors test against Postfix and
// Sendmail): one message, event by event.
type mta struct {
	client  string // the SMTP client's address
	auth    string // {auth_authen}: the client logged in as this user
	from    string
	rcpts   []string
	headers [][2]string
	body    string
}

// outcome of one run: the reply to the first refused event (or the end),
// the modifications asked for, and the replies to each RCPT.
type mtaResult struct {
	act  *gomilter.Action
	mods []gomilter.ModifyAction
	rcpt []*gomilter.Action
}

func (m mta) run(t *testing.T, addr string) mtaResult {
	t.Helper()
	s := m.open(t, addr)
	defer s.Close()
	var r mtaResult
	if r.act = m.envelope(t, s, &r); r.act != nil {
		return r
	}
	if r.act = m.content(t, s, m.body); r.act != nil {
		return r
	}
	var err error
	if r.mods, r.act, err = s.End(); err != nil {
		t.Fatalf("end of message: %v", err)
	}
	return r
}

func (m mta) open(t *testing.T, addr string) *gomilter.ClientSession {
	t.Helper()
	macros := gomilter.NewMacroBag()
	macros.Set(gomilter.MacroAuthAuthen, m.auth)
	s, err := gomilter.NewClient("tcp", addr).Session(macros)
	if err != nil {
		t.Fatalf("milter session: %v", err)
	}
	return s
}

// envelope sends connect to RCPT; it returns the refusal that ended the
// transaction, if any. A refused RCPT ends it only when it was the last.
func (m mta) envelope(t *testing.T, s *gomilter.ClientSession, r *mtaResult) *gomilter.Action {
	t.Helper()
	check := func(act *gomilter.Action, err error) *gomilter.Action {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if act.StopProcessing() {
			return act
		}
		return nil
	}
	if a := check(s.Conn("client.example", gomilter.FamilyInet, 25, m.client)); a != nil {
		return a
	}
	if a := check(s.Helo("client.example")); a != nil {
		return a
	}
	if a := check(s.Mail(m.from, "")); a != nil {
		return a
	}
	accepted := 0
	for _, rc := range m.rcpts {
		act, err := s.Rcpt(rc, "")
		if err != nil {
			t.Fatal(err)
		}
		r.rcpt = append(r.rcpt, act)
		if !act.StopProcessing() {
			accepted++
		}
	}
	if accepted == 0 {
		return r.rcpt[len(r.rcpt)-1]
	}
	return check(s.DataStart())
}

// content sends the header fields and the body in 64 KiB chunks.
func (m mta) content(t *testing.T, s *gomilter.ClientSession, body string) *gomilter.Action {
	t.Helper()
	for _, h := range m.headers {
		act, err := s.HeaderField(h[0], h[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		if act.StopProcessing() {
			return act
		}
	}
	act, err := s.HeaderEnd()
	if err != nil {
		t.Fatal(err)
	}
	if act.StopProcessing() {
		return act
	}
	for first := true; first || len(body) > 0; first = false { // the client needs one chunk at least
		n := min(len(body), 60000)
		act, err := s.BodyChunk([]byte(body[:n]))
		if err != nil {
			t.Fatal(err)
		}
		if act.StopProcessing() {
			return act
		}
		body = body[n:]
	}
	return nil
}

// fixtureMTA is a message from testdata as an MTA passes it on: header
// fields (with their leading space) and body.
func fixtureMTA(t *testing.T, name, client, from, to string) mta {
	t.Helper()
	hdr, body, _ := strings.Cut(readFixture(t, name), "\r\n\r\n")
	m := mta{client: client, from: from, rcpts: []string{to}, body: body}
	for _, line := range strings.Split(hdr, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			m.headers = append(m.headers, [2]string{k, v})
		} else if n := len(m.headers); n > 0 {
			m.headers[n-1][1] += "\r\n" + line
		}
	}
	return m
}

func hasMod(mods []gomilter.ModifyAction, typ gomilter.ModifyActionType, name, value string) bool {
	for _, m := range mods {
		if m.Type != typ {
			continue
		}
		switch typ {
		case gomilter.ActionAddRcpt, gomilter.ActionDelRcpt:
			if m.Rcpt == "<"+name+">" {
				return true
			}
		case gomilter.ActionQuarantine:
			if strings.Contains(m.Reason, value) {
				return true
			}
		default:
			if m.HeaderName == name && strings.Contains(m.HeaderValue, value) {
				return true
			}
		}
	}
	return false
}

// TestProtocol covers what the Postfix test does not reach: the limits,
// trust by login, one direction per transaction, redirect, the hold mode
// and a loop, each with the relay's reply.
func TestProtocol(t *testing.T) {
	store := startMailward(t, "127.0.0.1:0", `  - {name: review-chain, direction: [outbound], category: [chain_mail], action: redirect, redirect_to: review@trust.example}
`)
	hold := startMailwardMode(t, "127.0.0.1:0", config.MilterHold, "")
	plain := [][2]string{{"From", " a@trust.example"}, {"Subject", " hello"}}
	var loop [][2]string
	for range 51 {
		loop = append(loop, [2]string{"Received", " from x by y; Mon, 23 Nov 2026 09:00:00 +0000"})
	}
	chain := "Forward this letter to ten friends within 24 hours or bad luck will follow you. " +
		"This is not a joke. Do not break the chain. Send it to 10 people today and you will have good luck. " +
		"One woman broke the chain and lost her job. Copy this and send it on, it has been around the world nine times.\r\n"

	tests := []struct {
		name  string
		srv   *mailward
		msg   mta
		reply string // the final reply's text prefix, or "accept"/"discard"
		check func(t *testing.T, r mtaResult)
	}{
		{name: "too large", srv: store, msg: mta{client: "192.0.2.1", from: "a@x.example", rcpts: []string{"office@trust.example"},
			headers: plain, body: strings.Repeat("x", 310000)}, reply: "552 5.3.4"},
		{name: "relay denied", srv: store, msg: mta{client: "192.0.2.1", from: "a@x.example", rcpts: []string{"b@elsewhere.example"},
			headers: plain, body: "hi\r\n"}, reply: "554 5.7.1 Relay access denied"},
		{name: "login makes trusted", srv: store, msg: mta{client: "192.0.2.1", auth: "j.smith", from: "j.smith@trust.example",
			rcpts: []string{"b@elsewhere.example"}, headers: plain, body: "hi\r\n"}, reply: "accept",
			check: func(t *testing.T, r mtaResult) {
				if len(r.mods) != 0 { // outbound: no verdict fields
					t.Errorf("outbound got modifications %v", r.mods)
				}
			}},
		{name: "one direction per transaction", srv: store, msg: mta{client: "127.0.0.1", from: "j.smith@trust.example",
			rcpts: []string{"office@trust.example", "b@elsewhere.example"}, headers: plain, body: "hi\r\n"}, reply: "accept",
			check: func(t *testing.T, r mtaResult) {
				if r.rcpt[1].SMTPCode != 452 || !strings.Contains(r.rcpt[1].SMTPReply, "4.5.3") {
					t.Errorf("second direction got %v", r.rcpt[1])
				}
			}},
		{name: "mail loop", srv: store, msg: mta{client: "192.0.2.1", from: "a@x.example", rcpts: []string{"office@trust.example"},
			headers: append(loop, plain...), body: "hi\r\n"}, reply: "554 5.4.6"},
		{name: "redirect", srv: store, msg: mta{client: "127.0.0.1", from: "j.smith@trust.example", rcpts: []string{"friend@elsewhere.example"},
			headers: plain, body: chain}, reply: "accept",
			check: func(t *testing.T, r mtaResult) {
				if !hasMod(r.mods, gomilter.ActionAddRcpt, "review@trust.example", "") || !hasMod(r.mods, gomilter.ActionDelRcpt, "friend@elsewhere.example", "") {
					t.Errorf("recipients not replaced: %v", r.mods)
				}
			}},
		{name: "hold mode", srv: hold, msg: fixtureMTA(t, "offensive.eml", "127.0.0.1", "j.smith@trust.example", "b@elsewhere.example"), reply: "accept",
			check: func(t *testing.T, r mtaResult) {
				if !hasMod(r.mods, gomilter.ActionQuarantine, "", "offensive_language") {
					t.Errorf("no hold asked for: %v", r.mods)
				}
				if n := len(hold.held(t)); n != 0 {
					t.Errorf("hold mode stored %d messages in mailward's quarantine", n)
				}
			}},
		{name: "store mode", srv: store, msg: fixtureMTA(t, "offensive.eml", "127.0.0.1", "j.smith@trust.example", "b@elsewhere.example"), reply: "discard",
			check: func(t *testing.T, r mtaResult) {
				if n := len(store.held(t)); n != 1 {
					t.Errorf("store mode: %d messages held", n)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.msg.run(t, tc.srv.addr)
			switch tc.reply {
			case "accept":
				if r.act.Type != gomilter.ActionAccept {
					t.Fatalf("got %v, want accept", r.act)
				}
			case "discard":
				if r.act.Type != gomilter.ActionDiscard {
					t.Fatalf("got %v, want discard", r.act)
				}
			default:
				if r.act.Type != gomilter.ActionRejectWithCode || !strings.HasPrefix(r.act.SMTPReply, tc.reply) {
					t.Fatalf("got %v, want %q", r.act, tc.reply)
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestReplyMetrics: the milter's refusals are counted with the relay's,
// under the same reason names.
func TestReplyMetrics(t *testing.T) {
	m := startMailward(t, "127.0.0.1:0", "")
	mta{client: "192.0.2.1", from: "a@x.example", rcpts: []string{"b@elsewhere.example"}}.run(t, m.addr)
	mta{client: "192.0.2.1", from: "a@x.example", rcpts: []string{"office@trust.example"},
		headers: [][2]string{{"Subject", " big"}}, body: strings.Repeat("x", 310000)}.run(t, m.addr)
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, series := range []string{
		`mailward_replies_total{code="554",reason="relay_denied",stage="rcpt"}`,
		`mailward_replies_total{code="552",reason="too_large",stage="data"}`,
	} {
		if !regexp.MustCompile(regexp.QuoteMeta(series) + ` [1-9]`).MatchString(rec.Body.String()) {
			t.Errorf("no count in %s", series)
		}
	}
}

// TestInflightBudget: a second message that does not fit beside the first
// in limits.max_inflight_bytes is deferred (451 4.3.1, the relay's reply);
// the first, alone in flight, always fits; its memory is given back.
func TestInflightBudget(t *testing.T) {
	m := startMailward(t, "127.0.0.1:0", "limits: {max_inflight_bytes: 1048576}\n")
	big := strings.Repeat("abcdefghij", 29000) // 290 KB, charged 1160 KB
	first := mta{client: "192.0.2.1", from: "a@x.example", rcpts: []string{"office@trust.example"},
		headers: [][2]string{{"Subject", " one"}}}
	s := first.open(t, m.addr)
	var r mtaResult
	if a := first.envelope(t, s, &r); a != nil {
		t.Fatal(a)
	}
	if a := first.content(t, s, big); a != nil {
		t.Fatalf("first message refused: %v", a)
	}
	second := first
	if got := second.run(t, m.addr); got.act.Type != gomilter.ActionRejectWithCode || !strings.HasPrefix(got.act.SMTPReply, "451 4.3.1") {
		t.Fatalf("second message: %v", got.act)
	}
	if _, act, err := s.End(); err != nil || act.Type != gomilter.ActionAccept {
		t.Fatalf("first message end: %v %v", act, err)
	}
	s.Close()
	waitFor(t, "the budget to empty", 5*time.Second, func() bool { return m.srv.inflight.Used() == 0 })
}
