package review

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailward/mailward/config"
)

const (
	sessionCookie = "mailward_session"
	// loginCookie carries the login form's anti-CSRF token (double submit):
	// there is no session yet to hold it.
	loginCookie = "mailward_login"
)

// session is one login. Sessions live in this process: behind a load
// balancer, use sticky sessions or SSO (see the package note).
type session struct {
	user    *config.ReviewUser
	csrf    string
	expires time.Time
}

// reqCtx is what a handler knows about the person asking.
type reqCtx struct {
	user   *config.ReviewUser
	csrf   string // empty for API calls with Basic auth
	remote string
	sso    bool
}

func randToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func equalToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func remoteIP(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// ssoCheck trusts a reverse proxy's user header, from the proxy only.
type ssoCheck struct {
	header string
	nets   []netip.Prefix
}

func newSSO(c config.ReviewSSO) (*ssoCheck, error) {
	if c.Header == "" {
		return nil, nil
	}
	s := &ssoCheck{header: c.Header}
	for _, n := range c.Networks {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return nil, err
		}
		s.nets = append(s.nets, p)
	}
	return s, nil
}

// user returns the name the proxy vouches for, or "" when the request did
// not come from the proxy or carries no header.
func (s *ssoCheck) user(r *http.Request) string {
	if s == nil {
		return ""
	}
	name := strings.TrimSpace(r.Header.Get(s.header))
	if name == "" {
		return ""
	}
	a, err := netip.ParseAddr(remoteIP(r))
	if err != nil {
		return ""
	}
	a = a.Unmap()
	for _, p := range s.nets {
		if p.Contains(a) {
			return name
		}
	}
	return ""
}

// limiter counts failed logins per key in a sliding window, so that a
// password cannot be guessed at speed (per user name and per address).
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

func (l *limiter) prune(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
	return ts
}

// blocked reports whether any key is over its limit.
func (l *limiter) blocked(now time.Time, keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.prune(k, now)) >= l.max {
			return true
		}
	}
	return false
}

func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.fails[k] = append(l.prune(k, now), now)
	}
}

// dummyHash makes a login for an unknown user cost as much as one for a
// known user, so that timing does not tell which names exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("mailward-no-such-user"), bcrypt.DefaultCost)

// checkPassword verifies a login, rate-limited. It returns the user, or
// nil and whether the caller was refused for being over the limit.
func (s *Server) checkPassword(r *http.Request, name, password string) (*config.ReviewUser, bool) {
	now := s.now()
	keys := []string{"u:" + strings.ToLower(name), "ip:" + remoteIP(r)}
	if s.limits.blocked(now, keys...) {
		return nil, true
	}
	u := s.users[name]
	hash := dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if err != nil || u == nil || u.PasswordHash == "" {
		s.limits.fail(now, keys...)
		return nil, false
	}
	return u, false
}

func (s *Server) newSession(w http.ResponseWriter, u *config.ReviewUser) *session {
	tok := randToken()
	sess := &session{user: u, csrf: randToken(), expires: s.now().Add(s.rc.SessionTTL.D())}
	s.mu.Lock()
	now := s.now()
	for k, v := range s.sessions {
		if now.After(v.expires) {
			delete(s.sessions, k)
		}
	}
	s.sessions[tok] = sess
	s.mu.Unlock()
	http.SetCookie(w, s.cookie(sessionCookie, tok, int(s.rc.SessionTTL.D().Seconds())))
	return sess
}

func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: *s.rc.SecureCookie, SameSite: http.SameSiteStrictMode}
}

// sessionFor returns the live session named by the request's cookie.
func (s *Server) sessionFor(r *http.Request) (string, *session) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[c.Value]
	if sess == nil {
		return "", nil
	}
	if s.now().After(sess.expires) {
		delete(s.sessions, c.Value)
		return "", nil
	}
	return c.Value, sess
}

