package review

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/quarantine"
)

// chromium is one headless Chromium for a test, with the helpers the
// browser tests share: screenshots and waiting for a loaded page.
type chromium struct {
	t       *testing.T
	ctx     context.Context
	shots   string
	dialogs atomic.Int32
}

func startChromium(t *testing.T, timeout time.Duration) *chromium {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (install Debian package chromium)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	c := &chromium{t: t, shots: t.TempDir()}
	if d := os.Getenv("MAILWARD_SCREENSHOTS"); d != "" {
		c.shots = d
		os.MkdirAll(d, 0o755)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1100),
	)
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	c.ctx = ctx
	// "Are you sure?" prompts are answered yes.
	go func() {
		for _, err := range chromedp.Events(ctx, cdppage.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			c.dialogs.Add(1)
			chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return c
}

// shot saves a viewport screenshot into the test's folder.
func (c *chromium) shot(name string) chromedp.Action[chromedp.Void] {
	return screenshot(c.t, c.shots, name)
}

func (c *chromium) text(sel string) string {
	s, _ := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	return s
}

func (c *chromium) eval(js string) bool {
	b, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](js))
	return err == nil && b
}

// slowThenDownHop is a next hop that takes a connection, says nothing for
// hold, and hangs up: a release through it runs for a while and then
// fails, as with a next hop that is overloaded and then gone.
func slowThenDownHop(t *testing.T, hold time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				time.Sleep(hold)
				conn.Close()
			}()
		}
	}()
	return "smtp://" + l.Addr().String()
}

