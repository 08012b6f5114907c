package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"github.com/mailward/mailward/internal/pgtest"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/pgstore"
	"github.com/mailward/mailward/quarantine"
)

// These tests run two real `mailward serve` binaries on one PostgreSQL
// store (store.url), with a real go-smtp next hop.

const reviewPassword = "correct horse battery staple"

// gateway is one `mailward serve` of a shared-store test.
type gateway struct {
	cfg, listen, review string
	qdir                string
	cmd                 *exec.Cmd
	log                 *lockedBuffer
}

// sharedConfig writes a config that holds every internal message, on the
// shared store at dbURL.
func sharedConfig(t *testing.T, hop, dbURL string) *gateway {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(reviewPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	g := &gateway{listen: freeAddr(t), review: freeAddr(t), qdir: filepath.Join(work, "quarantine")}
	g.cfg = writeConfig(t, fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: %s
hostname: mailward.test
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s/quarantine
review:
  listen: %s
  secure_cookie: false
  users:
    - name: it
      role: admin
      password_hash: '%s'
metrics:
  listen: %s
store:
  url: %q
tracker:
  sender_messages_per_hour: 1000000
  sender_recipients_per_hour: 1000000
rules:
  - name: hold-everything
    direction: [internal]
    action: quarantine
`, g.listen, hop, hop, work, g.review, hash, freeAddr(t), dbURL))
	return g
}

func (g *gateway) start(t *testing.T) {
	t.Helper()
	g.cmd, g.log = serveProc(t, filepath.Dir(g.cfg), g.cfg, g.listen)
	waitListening(t, g.review)
}

func (g *gateway) stop() {
	g.cmd.Process.Signal(syscall.SIGTERM)
	g.cmd.Wait()
}

// sendHeld sends one message through g and returns the reply code (250,
// 451, ...) or 0 when the session failed before any reply.
func sendHeld(addr, subject string) int {
	c, err := gosmtp.Dial(addr)
	if err != nil {
		return 0
	}
	defer c.Close()
	code := func(err error) int {
		if err == nil {
			return 250
		}
		if se, ok := err.(*gosmtp.SMTPError); ok {
			return se.Code
		}
		return 0
	}
	if err := c.Mail("head@trust.example", nil); err != nil {
		return code(err)
	}
	if err := c.Rcpt("office@trust.example", nil); err != nil {
		return code(err)
	}
	w, err := c.Data()
	if err != nil {
		return code(err)
	}
	fmt.Fprintf(w, "From: head@trust.example\r\nTo: office@trust.example\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\nThe timetable for next week.\r\n", subject, subject)
	err = w.Close()
	c.Quit()
	return code(err)
}

// api calls the review API of g as the admin (HTTP Basic, as a script).
func api(t *testing.T, method, addr, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path, rd)
	req.SetBasicAuth("it", reviewPassword)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// login logs in on the review page at addr with the form, as a browser
// does, and returns the session cookie.
func login(t *testing.T, addr string) *http.Cookie {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var loginTok *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "mailward_login" {
			loginTok = c
		}
	}
	if loginTok == nil {
		t.Fatal("no login cookie")
	}
	form := url.Values{"csrf": {loginTok.Value}, "user": {"it"}, "password": {reviewPassword}}
	req, _ := http.NewRequest("POST", "http://"+addr+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(loginTok)
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "mailward_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("login answered %s without a session", resp.Status)
	return nil
}

// whoAmI returns the user the session cookie logs in as on addr, "" when
// it does not.
func whoAmI(t *testing.T, addr string, c *http.Cookie) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/me", nil)
	req.AddCookie(c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct{ User string }
	json.NewDecoder(resp.Body).Decode(&me)
	return me.User
}

// TestSharedStoreTwoGateways: `mailward store migrate`, then two serve
// instances on one PostgreSQL database. Messages held by gateway A are
// listed and shown by gateway B; each is released by A and B at once (three
// requests each) and reaches the next hop exactly once, one request
// reporting the release and the others "already". A reviewer logged in on
// A is logged in on B, and still after A restarts.
func TestSharedStoreTwoGateways(t *testing.T) {
	dbURL := pgtest.Database(t)
	hop := smtptest.Start(t, nil)
	a, b := sharedConfig(t, hop.Addr, dbURL), sharedConfig(t, hop.Addr, dbURL)

	// serve refuses an unmigrated store rather than 451 every hold.
	if code, _, stderr := runCLI(t, "quarantine", "list", "-config", a.cfg); code != 1 || !strings.Contains(stderr, "store migrate") {
		t.Errorf("quarantine list before migrate: exit %d, %q", code, stderr)
	}
	if code, out, stderr := runCLI(t, "store", "migrate", "-config", a.cfg); code != 0 || !strings.Contains(out, "applied migration 0001") {
		t.Fatalf("store migrate: exit %d, %q %q", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "store", "migrate", "-config", b.cfg); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second store migrate: exit %d, %q", code, out)
	}
	// A message held in A's local folder before the move: imported twice,
	// present once.
	local, err := quarantine.OpenDir(a.qdir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := local.Put(context.Background(), []byte("Subject: held-before\r\n\r\nold\r\n"),
		&quarantine.Record{From: "head@trust.example", To: []string{"office@trust.example"}, Direction: "internal", Subject: "held-before"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"imported 1 held messages, 0 already", "imported 0 held messages, 1 already"} {
		if code, out, stderr := runCLI(t, "store", "import", "-config", a.cfg); code != 0 || !strings.Contains(out, want) {
			t.Fatalf("store import: exit %d, %q %q; want %q", code, out, stderr, want)
		}
	}
	if code, out, _ := runCLI(t, "quarantine", "list", "-config", b.cfg); code != 0 || !strings.Contains(out, "office@trust.example") {
		t.Errorf("quarantine list through B's config after import: exit %d, %q", code, out)
	}
	a.start(t)
	b.start(t)

	const n = 8
	for i := range n {
		if code := sendHeld(a.listen, fmt.Sprintf("held-%d", i)); code != 250 {
			t.Fatalf("message %d through A: %d, want 250", i, code)
		}
	}
	var list struct {
		Messages []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"messages"`
		Total int `json:"total"`
	}
	if code := api(t, "GET", b.review, "/api/messages", nil, &list); code != 200 || list.Total != n+1 {
		t.Fatalf("B lists %d held messages (HTTP %d), want %d", list.Total, code, n+1)
	}
	list.Messages = slices.DeleteFunc(list.Messages, func(m struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}) bool {
		r, _ := local.Get(context.Background(), m.ID)
		return r != nil
	})
	for _, m := range list.Messages {
		var show struct {
			ID      string `json:"id"`
			Subject string `json:"subject"`
		}
		if code := api(t, "GET", b.review, "/api/messages/"+m.ID, nil, &show); code != 200 || !strings.HasPrefix(show.Subject, "held-") {
			t.Errorf("B shows %s: HTTP %d, %+v", m.ID, code, show)
		}
	}

	// Release every message from both gateways at once.
	outcomes := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range list.Messages {
		for _, g := range []*gateway{a, b, a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var res struct {
					Outcome string `json:"outcome"`
					Error   string `json:"error"`
				}
				code := api(t, "POST", g.review, "/api/messages/"+m.ID+"/release", map[string]any{}, &res)
				mu.Lock()
				outcomes[m.ID] = append(outcomes[m.ID], fmt.Sprintf("%d %s%s", code, res.Outcome, res.Error))
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for id, os := range outcomes {
		released := 0
		for _, o := range os {
			if o == "200 release" {
				released++
			} else if !strings.Contains(o, "already") && !strings.Contains(o, "released") {
				t.Errorf("%s: unexpected answer %q", id, o)
			}
		}
		if released != 1 {
			t.Errorf("%s: %d requests released it, want 1 (%q)", id, released, os)
		}
	}
	copies := map[string]int{}
	for _, m := range hop.Messages() {
		if bytes.Contains(m.Data, []byte("X-Mailward-Released-By:")) {
			for i := range n {
				if bytes.Contains(m.Data, []byte(fmt.Sprintf("Subject: held-%d\r\n", i))) {
					copies[fmt.Sprint(i)]++
				}
			}
		}
	}
	for i := range n {
		if copies[fmt.Sprint(i)] != 1 {
			t.Errorf("held-%d reached the next hop %d times, want once", i, copies[fmt.Sprint(i)])
		}
	}

	// One login, valid on both gateways and across a restart.
	cookie := login(t, a.review)
	if u := whoAmI(t, b.review, cookie); u != "it" {
		t.Errorf("A's session on B: logged in as %q, want it", u)
	}
	a.stop()
	a.start(t)
	if u := whoAmI(t, a.review, cookie); u != "it" {
		t.Errorf("after A restarted: logged in as %q, want it", u)
	}
	// Logging out on B ends the session on A too.
	req, _ := http.NewRequest("GET", "http://"+b.review+"/api/me", nil)
	req.AddCookie(cookie)
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	req, _ = http.NewRequest("POST", "http://"+b.review+"/logout", strings.NewReader(url.Values{"csrf": {me.CSRF}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	if resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req); err == nil {
		resp.Body.Close()
	}
	if u := whoAmI(t, a.review, cookie); u != "" {
		t.Errorf("after logout on B, A still knows the session as %q", u)
	}
}

// TestSharedStorePostgresKilled: four senders push messages through one
// gateway while its PostgreSQL (started by the test) is killed with
// SIGKILL and restarted. Every message is answered 250 or 4xx; a 4xx is
// retried, as a sending MTA does, until it gets 250. In the end every
// message is in the quarantine exactly once: no 250 without a committed
// hold, no hold left twice by a retry.
func TestSharedStorePostgresKilled(t *testing.T) {
	pg := pgtest.Start(t)
	dbURL := pgtest.NewDatabase(t, pg.URL)
	if _, err := pgstore.Migrate(context.Background(), dbURL, pgstore.Options{}); err != nil {
		t.Fatal(err)
	}
	hop := smtptest.Start(t, nil)
	g := sharedConfig(t, hop.Addr, dbURL)
	g.start(t)

	const senders, each = 4, 30
	var mu sync.Mutex
	replies := map[int]int{} // reply code -> count
	var wg sync.WaitGroup
	sent := make(chan struct{}, senders*each)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				subject := fmt.Sprintf("msg-%d-%d", s, i)
				for try := 0; ; try++ {
					code := sendHeld(g.listen, subject)
					mu.Lock()
					replies[code]++
					mu.Unlock()
					if code == 250 {
						break
					}
					if code != 0 && code/100 != 4 || try > 200 {
						t.Errorf("%s: reply %d after %d tries", subject, code, try)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
				sent <- struct{}{}
			}
		}()
	}
	// Kill PostgreSQL once a quarter of the mail is through, keep it down
	// for two seconds, bring it back; then again.
	for round := range 2 {
		for range senders * each / 4 {
			<-sent
		}
		pg.Kill()
		t.Logf("round %d: PostgreSQL killed", round)
		time.Sleep(2 * time.Second)
		pg.Restart()
	}
	wg.Wait()
	t.Logf("replies: %v", replies)
	if replies[451] == 0 {
		t.Error("no 451 while PostgreSQL was down: the kill missed the traffic")
	}

	db, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A hold whose commit outcome was unknown is removed in the background
	// once the database answers: wait for the count to settle.
	var count map[string]int
	deadline := time.Now().Add(20 * time.Second)
	for {
		recs, err := db.Quarantine().List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		count = map[string]int{}
		for _, r := range recs {
			count[r.Subject]++
		}
		if len(recs) == senders*each || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for s := range senders {
		for i := range each {
			if c := count[fmt.Sprintf("msg-%d-%d", s, i)]; c != 1 {
				t.Errorf("msg-%d-%d is held %d times, want 1", s, i, c)
			}
		}
	}
	if len(count) != senders*each {
		t.Errorf("%d distinct held messages, want %d", len(count), senders*each)
	}
	// Every record has its bytes.
	recs, _ := db.Quarantine().List(context.Background())
	for _, r := range recs {
		if _, err := db.Quarantine().Raw(context.Background(), r.ID); err != nil {
			t.Errorf("%s (%s): %v", r.ID, r.Subject, err)
		}
	}
}
