package review

import (
	"encoding/csv"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/quarantine"
)

// closedHop returns an smtp:// next hop where nothing listens (the next
// hop is down).
func closedHop(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "smtp://" + addr
}

func audited(e *env, fn func(quarantine.AuditEvent) bool) bool {
	ev, _ := e.store.ReadAudit()
	return slices.ContainsFunc(ev, fn)
}

// TestReleaseBanner: a release whose next hop is down says so in red (page)
// and in the API's outcome, keeps the message held, and is audited as
// failed; one that works says done.
func TestReleaseBanner(t *testing.T) {
	down := closedHop(t)
	e := newEnv(t, func(c *config.Config) { c.NextHop.Outbound = down })
	id := e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language")
	s := e.login("rev")
	resp := s.post("/messages/"+id+"/release", url.Values{"rcpt": {"x@other.example"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasSuffix(loc, "done=release-failed") {
		t.Fatalf("release to a hop that is down: %d to %q", resp.StatusCode, loc)
	}
	page := readBody(s.get(loc))
	if !strings.Contains(page, `class="done bad" role="alert"`) || !strings.Contains(page, "Release failed") || strings.Contains(page, "Release done") {
		t.Errorf("banner does not tell the truth:\n%s", between(page, "<main>", "<h1>"))
	}
	if r, _ := e.store.Get(t.Context(), id); r.Status != quarantine.Held {
		t.Errorf("status %s after a failed release", r.Status)
	}
	var out struct {
		Outcome string `json:"outcome"`
	}
	json.NewDecoder(s.apiPost("/api/messages/"+id+"/release", `{}`).Body).Decode(&out)
	if out.Outcome != "release-failed" {
		t.Errorf("API outcome %q", out.Outcome)
	}
	if !audited(e, func(x quarantine.AuditEvent) bool { return x.What == "release-failed" && x.ID == id }) {
		t.Error("failed release not audited")
	}

	next := smtptest.Start(t, nil)
	e.cfg.NextHop.Outbound = "smtp://" + next.Addr
	resp = s.post("/messages/"+id+"/release", url.Values{"rcpt": {"x@other.example"}})
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "done=release") || !strings.Contains(readBody(s.get(loc)), "Release done") {
		t.Errorf("working release: %q", loc)
	}
	if got := releaseOutcome([]quarantine.RcptResult{{Outcome: "released"}, {Outcome: "failed"}}); got != "release-partial" {
		t.Errorf("partial: %s", got)
	}
	if got := releaseOutcome([]quarantine.RcptResult{{Outcome: "already"}}); got != "release-already" {
		t.Errorf("already: %s", got)
	}
}

// TestTwoPersonRelease: a reviewer may not release pupil data they may not
// read, until the DPO (who may read it) approves; a viewer may not approve.
func TestTwoPersonRelease(t *testing.T) {
	next := smtptest.Start(t, nil)
	e := newEnv(t, func(c *config.Config) { c.NextHop.Outbound = "smtp://" + next.Addr })
	ids := e.seed()
	pupil := ids["pupil"]
	rev, dpo, viewer := e.login("rev"), e.login("dpo"), e.login("viewer")
	if c := rev.apiPost("/api/messages/"+pupil+"/release", `{}`).StatusCode; c != 403 {
		t.Fatalf("reviewer releases unread pupil data: %d", c)
	}
	if c := rev.post("/messages/"+pupil+"/approve-release", nil).StatusCode; c != 403 {
		t.Errorf("reviewer who may not read approves: %d", c)
	}
	if c := viewer.post("/messages/"+pupil+"/approve-release", nil).StatusCode; c != 403 {
		t.Errorf("viewer approves: %d", c)
	}
	// The DPO may release pupil data itself: nothing to approve.
	if c := dpo.post("/messages/"+pupil+"/approve-release", nil).StatusCode; c != 403 {
		t.Errorf("DPO approves what it may release: %d", c)
	}
	// Mixed pupil data and offensive language: the admin reads it all.
	mixed := ids["mixed"]
	admin := e.login("admin")
	if c := admin.post("/messages/"+mixed+"/approve-release", nil).StatusCode; c != 403 {
		t.Errorf("admin approves (it may release): %d", c)
	}
	// A DPO who may also read offensive language approves mixed mail.
	e2 := newEnv(t, func(c *config.Config) {
		c.NextHop.Outbound = "smtp://" + next.Addr
		c.Review.Users = append(c.Review.Users, config.ReviewUser{Name: "dpo2", PasswordHash: passwordHash(t), Role: "dpo", Read: []string{"offensive_language"}})
	})
	ids = e2.seed()
	mixed = ids["mixed"]
	rev2, dpo2 := e2.login("rev"), e2.login("dpo2")
	if c := rev2.apiPost("/api/messages/"+mixed+"/release", `{}`).StatusCode; c != 403 {
		t.Fatalf("before approval: %d", c)
	}
	page := readBody(dpo2.get("/messages/" + mixed))
	if !strings.Contains(page, `id="approve-release"`) {
		t.Fatal("approval not offered to a DPO who may read it all")
	}
	if c := dpo2.post("/messages/"+mixed+"/approve-release", url.Values{"reason": {"checked: a parent's own child"}}).StatusCode; c != 303 {
		t.Fatalf("approve: %d", c)
	}
	var out struct {
		Outcome string `json:"outcome"`
	}
	resp := rev2.apiPost("/api/messages/"+mixed+"/release", `{}`)
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || out.Outcome != "release" {
		t.Fatalf("release after approval: %d %q", resp.StatusCode, out.Outcome)
	}
	if !audited(e2, func(x quarantine.AuditEvent) bool {
		return x.What == "release-approved" && x.Who == "dpo2" && x.ID == mixed
	}) ||
		!audited(e2, func(x quarantine.AuditEvent) bool { return x.What == "release" && x.Who == "rev" && x.ID == mixed }) {
		t.Error("approval and release not both audited")
	}
	// Still no reading for the reviewer.
	if c := rev2.get("/messages/" + mixed + "/body").StatusCode; c != 403 {
		t.Errorf("approval let the reviewer read: %d", c)
	}
}

// TestContradictoryActions: no confirm after a false positive, no false
// positive after a confirm; "false positive" offers release and can
// release at once.
func TestContradictoryActions(t *testing.T) {
	next := smtptest.Start(t, nil)
	e := newEnv(t, func(c *config.Config) { c.NextHop.Outbound = "smtp://" + next.Addr })
	a := e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language")
	b := e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"y@other.example"}, "offensive_language")
	c := e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"z@other.example"}, "offensive_language")
	s := e.login("rev")
	if code := s.post("/messages/"+a+"/false-positive", url.Values{"reason": {"a quotation"}}).StatusCode; code != 303 {
		t.Fatal(code)
	}
	page := readBody(s.get("/messages/" + a + "?done=false-positive"))
	if strings.Contains(page, "Confirm violation") || !strings.Contains(page, `id="release"`) || !strings.Contains(page, "Release it to its recipients below") {
		t.Error("after a false positive: confirm offered or release not offered")
	}
	if code := s.apiPost("/api/messages/"+a+"/confirm", `{}`).StatusCode; code != 403 {
		t.Errorf("confirm after false positive: %d", code)
	}
	if code := s.post("/messages/"+b+"/confirm", nil).StatusCode; code != 303 {
		t.Fatal(code)
	}
	if page := readBody(s.get("/messages/" + b)); strings.Contains(page, "Mark false positive") {
		t.Error("false positive offered after a confirmed violation")
	}
	if code := s.apiPost("/api/messages/"+b+"/false-positive", `{"reason":"x"}`).StatusCode; code != 403 {
		t.Errorf("false positive after confirm: %d", code)
	}
	// Mark and release in one go.
	resp := s.post("/messages/"+c+"/false-positive", url.Values{"reason": {"a quotation"}, "then": {"release"}})
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "done=release") {
		t.Errorf("false positive and release: %d %q", resp.StatusCode, loc)
	}
	r, _ := e.store.Get(t.Context(), c)
	if r.FalsePositive == nil || r.Status != quarantine.Released || len(next.Messages()) != 1 {
		t.Errorf("after false positive and release: fp %v, status %s, %d sent", r.FalsePositive != nil, r.Status, len(next.Messages()))
	}
}