// TestBrowserIssue14 drives, in headless Chromium: a recipient's digest
// link (no login; the request recorded once), the failed-release banner
// (progress and a disabled button while the next hop stalls, then the
// truth in red), and an admin's allow and block list management.
func TestBrowserIssue14(t *testing.T) {
	c := startChromium(t, 90*time.Second)
	inbound := smtptest.Start(t, nil)
	dir := t.TempDir()
	e := newEnv(t, func(cfg *config.Config) {
		cfg.NextHop.Inbound = "smtp://" + inbound.Addr
		cfg.NextHop.Outbound = slowThenDownHop(t, 2*time.Second)
		cfg.Quarantine.Dir = dir
		cfg.Lists.Path = filepath.Join(dir, "lists", "lists.db")
		cfg.Review.Notices.OutboundHold = new(bool)
		cfg.Review.Notices.DigestHour = new(int) // midnight: today's digest is due
	})
	e.cfg.Review.SecureCookie = new(bool)
	*e.cfg.Review.SecureCookie = true
	web := httptest.NewServer(e.h)
	t.Cleanup(web.Close)
	base := strings.Replace(web.URL, "localhost", "127.0.0.1", 1)
	e.cfg.Review.BaseURL = base

	// Held yesterday, inbound: in today's digest.
	e.now = time.Now().AddDate(0, 0, -1)
	held := e.put([]byte("From: trips@outside.example\r\nTo: t1@a.trust.example\r\nSubject: Year 6 residential forms\r\n\r\nForms attached.\r\n"),
		"inbound", "trips@outside.example", []string{"t1@a.trust.example"}, "suspicious_attachment")
	e.now = time.Now()
	e.srv.now = time.Now
	out := e.put([]byte("From: staff@a.trust.example\r\nTo: parent@other.example\r\nSubject: About Friday\r\n\r\nPlain words.\r\n"),
		"outbound", "staff@a.trust.example", []string{"parent@other.example"}, "offensive_language")

	// 1. The digest link, opened with no login.
	e.srv.SendNotices(t.Context())
	msgs := inbound.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d digests, want 1", len(msgs))
	}
	link := ""
	for _, f := range strings.Fields(strings.ReplaceAll(string(msgs[0].Data), "=\r\n", "")) {
		if strings.HasPrefix(f, base+"/digest/request?t=") {
			link = f
		}
	}
	if link == "" || !strings.Contains(string(msgs[0].Data), "Year 6 residential forms") {
		t.Fatalf("digest without link or subject:\n%s", msgs[0].Data)
	}
	err := chromedp.Do(c.ctx,
		chromedp.Navigate(link),
		waitPage("/digest/request"),
		chromedp.WaitVisible(chromedp.ID("digest-request")),
		c.shot("14-1-digest-link"),
		chromedp.Click(chromedp.ID("digest-request")),
		chromedp.WaitVisible(chromedp.ID("digest-done")),
		c.shot("14-2-digest-requested"),
	)
	if err != nil {
		t.Fatalf("digest link: %v", err)
	}
	r, _ := e.store.Get(t.Context(), held)
	if len(r.ReleaseRequests) != 1 || r.ReleaseRequests[0].Who != "recipient t1@a.trust.example" || r.Status != quarantine.Held {
		t.Errorf("after the digest request: %+v %s", r.ReleaseRequests, r.Status)
	}
	// The same link again: refused, nothing recorded twice.
	if err := chromedp.Do(c.ctx, chromedp.Navigate(link), waitPage("/digest/request"), chromedp.WaitVisible(chromedp.ID("digest-error"))); err != nil {
		t.Fatalf("reused link: %v", err)
	}
	if got := c.text("#digest-error"); !strings.Contains(got, "already requested") {
		t.Errorf("reused link says %q", got)
	}

	// 2. Log in as admin; release through a next hop that stalls and fails.
	err = chromedp.Do(c.ctx,
		chromedp.Navigate(base+"/messages/"+out),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login")),
		waitPage("/messages/"+out),
		chromedp.WaitVisible(chromedp.ID("release")),
	)
	if err != nil {
		loc, _ := chromedp.Run(c.ctx, chromedp.Location())
		t.Fatalf("login to the message: %v (at %s)", err, loc)
	}
	// What the page shows while the next hop stalls is noted (in the tab's
	// sessionStorage, which outlives the navigation) a moment after the
	// click, and read once the answer came.
	err = chromedp.Do(c.ctx,
		run(`document.getElementById("release-form").addEventListener("submit", function () {
			setTimeout(function () {
				var b = document.getElementById("release"), p = document.querySelector("#release-form .busy");
				sessionStorage.setItem("during", JSON.stringify({disabled: b.disabled, busy: p.hidden ? "" : p.textContent}));
			}, 200);
		})`),
		run(`document.getElementById("release").click()`),
	)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := chromedp.Do(c.ctx, waitPage("done=release-failed"), chromedp.WaitVisible(chromedp.ID("banner")), c.shot("14-4-release-failed")); err != nil {
		t.Fatalf("failed release banner: %v", err)
	}
	during, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`sessionStorage.getItem("during") || ""`))
	if !strings.Contains(during, `"disabled":true`) || !strings.Contains(during, "Releasing") {
		t.Errorf("while the release ran: %s (want the button disabled and progress shown)", during)
	}
	banner := c.text("#banner")
	if !strings.Contains(banner, "Release failed") || strings.Contains(banner, "done") || !c.eval(`document.getElementById("banner").classList.contains("bad")`) {
		t.Errorf("banner %q", banner)
	}
	if r, _ := e.store.Get(t.Context(), out); r.Status != quarantine.Held {
		t.Errorf("status %s after the failed release", r.Status)
	}
	if n := countAudit(e, "release", out); n != 0 {
		t.Errorf("%d successful releases audited", n)
	}

	// 3. Allow and block lists.
	err = chromedp.Do(c.ctx,
		chromedp.Click(chromedp.ID("nav-lists")),
		waitPage("/lists"),
		chromedp.WaitVisible(chromedp.ID("l-match")),
		chromedp.SetValue(chromedp.ID("l-kind"), "block"),
		chromedp.SendKeys(chromedp.ID("l-match"), "evil.example"),
		chromedp.Click(chromedp.ID("l-dir-inbound")),
		chromedp.SetValue(chromedp.ID("l-action"), "quarantine"),
		chromedp.SendKeys(chromedp.ID("l-expires"), "30d"),
		chromedp.SendKeys(chromedp.ID("l-reason"), "phishing run this week"),
		chromedp.Click(chromedp.ID("l-add")),
		waitPage("added=1"),
		chromedp.WaitVisible(chromedp.ID("lists-done")),
		// An allow entry for one category.
		chromedp.SetValue(chromedp.ID("l-kind"), "allow"),
		chromedp.SendKeys(chromedp.ID("l-match"), "partner.example"),
		run(`document.querySelector('#l-category option[value="suspicious_attachment"]').selected = true`),
		chromedp.SendKeys(chromedp.ID("l-reason"), "sends signed installers"),
		chromedp.Click(chromedp.ID("l-add")),
		waitPage("added=2"),
		chromedp.WaitVisible(chromedp.CSS("tr.entry.allow")),
		c.shot("14-5-lists"),
	)
	if err != nil {
		t.Fatalf("lists: %v", err)
	}
	st, err := lists.OpenSQLite(e.cfg.Lists.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, _ := st.List(t.Context())
	if len(es) != 2 || es[0].Kind != lists.Block || es[0].Match != "evil.example" || es[0].Action != "quarantine" || es[0].Expires.IsZero() ||
		es[1].Kind != lists.Allow || len(es[1].Categories) != 1 || es[1].Categories[0] != "suspicious_attachment" || es[1].CreatedBy != "admin" {
		t.Fatalf("stored entries %+v", es)
	}
	// An allow entry for malware is explained, not stored.
	err = chromedp.Do(c.ctx,
		chromedp.SetValue(chromedp.ID("l-kind"), "allow"),
		chromedp.SendKeys(chromedp.ID("l-match"), "partner.example"),
		run(`document.querySelector('#l-category option[value="malware"]').selected = true`),
		chromedp.SendKeys(chromedp.ID("l-reason"), "no"),
		chromedp.Click(chromedp.ID("l-add")),
		chromedp.WaitVisible(chromedp.ID("lists-error")),
	)
	if err != nil || !strings.Contains(c.text("#lists-error"), "never lets malware through") {
		t.Errorf("malware allow: %v %q", err, c.text("#lists-error"))
	}
	// Remove the block entry (the page asks first; the test says yes).
	sel := fmt.Sprintf(`tr.entry[data-id="%d"] button.remove`, es[0].ID)
	err = chromedp.Do(c.ctx, chromedp.Click(chromedp.CSS(sel)), waitPage("removed"), chromedp.WaitVisible(chromedp.ID("lists-done")), c.shot("14-6-lists-removed"))
	if err != nil {
		t.Fatalf("remove: %v", err)
	}
	if es, _ := st.List(t.Context()); len(es) != 1 || es[0].Kind != lists.Allow {
		t.Errorf("after remove: %+v", es)
	}
	if c.dialogs.Load() == 0 {
		t.Error("removing asked nothing")
	}
	if countAudit(e, "lists-add", "") != 2 || countAudit(e, "lists-remove", "") != 1 {
		t.Error("list changes not audited")
	}
	// A narrow phone screen: the lists table scrolls inside its box
	// instead of widening the page.
	err = chromedp.Do(c.ctx, chromedp.EmulateViewport(390, 844), chromedp.Reload(), waitPage("/lists"), chromedp.WaitVisible(chromedp.ID("l-match")), c.shot("14-7-lists-mobile"))
	if err != nil {
		t.Fatalf("mobile: %v", err)
	}
	if !c.eval(`document.documentElement.scrollWidth <= window.innerWidth + 1`) {
		w, _ := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("the page is %dpx wide on a 390px screen", w)
	}
}

// run evaluates a script for its effect.
func run(js string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool]("("+js+", true)")(ctx, tg)
		return chromedp.Void{}, err
	}
}

func countAudit(e *env, what, id string) int {
	ev, _ := e.store.ReadAudit()
	n := 0
	for _, x := range ev {
		if x.What == what && (id == "" || x.ID == id) {
			n++
		}
	}
	return n
}
