package review

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/sessions"
)

const (
	sessionCookie = "mailward_session"
	// loginCookie carries the login form's anti-CSRF token (double submit):
	// there is no session yet to hold it.
	loginCookie = "mailward_login"
)

// session is one login, as the request sees it. The session store
// (sessions.Store: in this process, or shared with store.url) keeps the
// user's name; the user is looked up in the current config at each request.
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
	if name == "" || !s.fromProxy(r) {
		return ""
	}
	return name
}

func (s *ssoCheck) fromProxy(r *http.Request) bool {
	a, err := netip.ParseAddr(remoteIP(r))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ambiguous reports a request that names its user more than once: two SSO
// header fields, or one holding a list. Which one a proxy meant (or which
// one a client slipped past it) cannot be known, so such a request is
// refused rather than the first taken.
func (s *ssoCheck) ambiguous(r *http.Request) bool {
	if s == nil {
		return false
	}
	var n int
	for k, vs := range r.Header {
		if strings.EqualFold(k, s.header) {
			n += len(vs)
			for _, v := range vs {
				if strings.Contains(v, ",") {
					n++
				}
			}
		}
	}
	return n > 1
}

// Login throttling. Failed logins are counted per (user name, client
// address), so that a password cannot be guessed at speed and so that
// nobody can lock a user out from every address by failing on purpose
// from one; and per client address over all names, with a higher limit
// (addrFactor times), so that one address cannot try many names. The state
// is bounded (maxLimiterKeys), and so are the audit records failures make
// (see authAudit).
const (
	addrFactor     = 4
	maxLimiterKeys = 10000
	maxKeyName     = 64
)

// limiter counts failures per key in a sliding window.
type limiter struct {
	mu      sync.Mutex
	window  time.Duration
	maxKeys int
	fails   map[string]*failures
}

// failures of one key, oldest first; never more than its limit.
type failures struct {
	times []time.Time
	// noted is set once the current lockout has been written to the audit
	// log, so that a lockout makes one record however often it is hit.
	noted bool
}

// limitKey is a key and its limit.
type limitKey struct {
	key string
	max int
}

func newLimiter(window time.Duration) *limiter {
	return &limiter{window: window, maxKeys: maxLimiterKeys, fails: map[string]*failures{}}
}

// loginKeys are the keys of a login by name from addr.
func (s *Server) loginKeys(name, addr string) []limitKey {
	name = strings.ToLower(name)
	if len(name) > maxKeyName {
		name = name[:maxKeyName]
	}
	max := s.rc.LoginAttempts
	return []limitKey{{"u:" + name + "\x00ip:" + addr, max}, {"ip:" + addr, max * addrFactor}}
}

func (l *limiter) prune(key string, max int, now time.Time) *failures {
	f := l.fails[key]
	if f == nil {
		return nil
	}
	i := 0
	for i < len(f.times) && now.Sub(f.times[i]) > l.window {
		i++
	}
	f.times = f.times[i:]
	if len(f.times) == 0 {
		delete(l.fails, key)
		return nil
	}
	if len(f.times) < max {
		f.noted = false
	}
	return f
}

// blocked reports whether any key is at its limit, and whether this is the
// first refusal of that lockout (which the caller writes to the audit log).
func (l *limiter) blocked(now time.Time, keys ...limitKey) (blocked, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if f := l.prune(k.key, k.max, now); f != nil && len(f.times) >= k.max {
			blocked = true
			if !f.noted {
				f.noted, first = true, true
			}
		}
	}
	return blocked, first
}

// fail counts a failure against every key.
func (l *limiter) fail(now time.Time, keys ...limitKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		f := l.prune(k.key, k.max, now)
		if f == nil {
			l.makeRoom(now)
			f = &failures{}
			l.fails[k.key] = f
		}
		f.times = append(f.times, now)
		if len(f.times) > k.max {
			f.times = f.times[len(f.times)-k.max:]
		}
	}
}

// forget clears a key (after a successful login).
func (l *limiter) forget(k limitKey) {
	l.mu.Lock()
	delete(l.fails, k.key)
	l.mu.Unlock()
}

