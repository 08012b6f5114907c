// Package review is the IT review page for held mail: a server-rendered web
// page (html/template, works without JavaScript) and a JSON API with the same
// permissions, over a quarantine.Backend.
//
// Every request needs a login (a configured user with a bcrypt password, or
// a trusted reverse proxy's header). Who may read a held message is decided
// per category, per school and per person, separately from who may release
// it (see perm.go). Every view and action goes to the store's append-only
// audit log. Message HTML is sanitised with bluemonday, with remote images
// and links removed, and served only inside a sandboxed iframe under a
// Content-Security-Policy that forbids scripts.
package review

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/sessions"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Hooks connect the review page to the rest of mailward.
type Hooks struct {
	// OnConfirm runs after a reviewer marks "confirm violation" (the
	// line-manager alert of issue 7 hangs here). rec is the updated record;
	// reviewer is the login name. It runs synchronously: keep it short or
	// start a goroutine.
	OnConfirm func(ctx context.Context, rec *quarantine.Record, reviewer string)
	// OnSuspectedIllegal runs after a reviewer marks a message suspected
	// illegal: the policies require the line manager and the network
	// manager to be told at once. Optional.
	OnSuspectedIllegal func(ctx context.Context, rec *quarantine.Record, reviewer string)
}

// Server is the review page. Make one with New.
type Server struct {
	cfg   *config.Config
	rc    *config.Review
	store quarantine.Backend
	track msglog.Store // message tracking; nil when off
	log   *slog.Logger
	hooks Hooks
	send  quarantine.SendFunc
	now   func() time.Time
	// loc is where times are shown and the digest hour counted
	// (tracker.time_zone).
	loc *time.Location
	// lists are the allow and block lists (lists.go); opened on first use.
	listsMu sync.Mutex
	lists   lists.Store
	digest  digestSigner

	pages  map[string]*template.Template
	mux    *http.ServeMux
	users  map[string]*config.ReviewUser
	sso    *ssoCheck
	limits *limiter
	// authAudit bounds the audit records of failed logins.
	authAudit authAudit
	dummyOnce sync.Once
	dummy     []byte

	// sessions are the logins: in this process by default, in the shared
	// store with store.url (SetSessions) so that they survive restarts and
	// hold on every gateway.
	sessions sessions.Store
}

// New builds the review page for cfg over store. The page works with the
// local Dir store or any other quarantine.Backend.
func New(cfg *config.Config, store quarantine.Backend, log *slog.Logger, hooks Hooks) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		cfg: cfg, rc: &cfg.Review, store: store, log: log.With("component", "review"), hooks: hooks,
		send: nexthop.Send, now: time.Now,
		users: map[string]*config.ReviewUser{},
	}
	mem := sessions.NewMemory()
	mem.Now = func() time.Time { return s.now() }
	s.sessions = mem
	for i := range cfg.Review.Users {
		u := &cfg.Review.Users[i]
		s.users[u.Name] = u
	}
	if len(s.users) == 0 {
		s.log.Warn("review page has no users: nobody can log in (add review.users)")
	}
	var err error
	if s.sso, err = newSSO(cfg.Review.SSO); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	s.limits = newLimiter(cfg.Review.LoginWindow.D())
	s.loc = cfg.Tracker.Location()
	if s.pages, err = parsePages(s.loc); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	s.routes()
	return s, nil
}

