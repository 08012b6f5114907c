package review

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTrackingAndStats drives the tracking search and the
// statistics page in headless Chromium: log in, search by the queue id of
// a 250 reply, follow the held copy's link, and open the statistics with
// their charts (drawn under the page's CSP, no script needed). The
// statistics screenshot goes to $MAILWARD_SCREENSHOTS/stats.png when set.
func TestBrowserTrackingAndStats(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (install Debian package chromium)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	e, _ := trackEnv(t, true)
	web := httptest.NewServer(e.h)
	t.Cleanup(web.Close)
	base := strings.Replace(web.URL, "localhost", "127.0.0.1", 1)
	shots := t.TempDir()
	if d := os.Getenv("MAILWARD_SCREENSHOTS"); d != "" {
		shots = d
		os.MkdirAll(d, 0o755)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 2600))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 150*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	shot := func(name string) chromedp.Action[chromedp.Void] { return screenshot(t, shots, name) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/tracking"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login")),
		waitPage("/tracking"),
		chromedp.WaitVisible(chromedp.ID("t-queue")),
		chromedp.SendKeys(chromedp.ID("t-queue"), "qa1b2c3d4e5f"),
		chromedp.Click(chromedp.ID("t-search")),
		waitPage("queue_id=qa1b2c3d4e5f"),
		chromedp.WaitVisible(chromedp.CSS("table.tracking")),
		shot("tracking"),
	)
	if err != nil {
		t.Fatalf("tracking search: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.trow").length`))
	if err != nil || rows != 1 {
		t.Fatalf("%d rows (%v), want 1", rows, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.held")), waitPage("/messages/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatalf("held copy link: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("nav-stats")),
		waitPage("/stats"),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
		shot("stats"),
	)
	if err != nil {
		t.Fatalf("statistics: %v", err)
	}
	// The charts are drawn: bars with real size in every non-empty chart.
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("svg.chart rect.bar")].filter(r => r.getBBox().height > 0 && r.getBBox().width > 0).length`))
	if err != nil || bars < 20 {
		t.Errorf("%d drawn bars (%v)", bars, err)
	}
	charts, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart").length`))
	if charts != 6 {
		t.Errorf("%d charts, want 6", charts)
	}
}