// makeRoom keeps the table under maxKeys: first what has left the window,
// then the keys whose last failure is oldest.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.fails) < l.maxKeys {
		return
	}
	for k, f := range l.fails {
		if now.Sub(f.times[len(f.times)-1]) > l.window {
			delete(l.fails, k)
		}
	}
	for len(l.fails) >= l.maxKeys {
		var oldest string
		var at time.Time
		for k, f := range l.fails {
			if last := f.times[len(f.times)-1]; oldest == "" || last.Before(at) {
				oldest, at = k, last
			}
		}
		delete(l.fails, oldest)
	}
}

// len is the number of keys held (for tests).
func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.fails)
}

// authAudit bounds the audit records that failed and refused logins make,
// since anyone who can reach the page can cause them and each is fsynced:
// a token bucket of authAuditBurst records refilled at one per
// authAuditEvery. Records over it are counted, and the next record written
// says how many were left out.
type authAudit struct {
	mu      sync.Mutex
	tokens  float64
	last    time.Time
	dropped int
}

const (
	authAuditBurst = 60
	authAuditEvery = time.Second
)

// take reports whether a record may be written now, and how many were
// left out since the last one written.
func (a *authAudit) take(now time.Time) (ok bool, dropped int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last.IsZero() {
		a.tokens = authAuditBurst
	} else if d := now.Sub(a.last); d > 0 {
		a.tokens = min(authAuditBurst, a.tokens+float64(d)/float64(authAuditEvery))
	}
	a.last = now
	if a.tokens < 1 {
		a.dropped++
		return false, 0
	}
	a.tokens--
	dropped, a.dropped = a.dropped, 0
	return true, dropped
}

// auditLogin writes a failed or refused login (or another request refused
// before anyone is logged in) to the audit log with the client's address,
// within the authAudit bound.
func (s *Server) auditLogin(r *http.Request, what, detail string) {
	ok, dropped := s.authAudit.take(s.now())
	if !ok {
		s.log.Warn("login audit record left out (rate limit)", "what", what, "remote", remoteIP(r))
		return
	}
	if dropped > 0 {
		detail += fmt.Sprintf(" (%d earlier failed or refused logins not logged: rate limit)", dropped)
	}
	e := quarantine.AuditEvent{Time: s.now().UTC(), What: what, Detail: detail, Remote: remoteIP(r)}
	if err := s.store.AppendAudit(r.Context(), e); err != nil {
		s.log.Error("audit log write failed", "what", what, "err", err)
	}
}

// cleanName is a login name as attempted, fit for an audit record.
func cleanName(n string) string {
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, n)
	if len(n) > maxKeyName {
		n = n[:maxKeyName] + "..."
	}
	return strconv.Quote(n)
}

// dummyHash makes a login for an unknown user cost as much as one for a
// known user, so that timing does not tell which names exist: it has the
// bcrypt cost most configured users have, made on first use.
func (s *Server) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		costs := map[int]int{}
		best := bcrypt.DefaultCost
		for _, u := range s.users {
			if c, err := bcrypt.Cost([]byte(u.PasswordHash)); err == nil {
				costs[c]++
				if costs[c] > costs[best] || costs[c] == costs[best] && c > best {
					best = c
				}
			}
		}
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("mailward-no-such-user"), best)
	})
	return s.dummy
}

// loginResult is the outcome of a password check.
type loginResult int

const (
	loginOK loginResult = iota
	loginFailed
	loginLimited     // refused, over a limit; already written to the audit log
	loginLimitedSeen // refused, over a limit (not the lockout's first refusal)
)

