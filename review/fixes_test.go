package review

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
)

// TestSafeNext: after login only a clean local path is followed.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/messages",
		"/messages/abc?x=1":             "/messages/abc?x=1",
		"/messages?status=all&q=year+7": "/messages?status=all&q=year+7",
		"/\t/evil.example":              "/messages",
		"/\n/evil.example":              "/messages",
		"/\r\n/evil.example":            "/messages",
		"//evil.example":                "/messages",
		"/\\evil.example":               "/messages",
		"/x\\..\\\\evil.example":        "/messages",
		"https://evil.example/":         "/messages",
		"evil.example":                  "/messages",
		"/ /evil.example":               "/messages",
		"/%2F/evil.example":             "/messages",
		"/\x00/evil.example":            "/messages",
		"/\u3000/evil.example":          "/messages",
		"/\uff0f/evil.example":          "/messages",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
	// End to end: the login form posts next=/%09/x (a tab once decoded).
	e := newEnv(t, nil)
	resp := e.do(httptest.NewRequest("GET", "/login?next=/%09/evil.example", nil))
	lc := cookieValue(resp, loginCookie)
	if strings.Contains(readBody(resp), "evil.example") {
		t.Error("login page carries the bad next")
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader("csrf="+lc+"&user=rev&password="+url.QueryEscape(testPassword)+"&next=/%09/evil.example"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: lc})
	resp = e.do(req)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/messages" {
		t.Errorf("after login: %d to %q", resp.StatusCode, loc)
	}
}

// TestSSOTwoHeaders: a request naming its user twice is refused (and
// audited), rather than the first name taken.
func TestSSOTwoHeaders(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Review.SSO = config.ReviewSSO{Header: "X-Remote-User", Networks: []string{"10.0.0.0/8"}}
	})
	for _, vals := range [][]string{{"admin", "viewer"}, {"viewer", "admin"}, {"admin, viewer"}} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.RemoteAddr = "10.1.2.3:4"
		for _, v := range vals {
			req.Header.Add("X-Remote-User", v)
		}
		if resp := e.do(req); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("headers %q: %d %s", vals, resp.StatusCode, readBody(resp))
		}
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.RemoteAddr = "10.1.2.3:4"
	req.Header.Set("X-Remote-User", "viewer")
	if resp := e.do(req); resp.StatusCode != 200 || !strings.Contains(readBody(resp), `"viewer"`) {
		t.Errorf("one header: %d", resp.StatusCode)
	}
	ev, _ := e.store.ReadAudit()
	n := 0
	for _, x := range ev {
		if x.What == "denied" && x.Remote == "10.1.2.3" && strings.Contains(x.Detail, "more than one X-Remote-User") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d denied records, want 3", n)
	}
}

// TestAuditDeniedAndSearch: attempts on another school's messages are
// audited (the answer stays 404), and a subject search leaves no subject
// words in the audit log.
func TestAuditDeniedAndSearch(t *testing.T) {
	e := newEnv(t, nil)
	ids := e.seed()
	s := e.login("reva")
	other := ids["schoolb"]
	for _, p := range []string{"/messages/" + other, "/messages/" + other + "/body", "/messages/" + other + "/raw", "/api/messages/" + other} {
		if resp := s.get(p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp := s.post("/messages/"+other+"/release", nil); resp.StatusCode != 404 {
		t.Errorf("release: %d", resp.StatusCode)
	}
	if resp := s.apiPost("/api/messages/"+other+"/delete", `{}`); resp.StatusCode != 404 {
		t.Errorf("API delete: %d", resp.StatusCode)
	}
	s.get("/messages?q=Year+7+list&category=pupil_data")
	s.get("/api/messages?q=year+7")
	ev, _ := e.store.ReadAudit()
	denied, lists := 0, 0
	for _, x := range ev {
		if x.Who == "reva" && x.What == "denied" && x.ID == other && x.Remote != "" {
			denied++
		}
		if x.What == "list" {
			lists++
			if !strings.Contains(x.Detail, "(subject search)") || !strings.Contains(x.Detail, "status=held") {
				t.Errorf("list record %q", x.Detail)
			}
		}
		if b, _ := json.Marshal(x); strings.Contains(strings.ToLower(string(b)), "year") {
			t.Errorf("subject words in the audit log: %s", b)
		}
	}
	if denied != 6 || lists != 2 {
		t.Errorf("%d denied records (want 6), %d list records (want 2)", denied, lists)
	}
}

// TestReleaseNeedsRead: a reviewer may not release pupil data, which
// reviewers may not read, and is offered a release request instead; a
// reviewer allowed to read pupil data may release it.
func TestReleaseNeedsRead(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Review.Users = append(c.Review.Users, config.ReviewUser{Name: "revpd", PasswordHash: passwordHash(t), Role: "reviewer", Read: []string{"pupil_data"}})
	})
	ids := e.seed()
	rev := e.login("rev")
	var m struct {
		Allowed []string `json:"allowed_actions"`
	}
	json.NewDecoder(rev.get("/api/messages/" + ids["pupil"]).Body).Decode(&m)
	if slices.Contains(m.Allowed, "release") || slices.Contains(m.Allowed, "false-positive") || !slices.Contains(m.Allowed, "request-release") {
		t.Errorf("reviewer's actions on pupil data: %v", m.Allowed)
	}
	if resp := rev.apiPost("/api/messages/"+ids["pupil"]+"/release", `{}`); resp.StatusCode != 403 {
		t.Errorf("reviewer releases pupil data: %d", resp.StatusCode)
	}
	if resp := rev.post("/messages/"+ids["pupil"]+"/request-release", url.Values{"reason": {"parent asked"}}); resp.StatusCode != 303 {
		t.Errorf("reviewer asks for release: %d", resp.StatusCode)
	}
	if resp := e.login("revpd").apiPost("/api/messages/"+ids["pupil"]+"/release", `{}`); resp.StatusCode != 200 {
		t.Errorf("reviewer who may read pupil data: %d", resp.StatusCode)
	}
	ev, _ := e.store.ReadAudit()
	if !slices.ContainsFunc(ev, func(x quarantine.AuditEvent) bool {
		return x.Who == "rev" && x.What == "denied" && x.Detail == "release"
	}) {
		t.Error("refused release not audited")
	}
}