var attMsg = []byte("From: staff@a.trust.example\r\nTo: x@other.example\r\nSubject: list\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
	"--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"pupils.csv\"\r\n\r\nname,upn\r\nA,A123456789012\r\n" +
	"--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"note.html\"\r\n\r\n<html><body><p>Hello</p><script>alert(1)</script><img src=\"http://evil.example/x.png\"><a href=\"http://evil.example\">x</a></body></html>\r\n" +
	"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"x.bin\"\r\n\r\n\x00\x01\x02\x03binary\r\n" +
	"--b--\r\n")

// TestDPOAttachments: the DPO downloads and previews attachments of the
// categories it may read, and nothing else; previews are safe.
func TestDPOAttachments(t *testing.T) {
	e := newEnv(t, nil)
	pupil := e.put(attMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "pupil_data")
	off := e.put(attMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language")
	dpo, rev := e.login("dpo"), e.login("rev")
	cases := []struct {
		who  *browser
		path string
		code int
	}{
		{dpo, "/messages/" + pupil + "/attachments/1", 200},
		{dpo, "/messages/" + pupil + "/attachments/1/preview", 200},
		{dpo, "/messages/" + pupil + "/raw", 200},
		{dpo, "/messages/" + off + "/attachments/1", 403},
		{dpo, "/messages/" + off + "/attachments/1/preview", 403},
		{rev, "/messages/" + pupil + "/attachments/1/preview", 403},
		{rev, "/messages/" + off + "/attachments/1/preview", 200},
		{rev, "/messages/" + off + "/attachments/1", 403},
		{dpo, "/messages/" + pupil + "/attachments/3/preview", http.StatusUnsupportedMediaType},
		{dpo, "/messages/" + pupil + "/attachments/9/preview", 404},
	}
	for _, c := range cases {
		if got := c.who.get(c.path).StatusCode; got != c.code {
			t.Errorf("GET %s: %d, want %d", c.path, got, c.code)
		}
	}
	resp := dpo.get("/messages/" + pupil + "/attachments/1/preview")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") ||
		!strings.Contains(readBody(resp), "A123456789012") {
		t.Errorf("text preview: %s %v", ct, resp.Header)
	}
	resp = dpo.get("/messages/" + pupil + "/attachments/2/preview")
	body := readBody(resp)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") ||
		!strings.Contains(body, "Hello") || len(liveProblems(between(body, "<body>", "</body></html>"))) > 0 || strings.Contains(body, "evil.example") {
		t.Errorf("HTML preview not safe: %v\n%s", resp.Header, body)
	}
	page := readBody(dpo.get("/messages/" + pupil))
	if strings.Count(page, `class="preview"`) != 2 || strings.Count(page, `class="download"`) != 3 {
		t.Errorf("page offers %d previews and %d downloads, want 2 and 3", strings.Count(page, `class="preview"`), strings.Count(page, `class="download"`))
	}
	if !audited(e, func(x quarantine.AuditEvent) bool { return x.Who == "dpo" && x.What == "preview" && x.ID == pupil }) ||
		!audited(e, func(x quarantine.AuditEvent) bool { return x.Who == "dpo" && x.What == "download" && x.ID == pupil }) {
		t.Error("preview and download not audited")
	}
}

// TestAuditScreen: admins and the DPO see and export the audit log, with
// filters; others are refused (and that is audited); the CSV defuses
// formulas.
func TestAuditScreen(t *testing.T) {
	e := newEnv(t, nil)
	id := e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language")
	rev := e.login("rev")
	rev.get("/messages/" + id)
	rev.post("/messages/"+id+"/delete", url.Values{"reason": {"=HYPERLINK(\"http://evil.example\")"}})
	for user, code := range map[string]int{"admin": 200, "dpo": 200, "rev": 403, "viewer": 403} {
		s := e.login(user)
		for _, p := range []string{"/audit", "/audit.csv"} {
			if got := s.get(p).StatusCode; got != code {
				t.Errorf("%s GET %s: %d, want %d", user, p, got, code)
			}
		}
	}
	if !audited(e, func(x quarantine.AuditEvent) bool {
		return x.Who == "viewer" && x.What == "denied" && x.Detail == "audit screen"
	}) {
		t.Error("refused audit view not audited")
	}
	dpo := e.login("dpo")
	page := readBody(dpo.get("/audit?who=rev&id=" + id))
	if !strings.Contains(page, "<b>view</b>") || !strings.Contains(page, "<b>delete</b>") || strings.Contains(page, "<b>login</b>") {
		t.Errorf("filtered audit page:\n%s", between(page, "<tbody>", "</tbody>"))
	}
	today := e.now.In(e.srv.loc).Format(time.DateOnly)
	resp := dpo.get("/audit.csv?what=delete&since=" + today + "&until=" + today)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV headers %v", resp.Header)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV: %d rows, %v: %v", len(rows), err, rows)
	}
	if rows[0][0] != "time" || rows[1][2] != "rev" || rows[1][4] != "delete" || rows[1][5] != id || !strings.HasPrefix(rows[1][6], "'=") {
		t.Errorf("CSV row %q", rows[1])
	}
	if got := readBody(dpo.get("/audit.csv?what=delete&since=2000-01-01&until=2000-01-02")); strings.Count(got, "\n") != 1 {
		t.Errorf("date filter: %q", got)
	}
	if !audited(e, func(x quarantine.AuditEvent) bool { return x.Who == "dpo" && x.What == "audit-export" }) {
		t.Error("export not audited")
	}
}