// checkPassword verifies a login, rate-limited per (name, address) and per
// address, and writes failures and the first refusal of each lockout to
// the audit log with the client's address. via names the way in ("api
// user" or "user").
func (s *Server) checkPassword(r *http.Request, via, name, password string) (*config.ReviewUser, loginResult) {
	now := s.now()
	keys := s.loginKeys(name, remoteIP(r))
	if blocked, first := s.limits.blocked(now, keys...); blocked {
		if first {
			s.auditLogin(r, "login-limited", via+" "+cleanName(name))
			return nil, loginLimited
		}
		return nil, loginLimitedSeen
	}
	u := s.users[name]
	var hash []byte
	if u != nil && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	} else {
		hash = s.dummyHash()
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if err != nil || u == nil || u.PasswordHash == "" {
		s.limits.fail(now, keys...)
		s.auditLogin(r, "login-failed", via+" "+cleanName(name))
		return nil, loginFailed
	}
	s.limits.forget(keys[0])
	return u, loginOK
}

func (s *Server) newSession(w http.ResponseWriter, u *config.ReviewUser) *session {
	tok := randToken()
	sess := &session{user: u, csrf: randToken(), expires: s.now().Add(s.rc.SessionTTL.D())}
	ctx := context.Background()
	if err := s.sessions.Expire(ctx, s.now()); err != nil {
		s.log.Warn("expired sessions not removed", "err", err)
	}
	if err := s.sessions.Put(ctx, tok, sessions.Session{User: u.Name, CSRF: sess.csrf, Expires: sess.expires}); err != nil {
		// The login works for this request only; the next one asks again.
		s.log.Error("session not stored", "err", err)
		return sess
	}
	http.SetCookie(w, s.cookie(sessionCookie, tok, int(s.rc.SessionTTL.D().Seconds())))
	return sess
}

// dropSession ends the session named by tok (logout, a new login).
func (s *Server) dropSession(tok string) {
	if err := s.sessions.Delete(context.Background(), tok); err != nil {
		s.log.Error("session not removed", "err", err)
	}
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
	st, err := s.sessions.Get(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, sessions.ErrNone) {
			s.log.Error("session lookup failed", "err", err) // fail closed: not logged in
		}
		return "", nil
	}
	u := s.users[st.User]
	if u == nil || s.now().After(st.Expires) {
		return "", nil
	}
	return c.Value, &session{user: u, csrf: st.CSRF, expires: st.Expires}
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
			u, res := s.checkPassword(r, "api user", name, pw)
			if res == loginLimited || res == loginLimitedSeen {
				jsonError(w, http.StatusTooManyRequests, "too many failed logins; wait and try again")
				return
			}
			if u == nil {
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

// safeNext keeps a post-login redirect on this site: only a clean local
// path (and query) is accepted, anything else goes to the list. Browsers
// drop tabs and newlines from a URL and read a backslash as a slash, so
// "/\t/evil.example" or "/\\evil.example" would leave the site; printable
// ASCII without a backslash, parsed with no scheme, host or user, whose
// path starts with exactly one slash, cannot.
func safeNext(n string) string {
	const home = "/messages"
	if n == "" || len(n) > 2048 || n[0] != '/' {
		return home
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return home
		}
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.EscapedPath(), "//") {
		return home
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
	u, res := s.checkPassword(r, "user", name, r.PostFormValue("password"))
	if res == loginLimited || res == loginLimitedSeen {
		s.renderLogin(w, r, "Too many failed logins. Wait a few minutes and try again.", http.StatusTooManyRequests)
		return
	}
	if u == nil {
		s.renderLogin(w, r, "Wrong user name or password.", http.StatusUnauthorized)
		return
	}
	// A fresh session id at every login (no session fixation).
	if tok, _ := s.sessionFor(r); tok != "" {
		s.dropSession(tok)
	}
	s.newSession(w, u)
	http.SetCookie(w, s.cookie(loginCookie, "", -1))
	s.audit(r.Context(), &reqCtx{user: u, remote: remoteIP(r)}, "login", "", "")
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if tok, _ := s.sessionFor(r); tok != "" {
		s.dropSession(tok)
	}
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	s.audit(r.Context(), c, "logout", "", "")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// SetSessions puts the logins in st (the shared store with store.url), so
// that they survive restarts and hold on every gateway. Call it before
// serving.
func (s *Server) SetSessions(st sessions.Store) { s.sessions = st }
