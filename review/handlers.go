package review

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
)

const pageSize = 50

// templateFuncs are the templates' helpers; times show in loc
// (tracker.time_zone, Europe/London by default), as staff read them.
func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"join": strings.Join,
		"time": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04 MST")
		},
		"size": func(n any) string {
			var v float64
			switch x := n.(type) {
			case int:
				v = float64(x)
			case int64:
				v = float64(x)
			}
			switch {
			case v >= 1<<20:
				return fmt.Sprintf("%.1f MB", v/(1<<20))
			case v >= 1<<10:
				return fmt.Sprintf("%.0f kB", v/(1<<10))
			}
			return fmt.Sprintf("%.0f B", v)
		},
		"score": func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"add":   func(a, b int) int { return a + b },
		"list":  func(xs ...string) []string { return xs },
	}
}

func parsePages(loc *time.Location) (map[string]*template.Template, error) {
	funcs := templateFuncs(loc)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func (s *Server) render(w http.ResponseWriter, code int, page string, data map[string]any) {
	t := s.pages[page]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := t.ExecuteTemplate(w, "layout", data); err != nil {
		s.log.Error("render", "page", page, "err", err)
	}
}

func (s *Server) pageData(c *reqCtx, title string) map[string]any {
	return map[string]any{"Title": title, "User": c.user, "CSRF": c.csrf, "SSO": c.sso}
}

// filter is the list's query: every field optional.
type filter struct {
	Status, Category, Direction, From, To, Q, Since, Until string
	Page                                                   int
}

func parseFilter(q url.Values) filter {
	f := filter{Status: q.Get("status"), Category: q.Get("category"), Direction: q.Get("direction"),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), Q: strings.TrimSpace(q.Get("q")),
		Since: q.Get("since"), Until: q.Get("until")}
	if f.Status == "" {
		f.Status = string(quarantine.Held)
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

// auditText is the query as the audit log keeps it: the filters, but for
// a subject search only that there was one, never its words (they are
// message content, and the audit log holds none).
func (f filter) auditText() string {
	g := f
	if g.Q != "" {
		g.Q = ""
		if q := g.query(g.Page); q != "" {
			return q + " (subject search)"
		}
		return "(subject search)"
	}
	return g.query(g.Page)
}

func (f filter) query(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"status": f.Status, "category": f.Category, "direction": f.Direction,
		"from": f.From, "to": f.To, "q": f.Q, "since": f.Since, "until": f.Until} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// item is one listed message as the person asking may see it.
type item struct {
	Rec     *quarantine.Record
	Subject string // empty unless the person may read the message
	P       perms
}

// visible returns the messages the person may see that match f, newest
// first. A subject search matches only messages the person may read, so
// that search cannot reveal a hidden subject.
func (s *Server) visible(ctx context.Context, u *config.ReviewUser, f filter) ([]item, error) {
	recs, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	day := func(s string, end bool) (time.Time, bool) {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return t, false
		}
		if end {
			t = t.Add(24 * time.Hour)
		}
		return t, true
	}
	since, hasSince := day(f.Since, false)
	until, hasUntil := day(f.Until, true)
	var out []item
	for _, r := range recs {
		p := s.perms(u, r)
		if !p.See {
			continue
		}
		if f.Status != "all" && string(r.Status) != f.Status {
			continue
		}
		if f.Category != "" && !r.HasCategory(f.Category) || f.Direction != "" && r.Direction != f.Direction {
			continue
		}
		if f.From != "" && !strings.Contains(strings.ToLower(r.From), strings.ToLower(f.From)) {
			continue
		}
		if f.To != "" && !slices.ContainsFunc(r.To, func(a string) bool {
			return strings.Contains(strings.ToLower(a), strings.ToLower(f.To))
		}) {
			continue
		}
		if hasSince && r.Received.Before(since) || hasUntil && !r.Received.Before(until) {
			continue
		}
		it := item{Rec: r, P: p}
		if p.Read {
			it.Subject = r.Subject
		}
		if f.Q != "" && (!p.Read || !strings.Contains(strings.ToLower(r.Subject), strings.ToLower(f.Q))) {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

func page[T any](all []T, n int) ([]T, int) {
	pages := (len(all) + pageSize - 1) / pageSize
	if pages == 0 {
		pages = 1
	}
	if n > pages {
		n = pages
	}
	lo := (n - 1) * pageSize
	return all[lo:min(lo+pageSize, len(all))], pages
}

func (s *Server) categories(ctx context.Context) []string {
	cats := []string{"chain_mail", "offensive_language", "pupil_data", "suspicious_attachment", "malware", "unscannable"}
	if recs, err := s.store.List(ctx); err == nil {
		for _, r := range recs {
			for _, c := range r.Categories {
				if !slices.Contains(cats, c) {
					cats = append(cats, c)
				}
			}
		}
	}
	return cats
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	f := parseFilter(r.URL.Query())
	all, err := s.visible(r.Context(), c.user, f)
	if err != nil {
		s.log.Error("list", "err", err)
		http.Error(w, "the quarantine could not be read", http.StatusInternalServerError)
		return
	}
	items, pages := page(all, f.Page)
	s.audit(r.Context(), c, "list", "", f.auditText())
	d := s.pageData(c, "Held mail")
	d["Items"], d["Total"], d["F"], d["Pages"] = items, len(all), f, pages
	d["Categories"] = s.categories(r.Context())
	if f.Page > 1 {
		d["Prev"] = "/messages?" + f.query(f.Page-1)
	}
	if f.Page < pages {
		d["Next"] = "/messages?" + f.query(f.Page+1)
	}
	s.render(w, http.StatusOK, "list.html", d)
}

// load returns the record if the person may see it; 404 otherwise (a
// message outside one's schools does not exist for them).
func (s *Server) load(ctx context.Context, c *reqCtx, id string) (*quarantine.Record, perms, error) {
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, perms{}, err
	}
	p := s.perms(c.user, rec)
	if !p.See {
		// Audited like any refusal, though the answer stays 404 so that
		// the message's existence is not confirmed to the person.
		s.audit(ctx, c, "denied", id, "outside the person's schools")
		return nil, p, quarantine.ErrNotFound
	}
	return rec, p, nil
}

func (s *Server) httpError(w http.ResponseWriter, err error) {
	code, msg := errorStatus(err)
	if code == http.StatusInternalServerError {
		s.log.Error("review request failed", "err", err)
	}
	http.Error(w, msg, code)
}

func errorStatus(err error) (int, string) {
	switch {
	case errors.Is(err, quarantine.ErrNotFound):
		return http.StatusNotFound, "no such message"
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, errBadRequest), errors.Is(err, quarantine.ErrNotRecipient):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, quarantine.ErrGone):
		return http.StatusGone, "the message content is no longer kept"
	case errors.Is(err, quarantine.ErrIllegal), errors.Is(err, quarantine.ErrLegalHold), errors.Is(err, quarantine.ErrFinal):
		return http.StatusConflict, err.Error()
	}
	return http.StatusInternalServerError, "internal error"
}

var (
	errForbidden  = errors.New("not allowed for your role")
	errBadRequest = errors.New("bad request")
)

// doneText is the confirmation shown after an action (never echoing input).
// A banner tells the truth about a release: each recipient's server
// answered, and a failure (next hop down or slow) says so in red.
var doneText = map[string]string{
	"release":         "Release done: the next mail server accepted the message for every selected recipient.",
	"release-partial": "Release incomplete: the next mail server did not accept the message for some recipients (see below). They are still held; try again later.",
	"release-failed":  "Release failed: the next mail server did not accept the message (it may be down or slow). The message is still held; try again later.",
	"release-already": "Nothing released: the selected recipients were already released, or someone else is releasing them.",
	"delete":          "Message deleted.",
	"false-positive":  "Marked as a false positive. Release it to its recipients below.",
	"approve-release": "Release approved: a reviewer whose role may release it can now do so.",
	"request-release": "Release requested: a reviewer will decide.",
	"confirm":         "Violation confirmed.",
	"illegal":         "Marked suspected illegal: the content is now hidden from everyone. Tell your line manager and the network manager now.",
	"legal-hold":      "Legal hold set: the message will not be purged.",
	"lift-legal-hold": "Legal hold lifted.",
}

func (s *Server) detailPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	id := r.PathValue("id")
	rec, p, err := s.load(r.Context(), c, id)
	if err != nil {
		s.httpError(w, err)
		return
	}
	d := s.pageData(c, "Held message")
	done := r.URL.Query().Get("done")
	d["R"], d["P"], d["Done"] = rec, p, doneText[done]
	d["DoneBad"] = done == "release-failed" || done == "release-partial"
	if p.Read {
		raw, err := s.store.Raw(r.Context(), id)
		if err != nil {
			s.httpError(w, err)
			return
		}
		v := parseView(raw, rec)
		subject := rec.Subject
		if subject == "" {
			subject = subjectOf(raw)
		}
		d["V"], d["Subject"] = v, subject
		s.audit(r.Context(), c, "view", id, "")
	} else {
		s.audit(r.Context(), c, "view", id, "metadata only: "+p.Why)
	}
	s.render(w, http.StatusOK, "detail.html", d)
}