// TestListsPage: admins add and remove entries (audited, visible to the
// relays' store at once); others may not; bad entries are explained.
func TestListsPage(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *config.Config) { c.Lists.Path = filepath.Join(dir, "lists.db") })
	for _, u := range []string{"rev", "dpo", "viewer"} {
		s := e.login(u)
		if c := s.get("/lists").StatusCode; c != 403 {
			t.Errorf("%s GET /lists: %d", u, c)
		}
		if c := s.post("/lists", url.Values{"kind": {"block"}, "match": {"evil.example"}, "reason": {"x"}}).StatusCode; c != 403 {
			t.Errorf("%s adds: %d", u, c)
		}
	}
	s := e.login("admin")
	resp := s.post("/lists", url.Values{"kind": {"allow"}, "match": {"partner.example"}, "category": {"malware"}, "reason": {"x"}})
	if body := readBody(resp); resp.StatusCode != 400 || !strings.Contains(body, "never lets malware through") {
		t.Errorf("allow of malware: %d", resp.StatusCode)
	}
	if body := readBody(s.get("/lists?error=call+0800&done=call+0800&added=x")); strings.Contains(body, "0800") {
		t.Error("the page shows words from its link")
	}
	resp = s.post("/lists", url.Values{"kind": {"block"}, "match": {"Evil.Example"}, "direction": {"inbound"}, "action": {"quarantine"},
		"expires": {"30d"}, "reason": {"phishing run"}})
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "added=") {
		t.Fatalf("add: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := readBody(s.get("/lists"))
	if !strings.Contains(page, "<code>evil.example</code>") || !strings.Contains(page, "phishing run") {
		t.Errorf("lists page lacks the entry")
	}
	st, err := lists.OpenSQLite(e.cfg.Lists.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, _ := st.List(t.Context())
	if len(es) != 1 || es[0].Action != "quarantine" || es[0].CreatedBy != "admin" || es[0].Expires.Sub(e.now) != 30*24*time.Hour {
		t.Fatalf("stored %+v", es)
	}
	if c := s.post("/lists/"+itoa(es[0].ID)+"/remove", url.Values{"reason": {"over"}}).StatusCode; c != 303 {
		t.Errorf("remove: %d", c)
	}
	if c := s.post("/lists/"+itoa(es[0].ID)+"/remove", nil).StatusCode; c != 404 {
		t.Errorf("remove again: %d", c)
	}
	if es, _ := st.List(t.Context()); len(es) != 0 {
		t.Errorf("%d entries after remove", len(es))
	}
	if !audited(e, func(x quarantine.AuditEvent) bool {
		return x.Who == "admin" && x.What == "lists-add" && strings.Contains(x.Detail, "phishing run")
	}) ||
		!audited(e, func(x quarantine.AuditEvent) bool {
			return x.Who == "admin" && x.What == "lists-remove" && strings.Contains(x.Detail, "over")
		}) ||
		!audited(e, func(x quarantine.AuditEvent) bool {
			return x.Who == "rev" && x.What == "denied" && x.Detail == "lists-add"
		}) {
		t.Error("list changes or refusals not audited")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestTimeZone: times show in tracker.time_zone (British Summer Time in
// July), not UTC.
func TestTimeZone(t *testing.T) {
	e := newEnv(t, nil)
	e.now = time.Date(2026, 7, 1, 13, 0, 0, 0, time.UTC)
	id := e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language")
	page := readBody(e.login("admin").get("/messages/" + id))
	if !strings.Contains(page, "2026-07-01 13:00 BST") || strings.Contains(page, " UTC") {
		t.Errorf("received time not in Europe/London: %s", between(page, "<dt>Received</dt>", "</dd>"))
	}
	e2 := newEnv(t, func(c *config.Config) { c.Tracker.TimeZone = "Asia/Tokyo" })
	e2.now = e.now
	id = e2.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language")
	if page := readBody(e2.login("admin").get("/messages/" + id)); !strings.Contains(page, "2026-07-01 21:00 JST") {
		t.Errorf("received time not in Asia/Tokyo: %s", between(page, "<dt>Received</dt>", "</dd>"))
	}
	if _, err := config.Parse([]byte("domains: [a.example]\ntracker: {time_zone: Mars/Olympus}\n")); err == nil {
		t.Error("an unknown time zone is accepted")
	}
	if page := readBody(e.login("admin").get("/messages")); !strings.Contains(page, `<link rel="icon" href="/static/favicon.svg"`) ||
		!strings.Contains(page, "<title>Held mail · mailward</title>") {
		t.Error("no favicon or title")
	}
	if c := e.do(httptestGet("/static/favicon.svg")).StatusCode; c != 200 {
		t.Errorf("favicon: %d", c)
	}
}

func httptestGet(p string) *http.Request {
	r, _ := http.NewRequest("GET", p, nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.RequestURI = p
	return r
}
