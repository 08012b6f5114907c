package review

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

var (
	hashOnce sync.Once
	testHash string
)

func passwordHash(t *testing.T) string {
	hashOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		testHash = string(h)
	})
	return testHash
}

// env is one review server over a fresh store whose next hops are maildir
// folders (or what the test sets).
type env struct {
	t     *testing.T
	cfg   *config.Config
	store *quarantine.Dir
	srv   *Server
	h     http.Handler
	now   time.Time
	hops  string
	log   *strings.Builder
	hooks *Hooks
}

func newEnv(t *testing.T, mod func(*config.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Domains = []string{"a.trust.example", "b.trust.example"}
	cfg.NextHop.Inbound = "maildir:" + filepath.Join(dir, "in")
	cfg.NextHop.Outbound = "maildir:" + filepath.Join(dir, "out")
	cfg.Review.SecureCookie = new(bool)
	h := passwordHash(t)
	cfg.Review.Users = []config.ReviewUser{
		{Name: "admin", PasswordHash: h, Role: "admin"},
		{Name: "rev", PasswordHash: h, Role: "reviewer"},
		{Name: "dpo", PasswordHash: h, Role: "dpo"},
		{Name: "viewer", PasswordHash: h, Role: "viewer"},
		{Name: "reva", PasswordHash: h, Role: "reviewer", Schools: []string{"a.trust.example"}},
		{Name: "senco", PasswordHash: h, Role: "viewer", Read: []string{"pupil_data"}},
	}
	cfg.Review.NeverDisplay = []string{"csam"}
	if mod != nil {
		mod(cfg)
	}
	store, err := quarantine.OpenDir(filepath.Join(dir, "q"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cfg: cfg, store: store, now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), log: &strings.Builder{}, hooks: &Hooks{}}
	logger := slog.New(slog.NewTextHandler(e.log, nil))
	srv, err := New(cfg, store, logger, Hooks{
		OnConfirm: func(ctx context.Context, r *quarantine.Record, who string) {
			if e.hooks.OnConfirm != nil {
				e.hooks.OnConfirm(ctx, r, who)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.now = func() time.Time { return e.now }
	e.srv, e.h, e.hops = srv, srv.Handler(), dir
	return e
}

// put holds a message read from testdata (or the given bytes).
func (e *env) put(raw []byte, dir, from string, to []string, cats ...string) string {
	e.t.Helper()
	rec := &quarantine.Record{Client: "192.0.2.9", From: from, To: to, Direction: dir, Categories: cats,
		Rule: "test-rule", Action: "quarantine", Received: e.now.Add(-time.Hour), Subject: subjectOf(raw)}
	for _, c := range cats {
		rec.Findings = append(rec.Findings, scanner.Finding{Category: scanner.Category(c), Scanner: "test", Score: 0.9, Summary: "3 things in body", Where: "body"})
	}
	id, err := e.store.Put(context.Background(), raw, rec)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// browser is a logged-in browser: its cookie and CSRF token.
type browser struct {
	e      *env
	cookie string
	csrf   string
}

func (e *env) do(req *http.Request) *http.Response {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w.Result()
}

func cookieValue(resp *http.Response, name string) string {
	for _, c := range resp.Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// login logs in through the form, as a browser does.
func (e *env) login(user string) *browser {
	e.t.Helper()
	resp := e.do(httptest.NewRequest("GET", "/login", nil))
	lc := cookieValue(resp, loginCookie)
	body, _ := io.ReadAll(resp.Body)
	tok := between(string(body), `name="csrf" value="`, `"`)
	if lc == "" || tok != lc {
		e.t.Fatalf("login page: cookie %q token %q", lc, tok)
	}
	form := url.Values{"csrf": {tok}, "user": {user}, "password": {testPassword}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: lc})
	resp = e.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d", user, resp.StatusCode)
	}
	s := &browser{e: e, cookie: cookieValue(resp, sessionCookie)}
	var me struct {
		CSRF string `json:"csrf_token"`
		Role string `json:"role"`
	}
	resp = s.get("/api/me")
	json.NewDecoder(resp.Body).Decode(&me)
	s.csrf = me.CSRF
	if s.cookie == "" || s.csrf == "" {
		e.t.Fatalf("login %s: no session", user)
	}
	return s
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func (s *browser) req(method, path string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, path, body)
	if s != nil && s.cookie != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.cookie})
	}
	return r
}

func (s *browser) get(path string) *http.Response { return s.e.do(s.req("GET", path, nil)) }

// post sends a form with the session's CSRF token unless form sets "csrf".
func (s *browser) post(path string, form url.Values) *http.Response {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", s.csrf)
	}
	r := s.req("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.e.do(r)
}

// apiPost sends JSON with the X-CSRF-Token header.
func (s *browser) apiPost(path, body string) *http.Response {
	r := s.req("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-CSRF-Token", s.csrf)
	return s.e.do(r)
}

func readBody(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