// Handler returns the page and the API, with security headers on every
// answer. Serve it on review.listen.
func (s *Server) Handler() http.Handler { return s.secure(s.mux) }

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginPost)
	m.HandleFunc("POST /logout", s.web(s.logoutPost))
	m.HandleFunc("GET /{$}", s.web(func(w http.ResponseWriter, r *http.Request, c *reqCtx) {
		http.Redirect(w, r, "/messages", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /messages", s.web(s.listPage))
	m.HandleFunc("GET /messages/{id}", s.web(s.detailPage))
	m.HandleFunc("GET /messages/{id}/body", s.web(s.bodyFrame))
	m.HandleFunc("GET /messages/{id}/raw", s.web(s.rawDownload))
	m.HandleFunc("GET /messages/{id}/attachments/{n}", s.web(s.attachmentDownload))
	m.HandleFunc("GET /messages/{id}/attachments/{n}/preview", s.web(s.attachmentPreview))
	m.HandleFunc("GET /audit", s.web(s.auditPage))
	m.HandleFunc("GET /audit.csv", s.web(s.auditCSV))
	m.HandleFunc("GET /lists", s.web(s.listsPage))
	m.HandleFunc("POST /lists", s.web(s.listsAdd))
	m.HandleFunc("POST /lists/{id}/remove", s.web(s.listsRemove))
	m.HandleFunc("GET /digest/request", s.digestPage)
	m.HandleFunc("POST /digest/request", s.digestPost)
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	m.HandleFunc("POST /messages/{id}/{action}", s.web(s.actionPost))
	m.HandleFunc("GET /tracking", s.web(s.trackingPage))
	m.HandleFunc("GET /stats", s.web(s.statsPage))

	m.HandleFunc("GET /api/me", s.api(s.apiMe))
	m.HandleFunc("GET /api/messages", s.api(s.apiList))
	m.HandleFunc("GET /api/messages/{id}", s.api(s.apiShow))
	m.HandleFunc("GET /api/tracking", s.api(s.apiTracking))
	m.HandleFunc("GET /api/messages/{id}/raw", s.api(s.rawDownload))
	m.HandleFunc("POST /api/messages/{id}/{action}", s.api(s.apiAction))
	s.mux = m
}

// pageCSP forbids inline scripts, plugins, framing by others and any load
// from elsewhere; the message body frame has its own, stricter policy.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// secure adds headers every answer carries.
func (s *Server) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "private, max-age=3600")
		}
		if s.sso.ambiguous(r) {
			s.auditLogin(r, "denied", "more than one "+s.sso.header+" header")
			http.Error(w, "more than one "+s.sso.header+" header: request refused", http.StatusBadRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// audit writes one event to the audit log; a failure is logged loudly but
// does not undo the action already done.
func (s *Server) audit(ctx context.Context, c *reqCtx, what, id, detail string) {
	e := quarantine.AuditEvent{Time: s.now().UTC(), What: what, ID: id, Detail: detail}
	if c != nil {
		e.Who, e.Remote = c.user.Name, c.remote
		e.Role = c.user.Role
	}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.Error("audit log write failed", "what", what, "id", id, "err", err)
	}
}

// Purge applies retention once and sends the expiry notices it owes.
func (s *Server) Purge(ctx context.Context) (quarantine.PurgeResult, error) {
	res, err := quarantine.Purge(ctx, s.store, s.now(), quarantine.PurgeOptions{
		Retention:          time.Duration(s.cfg.Quarantine.RetentionDays) * 24 * time.Hour,
		TombstoneRetention: time.Duration(s.cfg.Log.RetentionDays) * 24 * time.Hour,
	})
	for _, r := range res.Expired {
		s.senderNotice(ctx, r, "expired", "")
	}
	if res.Purged+res.Forgotten > 0 || err != nil {
		s.log.Info("quarantine retention", "expired", len(res.Expired), "purged", res.Purged,
			"forgotten", res.Forgotten, "kept_on_hold", res.Kept, "err", err)
	}
	return res, err
}

// Run does the background work until ctx ends: retention once an hour and
// at start, hold notices every 30 s, and the daily inbound digest. `serve`
// runs it beside Handler: `go srv.Run(ctx)`.
func (s *Server) Run(ctx context.Context) {
	s.Purge(ctx)
	purge := time.NewTicker(time.Hour)
	notices := time.NewTicker(30 * time.Second)
	defer purge.Stop()
	defer notices.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-purge.C:
			s.Purge(ctx)
		case <-notices.C:
			s.SendNotices(ctx)
		}
	}
}

// MessageURL is the link to a held message on the review page, for alerts
// and notices to staff; "" when review.base_url is not set.
func MessageURL(cfg *config.Config, id string) string {
	if cfg.Review.BaseURL == "" || !quarantine.ValidID(id) {
		return ""
	}
	return strings.TrimSuffix(cfg.Review.BaseURL, "/") + "/messages/" + id
}