// bodyCSP is the message frame's policy: nothing may load or run at all.
const bodyCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

func (s *Server) bodyFrame(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	id := r.PathValue("id")
	rec, p, err := s.load(r.Context(), c, id)
	if err != nil {
		s.httpError(w, err)
		return
	}
	if !p.Read {
		s.audit(r.Context(), c, "denied", id, "view-body: "+p.Why)
		http.Error(w, "not allowed: "+p.Why, http.StatusForbidden)
		return
	}
	raw, err := s.store.Raw(r.Context(), id)
	if err != nil {
		s.httpError(w, err)
		return
	}
	v := parseView(raw, rec)
	s.audit(r.Context(), c, "view-body", id, "")
	h := w.Header()
	h.Set("Content-Security-Policy", bodyCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><html><head><meta charset=\"utf-8\"><style>body{font:14px/1.45 system-ui,sans-serif;margin:12px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>%s</body></html>", v.HTML)
}

func (s *Server) rawDownload(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	id := r.PathValue("id")
	_, p, err := s.load(r.Context(), c, id)
	if err != nil {
		s.httpError(w, err)
		return
	}
	if !p.Download {
		s.audit(r.Context(), c, "denied", id, "download raw")
		http.Error(w, "not allowed for your role", http.StatusForbidden)
		return
	}
	raw, err := s.store.Raw(r.Context(), id)
	if err != nil {
		s.httpError(w, err)
		return
	}
	s.audit(r.Context(), c, "download", id, "raw message")
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": id + ".eml"}))
	w.Write(raw)
}

