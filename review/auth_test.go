package review

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
)

// TestLoginRequiredEverywhere: no page, frame, download or API answers
// without a login.
func TestLoginRequiredEverywhere(t *testing.T) {
	e := newEnv(t, nil)
	id := e.seed()["offensive"]
	for _, p := range []string{"/", "/messages", "/messages?status=all", "/messages/" + id, "/messages/" + id + "/body",
		"/messages/" + id + "/raw", "/messages/" + id + "/attachments/1"} {
		resp := e.do(httptest.NewRequest("GET", p, nil))
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("GET %s without login: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/api/me", "/api/messages", "/api/messages/" + id, "/api/messages/" + id + "/raw"} {
		if resp := e.do(httptest.NewRequest("GET", p, nil)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without login: %d", p, resp.StatusCode)
		}
	}
	for _, a := range []string{"release", "delete", "false-positive", "request-release", "confirm", "illegal", "legal-hold", "lift-legal-hold"} {
		for _, p := range []string{"/messages/" + id + "/" + a, "/api/messages/" + id + "/" + a} {
			req := httptest.NewRequest("POST", p, strings.NewReader("reason=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp := e.do(req); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST %s without login: %d", p, resp.StatusCode)
			}
		}
	}
	// A made-up session cookie is no login.
	s := &browser{e: e, cookie: "forged"}
	if resp := s.get("/messages"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", resp.StatusCode)
	}
	r, _ := e.store.Get(t.Context(), id)
	if r.Status != "held" || len(r.Audit) != 1 {
		t.Fatalf("record changed without login: %+v", r)
	}
	// Static files are public (no content in them).
	if resp := e.do(httptest.NewRequest("GET", "/static/style.css", nil)); resp.StatusCode != 200 {
		t.Errorf("static: %d", resp.StatusCode)
	}
}

// TestCSRF: every state-changing request needs the session's own token,
// from this origin.
func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	id := e.seed()["offensive"]
	s := e.login("admin")
	other := e.login("rev")
	path := "/messages/" + id + "/legal-hold"
	cases := []struct {
		name string
		form url.Values
		hdr  map[string]string
		code int
	}{
		{"no token", url.Values{"csrf": {""}}, nil, 403},
		{"wrong token", url.Values{"csrf": {"AAAA" + s.csrf[4:]}}, nil, 403},
		{"another session's token", url.Values{"csrf": {other.csrf}}, nil, 403},
		{"cross-site origin", nil, map[string]string{"Origin": "http://evil.example"}, 403},
		{"cross-site fetch metadata", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site but other origin", nil, map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"good", nil, map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}, 303},
	}
	for _, c := range cases {
		form := c.form
		if form == nil {
			form = url.Values{"csrf": {s.csrf}}
		}
		form.Set("reason", "r")
		req := s.req("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range c.hdr {
			req.Header.Set(k, v)
		}
		if got := e.do(req).StatusCode; got != c.code {
			t.Errorf("%s: %d, want %d", c.name, got, c.code)
		}
	}
	// Logout is an action too.
	if got := s.post("/logout", url.Values{"csrf": {""}}).StatusCode; got != 403 {
		t.Errorf("logout without token: %d", got)
	}
	// The token in a GET query is not accepted for a POST without the form field.
	req := s.req("POST", path+"?csrf="+url.QueryEscape(s.csrf), nil)
	if got := e.do(req).StatusCode; got != 403 {
		t.Errorf("token in query: %d", got)
	}

	// API by session: the X-CSRF-Token header.
	api := "/api/messages/" + id + "/false-positive"
	req = s.req("POST", api, strings.NewReader(`{"reason":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	if got := e.do(req).StatusCode; got != 403 {
		t.Errorf("API without X-CSRF-Token: %d", got)
	}
	if got := s.apiPost(api, `{"reason":"x"}`).StatusCode; got != 200 {
		t.Errorf("API with X-CSRF-Token: %d", got)
	}
	// API by Basic auth: JSON only (a cross-site form cannot send it).
	req = httptest.NewRequest("POST", api, strings.NewReader("reason=x"))
	req.SetBasicAuth("admin", testPassword)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := e.do(req).StatusCode; got != http.StatusUnsupportedMediaType {
		t.Errorf("Basic auth form post: %d", got)
	}
	// (A second false positive is not offered: the script sets a legal hold.)
	req = httptest.NewRequest("POST", "/api/messages/"+id+"/legal-hold", strings.NewReader(`{"reason":"y"}`))
	req.SetBasicAuth("admin", testPassword)
	req.Header.Set("Content-Type", "application/json")
	if got := e.do(req).StatusCode; got != 200 {
		t.Errorf("Basic auth JSON post: %d", got)
	}

	// The login form has its own double-submit token.
	form := url.Values{"user": {"admin"}, "password": {testPassword}}
	req = httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := e.do(req).StatusCode; got != 403 {
		t.Errorf("login without token: %d", got)
	}
	form.Set("csrf", "abc")
	req = httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: "abd"})
	if got := e.do(req).StatusCode; got != 403 {
		t.Errorf("login with mismatched token: %d", got)
	}
}

func TestSessions(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Review.SecureCookie = nil })
	e.cfg.Review.SecureCookie = new(bool)
	*e.cfg.Review.SecureCookie = true
	resp := e.do(httptest.NewRequest("GET", "/login", nil))
	for _, c := range resp.Cookies() {
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %s: secure=%v httponly=%v samesite=%v", c.Name, c.Secure, c.HttpOnly, c.SameSite)
		}
	}
	s := e.login("rev")
	if got := s.get("/messages").StatusCode; got != 200 {
		t.Fatalf("logged in: %d", got)
	}
	// Logout ends the session on the server, not just in the browser.
	if got := s.post("/logout", nil).StatusCode; got != 303 {
		t.Fatalf("logout: %d", got)
	}
	if got := s.get("/messages").StatusCode; got != 303 {
		t.Errorf("after logout: %d", got)
	}
	// Sessions expire.
	s = e.login("rev")
	e.now = e.now.Add(8*time.Hour + time.Minute)
	if got := s.get("/messages").StatusCode; got != 303 {
		t.Errorf("after expiry: %d", got)
	}
	// A new login gets a new session id (no fixation).
	a, b := e.login("rev"), e.login("rev")
	if a.cookie == b.cookie || a.csrf == b.csrf {
		t.Error("session reused")
	}
	// Post-login redirects stay on this site.
	for in, want := range map[string]string{"/messages/x": "/messages/x", "//evil.example/": "/messages",
		"https://evil.example/": "/messages", "/\\evil.example": "/messages"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q", in, got)
		}
	}
}

// TestLoginRateLimit: after 5 failures a user must wait at that address,
// even with the right password; other addresses and other users are not
// affected; the window slides.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	try := func(user, pw, addr string) int {
		resp := e.do(httptest.NewRequest("GET", "/login", nil))
		lc := cookieValue(resp, loginCookie)
		form := url.Values{"csrf": {lc}, "user": {user}, "password": {pw}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: loginCookie, Value: lc})
		req.RemoteAddr = addr
		return e.do(req).StatusCode
	}
	for i := range 5 {
		if got := try("rev", "wrong", "192.0.2.1:1"); got != 401 {
			t.Fatalf("failure %d: %d", i, got)
		}
	}
	if got := try("rev", testPassword, "192.0.2.1:2"); got != 429 {
		t.Errorf("user over limit at that address: %d", got)
	}
	if got := try("rev", testPassword, "192.0.2.2:1"); got != 303 {
		t.Errorf("user over limit at one address is locked out at another: %d", got)
	}
	if got := try("admin", testPassword, "192.0.2.1:1"); got != 303 {
		t.Errorf("another user at the same address: %d", got)
	}
	// Basic auth counts against the same limit.
	req := httptest.NewRequest("GET", "/api/messages", nil)
	req.SetBasicAuth("rev", testPassword)
	req.RemoteAddr = "192.0.2.1:4"
	if got := e.do(req).StatusCode; got != 429 {
		t.Errorf("basic auth over limit: %d", got)
	}
	e.now = e.now.Add(16 * time.Minute)
	if got := try("rev", testPassword, "192.0.2.1:1"); got != 303 {
		t.Errorf("after the window: %d", got)
	}
	// Unknown users fail the same way and are limited too.
	for range 5 {
		try("nobody", "x", "192.0.2.5:1")
	}
	if got := try("nobody", "x", "192.0.2.5:2"); got != 429 {
		t.Errorf("unknown user not limited: %d", got)
	}
	// One address trying many names is stopped after 4 x 5 failures.
	for i := range 20 {
		if got := try(fmt.Sprintf("guess%d", i), "x", "192.0.2.7:1"); got != 401 {
			t.Fatalf("spray %d: %d", i, got)
		}
	}
	if got := try("admin", testPassword, "192.0.2.7:1"); got != 429 {
		t.Errorf("address over its limit: %d", got)
	}
	ev, _ := e.store.ReadAudit()
	fails := 0
	for _, x := range ev {
		if x.What == "login-failed" {
			fails++
			if x.Remote == "" {
				t.Errorf("failed login without the client address: %+v", x)
			}
		}
	}
	if fails != 30 {
		t.Errorf("%d login-failed audit entries, want 30", fails)
	}
}

// TestSSO: the proxy's header logs a configured user in, only from the
// proxy's addresses; POSTs still need the CSRF token.
func TestSSO(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Review.SSO = config.ReviewSSO{Header: "X-Remote-User", Networks: []string{"10.0.0.0/8"}}
	})
	id := e.seed()["offensive"]
	get := func(addr, user string) *http.Response {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.RemoteAddr = addr
		req.Header.Set("X-Remote-User", user)
		return e.do(req)
	}
	if resp := get("10.1.2.3:4", "rev"); resp.StatusCode != 200 || !strings.Contains(readBody(resp), `"reviewer"`) {
		t.Errorf("SSO from proxy: %d", resp.StatusCode)
	}
	if got := get("192.0.2.1:4", "admin").StatusCode; got != 401 {
		t.Errorf("SSO header from outside the proxy: %d", got)
	}
	if got := get("10.1.2.3:4", "mallory").StatusCode; got != 401 {
		t.Errorf("SSO unknown user: %d", got)
	}
	req := httptest.NewRequest("POST", "/messages/"+id+"/legal-hold", strings.NewReader("reason=x"))
	req.RemoteAddr = "10.1.2.3:4"
	req.Header.Set("X-Remote-User", "admin")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := e.do(req).StatusCode; got != 403 {
		t.Errorf("SSO POST without CSRF token: %d", got)
	}
}

// TestAuditLog: views and actions are logged with who, what and which message.
func TestAuditLog(t *testing.T) {
	e := newEnv(t, nil)
	ids := e.seed()
	s := e.login("admin")
	s.get("/messages")
	s.get("/messages/" + ids["offensive"])
	s.get("/messages/" + ids["offensive"] + "/body")
	s.post("/messages/"+ids["offensive"]+"/release", nil)
	s.post("/messages/"+ids["pupil"]+"/delete", url.Values{"reason": {"sent in error"}})
	v := e.login("viewer")
	v.post("/messages/"+ids["pupil"]+"/release", nil)
	ev, err := e.store.ReadAudit()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range ev {
		got = append(got, x.Who+" "+x.What+" "+x.ID)
		if x.Time.IsZero() || x.Remote == "" && x.Who != "mailward" {
			t.Errorf("incomplete entry %+v", x)
		}
		if strings.Contains(x.Detail, "Year 7") {
			t.Errorf("content in audit log: %+v", x)
		}
	}
	for _, w := range []string{"admin login ", "admin list ", "admin view " + ids["offensive"], "admin view-body " + ids["offensive"],
		"admin release " + ids["offensive"], "admin delete " + ids["pupil"], "viewer denied " + ids["pupil"]} {
		if !slices.Contains(got, w) {
			t.Errorf("audit log lacks %q", w)
		}
	}
	// The deleted message's record keeps its own trail.
	r, _ := e.store.Get(t.Context(), ids["pupil"])
	if last := r.Audit[len(r.Audit)-1]; last.What != "deleted" || last.Who != "admin" || last.Detail != "sent in error" {
		t.Errorf("record trail %+v", last)
	}
}
