package review

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"net/http/httptest"
)

const chromiumPath = "/usr/bin/chromium"

// TestBrowser drives the page in headless Chromium as a reviewer would:
// log in, filter, open a message, release it; opens a hostile HTML message
// and checks that no script ran. Screenshots go to the test's temporary
// folder, or to $MAILWARD_SCREENSHOTS when set (CI keeps them there).
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (install Debian package chromium)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	next := smtptest.Start(t, nil)
	e := newEnv(t, func(c *config.Config) {
		c.NextHop.Inbound = "smtp://" + next.Addr
		c.NextHop.Outbound = "smtp://" + next.Addr
		c.Review.SecureCookie = nil // the default: Secure cookies, which Chromium accepts from http://127.0.0.1
	})
	e.cfg.Review.SecureCookie = new(bool)
	*e.cfg.Review.SecureCookie = true
	e.now = time.Now()
	e.srv.now = time.Now
	offensive := e.put([]byte("From: staff@a.trust.example\r\nTo: parent@other.example\r\nSubject: About Friday\r\n\r\nPlain words here.\r\n"),
		"outbound", "staff@a.trust.example", []string{"parent@other.example"}, "offensive_language")
	e.put([]byte("From: chain@outside.example\r\nTo: t1@a.trust.example\r\nSubject: Forward this to 10 friends\r\n\r\nLuck.\r\n"),
		"inbound", "chain@outside.example", []string{"t1@a.trust.example"}, "chain_mail")
	hostileID := e.put(fixture(t, "hostile/01-html-only.eml"), "inbound", "attacker@evil.example", []string{"staff@a.trust.example"}, "suspicious_attachment")

	web := httptest.NewServer(e.h)
	t.Cleanup(web.Close)
	base := strings.Replace(web.URL, "localhost", "127.0.0.1", 1)

	shots := t.TempDir()
	if d := os.Getenv("MAILWARD_SCREENSHOTS"); d != "" {
		shots = d
		os.MkdirAll(d, 0o755)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Keep the sandboxed frame in the page's process so that the test
		// can read the DOM the browser built inside it (the sandbox itself,
		// opaque origin and all, is unchanged).
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateSandboxedIframes"),
		chromedp.WindowSize(1280, 1400),
	)
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 150*time.Second)
	defer cancel()

	// Start the browser before subscribing, so that only one goroutine
	// allocates it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var dialogs atomic.Int32
	go func() {
		for _, err := range chromedp.Events(ctx, cdppage.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			dialogs.Add(1)
			chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	shot := func(name string) chromedp.Action[chromedp.Void] { return screenshot(t, shots, name) }

	err := chromedp.Do(ctx,
		// Any page without a login leads to the login form.
		chromedp.Navigate(base+"/messages"),
		chromedp.WaitVisible(chromedp.ID("user")),
		shot("1-login"),
		chromedp.SendKeys(chromedp.ID("user"), "rev"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login")),
		waitPage("/messages"),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
		// Filter by category and submit.
		chromedp.SetValue(chromedp.ID("f-category"), "offensive_language"),
		chromedp.Click(chromedp.ID("apply")),
		waitPage("category=offensive_language"),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
	)
	if err != nil {
		t.Fatalf("login and filter: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.row").length`))
	if err != nil || rows != 1 {
		t.Fatalf("filtered list has %d rows (%v), want 1", rows, err)
	}
	if err := chromedp.Do(ctx, shot("2-filtered")); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.open")), waitPage("/messages/"+offensive), chromedp.WaitVisible(chromedp.ID("release"))); err != nil {
		t.Fatalf("open: %v", err)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err := chromedp.Do(ctx, shot("3-detail"), chromedp.Click(chromedp.ID("release")), waitPage("done=release"), chromedp.WaitVisible(chromedp.CSS(".done")), shot("4-released")); err != nil {
		t.Fatalf("release: %v", err)
	}
	done, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".done")))
	if title != "About Friday" || !strings.Contains(done, "Release done") {
		t.Errorf("title %q, done %q", title, done)
	}
	got := next.Messages()
	if len(got) != 1 || got[0].To[0] != "parent@other.example" || !strings.Contains(string(got[0].Data), "X-Mailward-Released-By: rev; ") {
		t.Fatalf("next hop got %d messages", len(got))
	}
	r, _ := e.store.Get(t.Context(), offensive)
	if r.Status != "released" {
		t.Errorf("status %s", r.Status)
	}

	// The hostile message: shown in the sandboxed frame, no script runs.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/messages/"+hostileID),
		waitPage("/messages/"+hostileID),
		chromedp.WaitVisible(chromedp.CSS("iframe.body")),
		chromedp.Sleep(3*time.Second),
		shot("5-hostile"),
		chromedp.ScrollIntoView(chromedp.CSS("iframe.body")),
		shot("6-hostile-frame"),
	)
	if err != nil {
		t.Fatalf("hostile: %v", err)
	}
	// What the browser really built inside the frame: the text is there,
	// and nothing active or remote.
	depth, pierce := int64(-1), true
	doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{Depth: &depth, Pierce: &pierce})
	if err != nil {
		t.Fatal(err)
	}
	var frameText strings.Builder
	var frameElems []string
	var walk func(n *cdp.Node, inFrame bool)
	walk = func(n *cdp.Node, inFrame bool) {
		if inFrame && n.NodeType == 3 {
			frameText.WriteString(n.NodeValue)
		}
		if inFrame && n.NodeType == 1 {
			frameElems = append(frameElems, strings.ToLower(n.NodeName))
		}
		if n.NodeName == "IFRAME" && n.ContentDocument != nil {
			walk(n.ContentDocument, true)
		}
		for _, c := range n.Children {
			walk(c, inFrame)
		}
	}
	walk(doc.Root, false)
	if !strings.Contains(frameText.String(), "Dear colleague, please see the invoice") {
		t.Errorf("frame text %q", frameText.String())
	}
	for _, el := range frameElems {
		switch el {
		case "script", "img", "svg", "iframe", "object", "embed", "form", "input", "a", "base", "link":
			t.Errorf("the frame holds a live <%s>", el)
		}
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened: a script in the message ran", n)
	}
	// The frame was loaded with the session (its view is audited).
	ev, _ := e.store.ReadAudit()
	framed := false
	for _, x := range ev {
		framed = framed || x.What == "view-body" && x.ID == hostileID && x.Who == "rev"
	}
	if !framed {
		t.Error("the body frame was not loaded for the logged-in reviewer")
	}
}

// waitPage waits for a loaded page whose URL contains part, so that a
// click never lands on the page being left. The URL and the ready state
// are read in the page itself, in one evaluation: the browser's idea of the
// tab's URL changes when a navigation starts, while the document is still
// the old one.
func waitPage(part string) chromedp.Action[chromedp.Void] {
	expr := fmt.Sprintf("location.href.includes(%q) && document.readyState === 'complete'", part)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			if ok, err := chromedp.Evaluate[bool](expr)(ctx, tg); err == nil && ok {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
				loc, _ := chromedp.Location()(lctx, tg)
				cancel()
				return chromedp.Void{}, fmt.Errorf("waiting for a page at %q (now %q): %w", part, loc, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// screenshot saves a viewport screenshot to dir/name.png. Headless
// Chromium sometimes never delivers a capture (it waits for a frame that
// nothing triggers), so each try has its own deadline and the next one
// first nudges the page to paint. The viewport only: captureBeyondViewport
// (FullScreenshot) hangs more often and leaves cross-origin frames blank.
func screenshot(t testing.TB, dir, name string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		var err error
		for try := range 4 {
			if try > 0 {
				chromedp.Evaluate[bool](`(window.scrollBy(0, 1), window.scrollBy(0, -1), true)`)(ctx, tg)
			}
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			var buf []byte
			buf, err = chromedp.CaptureScreenshot()(tctx, tg)
			cancel()
			if err == nil {
				p := filepath.Join(dir, name+".png")
				t.Logf("screenshot %s", p)
				return chromedp.Void{}, os.WriteFile(p, buf, 0o644)
			}
			if ctx.Err() != nil {
				break
			}
			t.Logf("screenshot %s, try %d: %v", name, try+1, err)
		}
		return chromedp.Void{}, fmt.Errorf("screenshot %s: %w", name, err)
	}
}