func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	id := r.PathValue("id")
	rec, p, err := s.load(r.Context(), c, id)
	if err != nil {
		s.httpError(w, err)
		return
	}
	if !p.Download {
		s.audit(r.Context(), c, "denied", id, "download attachment")
		http.Error(w, "not allowed for your role", http.StatusForbidden)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	raw, rerr := s.store.Raw(r.Context(), id)
	if rerr != nil {
		s.httpError(w, rerr)
		return
	}
	v := parseView(raw, rec)
	if err != nil || n < 1 || n > len(v.Attachments) {
		http.Error(w, "no such attachment", http.StatusNotFound)
		return
	}
	a := v.Attachments[n-1]
	s.audit(r.Context(), c, "download", id, "attachment "+strconv.Itoa(n))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fmt.Sprintf("%s-%d.bin", id, n)}))
	w.Write(a.data)
}

func (s *Server) actionPost(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	id, action := r.PathValue("id"), r.PathValue("action")
	in := actionInput{Reason: r.PostFormValue("reason"), Recipients: r.PostForm["rcpt"], Release: r.PostFormValue("then") == "release"}
	res, err := s.do(r.Context(), c, id, action, in)
	if err != nil {
		s.httpError(w, err)
		return
	}
	done := action
	if res.Action == "release" {
		done = releaseOutcome(res.Results)
	}
	target := "/messages/" + id + "?done=" + url.QueryEscape(done)
	if action == "delete" && res.Record != nil && res.Record.Status == quarantine.Deleted {
		target = "/messages?done=delete"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// releaseOutcome names a release's banner from its recipients' outcomes.
func releaseOutcome(rs []quarantine.RcptResult) string {
	var released, already, failed int
	for _, x := range rs {
		switch x.Outcome {
		case "released":
			released++
		case "already":
			already++
		default:
			failed++
		}
	}
	switch {
	case failed > 0 && released == 0:
		return "release-failed"
	case failed > 0:
		return "release-partial"
	case released == 0:
		return "release-already"
	}
	return "release"
}