// sameOrigin refuses requests that a browser marks as coming from another
// site, a second line behind the CSRF token.
func sameOrigin(r *http.Request) bool {
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" && sfs != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// authWeb finds the person behind a page request: SSO header from the
// proxy, else a session cookie.
func (s *Server) authWeb(w http.ResponseWriter, r *http.Request) *reqCtx {
	if name := s.sso.user(r); name != "" {
		u := s.users[name]
		if u == nil {
			return nil
		}
		// SSO still gets a session, for its CSRF token.
		_, sess := s.sessionFor(r)
		if sess == nil || sess.user.Name != name {
			sess = s.newSession(w, u)
		}
		return &reqCtx{user: u, csrf: sess.csrf, remote: remoteIP(r), sso: true}
	}
	_, sess := s.sessionFor(r)
	if sess == nil {
		return nil
	}
	return &reqCtx{user: sess.user, csrf: sess.csrf, remote: remoteIP(r)}
}

type webHandler func(http.ResponseWriter, *http.Request, *reqCtx)

// maxFormBytes bounds what an action may post (a reason and recipients).
const maxFormBytes = 64 << 10

// web wraps a page handler: login required (else to the login page), and
// for POST a same-origin request carrying the session's CSRF token.
func (s *Server) web(h webHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.authWeb(w, r)
		if c == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !sameOrigin(r) || !equalToken(r.PostFormValue("csrf"), c.csrf) {
				s.audit(r.Context(), c, "denied", r.PathValue("id"), "csrf check failed on "+r.URL.Path)
				http.Error(w, "invalid or missing CSRF token: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		h(w, r, c)
	}
}

// api wraps a JSON API handler: the same people, by session (POST needs the
// X-CSRF-Token header), SSO header, or HTTP Basic auth for scripts (POST
// needs Content-Type application/json, which no cross-site form can send).
func (s *Server) api(h webHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		post := r.Method != http.MethodGet && r.Method != http.MethodHead
		var c *reqCtx
		if name, pw, ok := r.BasicAuth(); ok {
			u, limited := s.checkPassword(r, name, pw)
			if limited {
				s.audit(r.Context(), nil, "login-limited", "", "api user "+name)
				jsonError(w, http.StatusTooManyRequests, "too many failed logins; wait and try again")
				return
			}
			if u == nil {
				s.audit(r.Context(), nil, "login-failed", "", "api user "+name)
				w.Header().Set("WWW-Authenticate", `Basic realm="mailward"`)
				jsonError(w, http.StatusUnauthorized, "bad user or password")
				return
			}
			c = &reqCtx{user: u, remote: remoteIP(r)}
			if post && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				jsonError(w, http.StatusUnsupportedMediaType, "POST needs Content-Type: application/json")
				return
			}
		} else {
			c = s.authWeb(w, r)
			if c == nil {
				w.Header().Set("WWW-Authenticate", `Basic realm="mailward"`)
				jsonError(w, http.StatusUnauthorized, "login required")
				return
			}
			if post && (!sameOrigin(r) || !equalToken(r.Header.Get("X-CSRF-Token"), c.csrf)) {
				s.audit(r.Context(), c, "denied", r.PathValue("id"), "csrf check failed on "+r.URL.Path)
				jsonError(w, http.StatusForbidden, "invalid or missing X-CSRF-Token")
				return
			}
		}
		h(w, r, c)
	}
}

func jsonError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if c := s.authWeb(w, r); c != nil {
		http.Redirect(w, r, "/messages", http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, "", http.StatusOK)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, msg string, code int) {
	tok := randToken()
	http.SetCookie(w, s.cookie(loginCookie, tok, 3600))
	s.render(w, code, "login.html", map[string]any{"CSRF": tok, "Error": msg, "Next": safeNext(r.FormValue("next"))})
}

// safeNext keeps a post-login redirect on this site.
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") || strings.ContainsAny(n, "\r\n") {
		return "/messages"
	}
	return n
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	lc, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) || !equalToken(r.PostFormValue("csrf"), lc.Value) {
		http.Error(w, "invalid or missing CSRF token: reload the login page", http.StatusForbidden)
		return
	}
	name := r.PostFormValue("user")
	u, limited := s.checkPassword(r, name, r.PostFormValue("password"))
	if limited {
		s.audit(r.Context(), nil, "login-limited", "", "user "+name+" from "+remoteIP(r))
		s.renderLogin(w, r, "Too many failed logins. Wait a few minutes and try again.", http.StatusTooManyRequests)
		return
	}
	if u == nil {
		s.audit(r.Context(), nil, "login-failed", "", "user "+name+" from "+remoteIP(r))
		s.renderLogin(w, r, "Wrong user name or password.", http.StatusUnauthorized)
		return
	}
	// A fresh session id at every login (no session fixation).
	if tok, _ := s.sessionFor(r); tok != "" {
		s.mu.Lock()
		delete(s.sessions, tok)
		s.mu.Unlock()
	}
	s.newSession(w, u)
	http.SetCookie(w, s.cookie(loginCookie, "", -1))
	s.audit(r.Context(), &reqCtx{user: u, remote: remoteIP(r)}, "login", "", "")
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if tok, _ := s.sessionFor(r); tok != "" {
		s.mu.Lock()
		delete(s.sessions, tok)
		s.mu.Unlock()
	}
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	s.audit(r.Context(), c, "logout", "", "")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
