package review

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/report"
)

// mayStats reports whether a person may see the trust-wide statistics:
// admins and the data protection officer, and reviewers who are not
// limited to some schools (the figures are the whole trust's). They are
// counts only; reviewers are named only with tracking.report_staff_names.
func mayStats(u *config.ReviewUser) bool {
	switch u.Role {
	case config.RoleAdmin, config.RoleDPO:
		return true
	case config.RoleReviewer:
		return len(u.Schools) == 0
	}
	return false
}

// statsPeriods are the periods the page offers, in weeks.
var statsPeriods = []int{4, 12, 26, 52}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if !mayStats(c.user) {
		s.audit(r.Context(), c, "denied", "", "statistics")
		http.Error(w, "not allowed for your role", http.StatusForbidden)
		return
	}
	loc := s.cfg.Tracker.Location()
	weeks := 12
	for _, p := range statsPeriods {
		if r.URL.Query().Get("weeks") == strconv.Itoa(p) {
			weeks = p
		}
	}
	now := s.now().In(loc)
	// Whole weeks, Monday to Sunday, ending with the current one.
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	until := monday.AddDate(0, 0, 7)
	since := until.AddDate(0, 0, -7*weeks)
	d := s.pageData(c, "Statistics")
	d["Weeks"], d["Periods"] = weeks, statsPeriods
	if s.track == nil {
		d["Off"] = true
	}
	rep, err := report.Collect(r.Context(), s.track, s.store, since, until, report.Options{
		Title: "Statistics", Location: loc, StaffNames: s.cfg.Tracking.ReportStaffNames, Now: s.now()})
	if err != nil {
		s.log.Error("statistics", "err", err)
		http.Error(w, "the statistics could not be read", http.StatusInternalServerError)
		return
	}
	body, err := rep.Body()
	if err != nil {
		s.log.Error("statistics render", "err", err)
		http.Error(w, "the statistics could not be shown", http.StatusInternalServerError)
		return
	}
	s.audit(r.Context(), c, "stats", "", strconv.Itoa(weeks)+" weeks")
	d["Body"] = template.HTML(body)
	s.render(w, http.StatusOK, "stats.html", d)
}
