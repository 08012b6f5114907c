package review

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
)

// auditReader is a store whose audit log can be read back (the local Dir;
// the shared store of issue 15 adds it too).
type auditReader interface {
	ReadAudit() ([]quarantine.AuditEvent, error)
}

// auditFilter is the audit screen's query; every field optional.
type auditFilter struct {
	Who, What, ID, Since, Until string
	Page                        int
}

func parseAuditFilter(q url.Values) auditFilter {
	f := auditFilter{Who: strings.TrimSpace(q.Get("who")), What: strings.TrimSpace(q.Get("what")), ID: strings.TrimSpace(q.Get("id")),
		Since: q.Get("since"), Until: q.Get("until")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

func (f auditFilter) query(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"who": f.Who, "what": f.What, "id": f.ID, "since": f.Since, "until": f.Until} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// mayAudit: the audit screen is for admins and the data protection officer.
func mayAudit(u *config.ReviewUser) bool {
	return u.Role == config.RoleAdmin || u.Role == config.RoleDPO
}

// auditEvents returns the events matching f, newest first. Dates are days
// in the page's time zone; who matches a login exactly (or "cli:" for
// every command-line user), what a verb exactly, id a message exactly.
func (s *Server) auditEvents(f auditFilter) ([]quarantine.AuditEvent, error) {
	ar, ok := s.store.(auditReader)
	if !ok {
		return nil, errAuditUnavailable
	}
	all, err := ar.ReadAudit()
	if err != nil && len(all) == 0 {
		return nil, err
	}
	day := func(v string, end bool) (time.Time, bool) {
		t, err := time.ParseInLocation(time.DateOnly, v, s.loc)
		if err != nil {
			return t, false
		}
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, true
	}
	since, hasSince := day(f.Since, false)
	until, hasUntil := day(f.Until, true)
	var out []quarantine.AuditEvent
	for _, e := range slices.Backward(all) {
		switch {
		case f.Who != "" && !strings.EqualFold(e.Who, f.Who) && !(f.Who == "cli:" && strings.HasPrefix(e.Who, "cli:")):
		case f.What != "" && e.What != f.What:
		case f.ID != "" && e.ID != f.ID:
		case hasSince && e.Time.Before(since), hasUntil && !e.Time.Before(until):
		default:
			out = append(out, e)
		}
	}
	return out, nil
}

var errAuditUnavailable = errorString("this quarantine store cannot read its audit log back")

type errorString string

func (e errorString) Error() string { return string(e) }

// auditVerbs are offered in the filter.
var auditVerbs = []string{"view", "view-body", "preview", "download", "release", "release-failed", "release-approved", "delete",
	"false-positive", "request-release", "confirm", "suspected-illegal", "legal-hold", "legal-hold-lifted", "list", "login",
	"login-failed", "logout", "denied", "notice", "expired", "purged", "lists-add", "lists-remove", "audit-view", "audit-export"}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if !mayAudit(c.user) {
		s.audit(r.Context(), c, "denied", "", "audit screen")
		http.Error(w, "the audit screen is for admins and the data protection officer", http.StatusForbidden)
		return
	}
	f := parseAuditFilter(r.URL.Query())
	evs, err := s.auditEvents(f)
	if err != nil {
		s.log.Error("audit read", "err", err)
		http.Error(w, "the audit log could not be read", http.StatusInternalServerError)
		return
	}
	s.audit(r.Context(), c, "audit-view", "", f.query(f.Page))
	rows, pages := page(evs, f.Page)
	d := s.pageData(c, "Audit log")
	d["Events"], d["Total"], d["F"], d["Pages"], d["Verbs"] = rows, len(evs), f, pages, auditVerbs
	d["CSV"] = "/audit.csv?" + f.query(1)
	if f.Page > 1 {
		d["Prev"] = "/audit?" + f.query(f.Page-1)
	}
	if f.Page < pages {
		d["Next"] = "/audit?" + f.query(f.Page+1)
	}
	s.render(w, http.StatusOK, "audit.html", d)
}

// auditCSV exports the filtered audit log (every page), times in the
// page's time zone and UTC. Cells that a spreadsheet would run as a
// formula are quoted with a leading apostrophe.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if !mayAudit(c.user) {
		s.audit(r.Context(), c, "denied", "", "audit export")
		http.Error(w, "the audit export is for admins and the data protection officer", http.StatusForbidden)
		return
	}
	f := parseAuditFilter(r.URL.Query())
	evs, err := s.auditEvents(f)
	if err != nil {
		s.log.Error("audit read", "err", err)
		http.Error(w, "the audit log could not be read", http.StatusInternalServerError)
		return
	}
	s.audit(r.Context(), c, "audit-export", "", f.query(1))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mailward-audit-`+s.now().In(s.loc).Format("2006-01-02")+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "time_utc", "who", "role", "what", "message", "detail", "remote"})
	for _, e := range evs {
		cw.Write([]string{e.Time.In(s.loc).Format("2006-01-02 15:04:05 MST"), e.Time.UTC().Format(time.RFC3339),
			csvCell(e.Who), csvCell(e.Role), csvCell(e.What), csvCell(e.ID), csvCell(e.Detail), csvCell(e.Remote)})
	}
	cw.Flush()
}

// csvCell defuses spreadsheet formulas (OWASP "CSV injection").
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
