package review

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/report/reporttest"
)

// trackEnv is a review server with a real message log holding a few known
// messages (and, with gen, a generated trust's weeks of mail).
func trackEnv(t *testing.T, gen bool) (*env, *msglog.SQLite) {
	t.Helper()
	e := newEnv(t, nil)
	st, err := msglog.OpenSQLite(filepath.Join(t.TempDir(), "tracking.db"), msglog.SQLiteOptions{Location: e.cfg.Tracker.Location()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	heldID := e.put([]byte("From: head@a.trust.example\r\nTo: parent@home.example\r\nSubject: Year 6 list\r\n\r\nnames\r\n"),
		"outbound", "head@a.trust.example", []string{"parent@home.example"}, "pupil_data")
	recs := []msglog.Record{
		{Time: e.now.Add(-2 * time.Hour), QueueID: "qa1b2c3d4e5f", Direction: "outbound", From: "head@a.trust.example", To: []string{"parent@home.example"},
			Size: 4200, Action: "quarantine", Rule: "pupil-data-outbound", Categories: []string{"pupil_data"}, Scores: map[string]float64{"pupil_data": 0.97},
			Reply: "250 2.0.0 Ok: queued as qa1b2c3d4e5f", QuarantineID: heldID},
		{Time: e.now.Add(-time.Hour), QueueID: "qb0000000001", Direction: "inbound", From: "news@outside.example", To: []string{"teacher@b.trust.example"},
			Size: 900, Action: "deliver", Rule: "default", Reply: "250 2.0.0 Ok: queued as qb0000000001"},
		{Time: e.now.Add(-30 * time.Minute), QueueID: "qa0000000002", Direction: "inbound", From: "news@outside.example", To: []string{"teacher@a.trust.example"},
			Size: 900, Action: "deliver", Rule: "default", Reply: "250 2.0.0 Ok: queued as qa0000000002"},
	}
	if err := st.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	st.AddEvent(context.Background(), msglog.Event{Time: e.now, QuarantineID: heldID, What: "released", Who: "rev", Recipients: 1})
	if gen {
		since := e.now.AddDate(0, 0, -70)
		if _, err := reporttest.Generate(context.Background(), st, e.store, reporttest.Options{Since: since, Days: 70, PerDay: 300, Seed: 5, Holds: true, MaxHold: 40}); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.SetTracking(st)
	return e, st
}

func TestTrackingPage(t *testing.T) {
	e, _ := trackEnv(t, false)
	tests := []struct {
		name, user, query string
		want, notWant     []string
	}{
		{"sender", "admin", "from=news@outside.example", []string{"qb0000000001", "qa0000000002", "teacher@b.trust.example"}, []string{"qa1b2c3d4e5f"}},
		{"queue id from the 250 reply", "viewer", "queue_id=qa1b2c3d4e5f", []string{"head@a.trust.example", "pupil_data 0.97", "held copy", "released by rev"}, []string{"qb0000000001"}},
		{"recipient domain", "admin", "to=@home.example", []string{"qa1b2c3d4e5f"}, []string{"qb0000000001"}},
		{"action", "admin", "action=deliver", []string{"qb0000000001", "qa0000000002"}, []string{"qa1b2c3d4e5f"}},
		{"category", "admin", "category=pupil_data", []string{"qa1b2c3d4e5f"}, []string{"qb0000000001"}},
		{"date range excludes", "admin", "until=" + e.now.AddDate(0, 0, -1).Format(time.DateOnly), []string{"No message matches"}, []string{"qb0000000001"}},
		// A reviewer of school a sees only school a's mail, as for held mail.
		{"schools", "reva", "from=news@outside.example", []string{"qa0000000002"}, []string{"qb0000000001", "teacher@b.trust.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.login(tc.user)
			resp := b.get("/tracking?" + tc.query)
			body := readBody(resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page shows %q", w)
				}
			}
			if strings.Contains(body, "Year 6 list") {
				t.Error("tracking page shows a subject")
			}
		})
	}
	b := e.login("admin")
	if resp := b.get("/tracking?since=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad date: %d", resp.StatusCode)
	}
	ev, _ := e.store.ReadAudit()
	audited := false
	for _, x := range ev {
		audited = audited || x.What == "track" && x.Who == "reva" && strings.Contains(x.Detail, "news%40outside.example")
	}
	if !audited {
		t.Error("tracking search not audited")
	}
}

func TestTrackingAPI(t *testing.T) {
	e, _ := trackEnv(t, false)
	b := e.login("dpo")
	resp := b.get("/api/tracking?from=head@a.trust.example")
	var out struct {
		Messages []msglog.Record `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Messages) != 1 {
		t.Fatalf("%d messages, %v", len(out.Messages), err)
	}
	m := out.Messages[0]
	if m.QueueID != "qa1b2c3d4e5f" || m.QuarantineID == "" || len(m.Events) != 1 || m.Events[0].What != "released" {
		t.Errorf("record %+v", m)
	}
}

func TestTrackingOff(t *testing.T) {
	e := newEnv(t, nil)
	body := readBody(e.login("admin").get("/tracking?from=a@b.example"))
	if !strings.Contains(body, "Message tracking is off") {
		t.Error("no notice that tracking is off")
	}
}

var anyAddress = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}`)

func TestStatsPage(t *testing.T) {
	e, _ := trackEnv(t, true)
	for _, tc := range []struct {
		user string
		code int
	}{{"admin", 200}, {"dpo", 200}, {"rev", 200}, {"reva", 403}, {"viewer", 403}, {"senco", 403}} {
		resp := e.login(tc.user).get("/stats?weeks=12")
		if resp.StatusCode != tc.code {
			t.Errorf("%s: status %d, want %d", tc.user, resp.StatusCode, tc.code)
		}
	}
	resp := e.login("admin").get("/stats?weeks=12")
	body := readBody(resp)
	if n := strings.Count(body, "<svg "); n != 6 {
		t.Errorf("%d charts, want 6", n)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp != pageCSP {
		t.Errorf("CSP %q", csp)
	}
	// Inline style would be blocked by the CSP (style-src 'self'): none.
	for _, bad := range []string{"style=", "<style", "<script>", "onload"} {
		if strings.Contains(body, bad) {
			t.Errorf("stats page holds %q", bad)
		}
	}
	if m := anyAddress.FindString(body); m != "" {
		t.Errorf("stats page holds an address: %s", m)
	}
	if !strings.Contains(body, `id="per-category"`) || !strings.Contains(body, "held for review") {
		t.Error("stats page lacks the held-mail figures")
	}
}

// TestTrackingOverHTTP logs in and searches over a real HTTP connection,
// as a browser would: cookies, redirects, the form's GET.
func TestTrackingOverHTTP(t *testing.T) {
	e, _ := trackEnv(t, false)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(srv.URL + "/tracking")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Request.URL.Path, "/login") {
		t.Fatalf("not sent to the login page: %s", resp.Request.URL)
	}
	tok := between(string(page), `name="csrf" value="`, `"`)
	form := url.Values{"csrf": {tok}, "user": {"rev"}, "password": {testPassword}, "next": {"/tracking"}}
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(srv.URL + "/tracking?queue_id=qb0000000001")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "teacher@b.trust.example") || strings.Count(string(body), `class="trow"`) != 1 {
		t.Fatalf("status %d, body %s", resp.StatusCode, body)
	}
}

// TestReviewerActionsTracked: a deletion from the review page appears in the
// message log as an event of the held copy, so tracking shows what became
// of a held message.
func TestReviewerActionsTracked(t *testing.T) {
	e, st := trackEnv(t, false)
	recs, err := st.Search(context.Background(), msglog.Query{QueueID: "qa1b2c3d4e5f"})
	if err != nil || len(recs.Records) != 1 {
		t.Fatalf("search: %v %+v", err, recs)
	}
	id := recs.Records[0].QuarantineID
	b := e.login("admin")
	if resp := b.apiPost("/api/messages/"+id+"/delete", `{"reason":"sent in error"}`); resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, readBody(resp))
	}
	recs, err = st.Search(context.Background(), msglog.Query{QueueID: "qa1b2c3d4e5f"})
	if err != nil || len(recs.Records) != 1 {
		t.Fatalf("search: %v %+v", err, recs)
	}
	var deleted bool
	for _, ev := range recs.Records[0].Events {
		deleted = deleted || ev.What == "deleted" && ev.Who == "admin"
	}
	if !deleted {
		t.Errorf("no deletion event: %+v", recs.Records[0].Events)
	}
}
