package review

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
)

// SetTracking gives the page the message log: the tracking page and the
// statistics read it. Call it before serving; without it those pages say
// that tracking is off.
func (s *Server) SetTracking(st msglog.Store) { s.track = st }

// trackPageSize is how many messages one tracking page lists.
const trackPageSize = 100

// trackFilter is the tracking page's query, as typed.
type trackFilter struct {
	From, To, Since, Until, Action, Category, Direction, QueueID, Before string
}

func parseTrackFilter(q url.Values) trackFilter {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return trackFilter{From: g("from"), To: g("to"), Since: g("since"), Until: g("until"), Action: g("action"),
		Category: g("category"), Direction: g("direction"), QueueID: g("queue_id"), Before: g("before")}
}

func (f trackFilter) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"from": f.From, "to": f.To, "since": f.Since, "until": f.Until, "action": f.Action,
		"category": f.Category, "direction": f.Direction, "queue_id": f.QueueID} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// query turns the filter into a msglog.Query. Dates are days in the
// tracker's time zone, the until day included.
func (f trackFilter) query(loc *time.Location) (msglog.Query, error) {
	q := msglog.Query{From: f.From, To: f.To, Action: f.Action, Category: f.Category, Direction: f.Direction,
		QueueID: f.QueueID, Limit: trackPageSize}
	day := func(s string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		return time.ParseInLocation(time.DateOnly, s, loc)
	}
	if f.Since != "" {
		t, err := day(f.Since)
		if err != nil {
			return q, fmt.Errorf("%w: from date: want YYYY-MM-DD", errBadRequest)
		}
		q.Since = t
	}
	if f.Until != "" {
		t, err := day(f.Until)
		if err != nil {
			return q, fmt.Errorf("%w: to date: want YYYY-MM-DD", errBadRequest)
		}
		if len(f.Until) == len(time.DateOnly) {
			t = t.AddDate(0, 0, 1)
		}
		q.Until = t
	}
	if f.Before != "" {
		us, seq, ok := strings.Cut(f.Before, "-")
		a, err1 := strconv.ParseInt(us, 10, 64)
		b, err2 := strconv.ParseInt(seq, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return q, fmt.Errorf("%w: bad page cursor", errBadRequest)
		}
		q.Before = msglog.Cursor{Time: time.UnixMicro(a), Seq: b}
	}
	return q, nil
}

// auditText is the search as the audit log keeps it: addresses and
// filters, which the audit log may hold (no content is searched here).
func (f trackFilter) auditText() string { return f.values().Encode() }

// trackRow is one listed message as the person asking may see it.
type trackRow struct {
	R msglog.Record
	// Held links to the held copy (the detail page checks its own rights).
	Held bool
}

// visibleRecord reports whether the person may see a tracked message:
// as for held mail, the message must belong to one of their schools.
func (s *Server) visibleRecord(c *reqCtx, r msglog.Record) bool {
	return s.inSchools(c.user, &quarantine.Record{From: r.From, To: r.To, Direction: r.Direction})
}

// search runs the query and keeps what the person may see. A person
// restricted to some schools may get short pages; Next still continues.
func (s *Server) search(ctx context.Context, c *reqCtx, q msglog.Query) ([]trackRow, msglog.Cursor, error) {
	p, err := s.track.Search(ctx, q)
	if err != nil {
		return nil, msglog.Cursor{}, err
	}
	var rows []trackRow
	for _, r := range p.Records {
		if !s.visibleRecord(c, r) {
			continue
		}
		rows = append(rows, trackRow{R: r, Held: r.QuarantineID != "" && quarantine.ValidID(r.QuarantineID)})
	}
	return rows, p.Next, nil
}

var trackActions = []string{"deliver", "tag", "quarantine", "reject", "tempfail", "redirect"}

func (s *Server) trackingPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	d := s.pageData(c, "Message tracking")
	f := parseTrackFilter(r.URL.Query())
	d["F"], d["Actions"], d["Categories"] = f, trackActions, s.categories(r.Context())
	d["Directions"] = []string{"inbound", "outbound", "internal"}
	if s.track == nil {
		d["Off"] = true
		s.render(w, http.StatusOK, "tracking.html", d)
		return
	}
	q, err := f.query(s.cfg.Tracker.Location())
	if err != nil {
		d["Error"] = err.Error()
		s.render(w, http.StatusBadRequest, "tracking.html", d)
		return
	}
	rows, next, err := s.search(r.Context(), c, q)
	if err != nil {
		s.log.Error("tracking search", "err", err)
		http.Error(w, "message tracking could not be read", http.StatusInternalServerError)
		return
	}
	s.audit(r.Context(), c, "track", "", f.auditText())
	d["Rows"], d["Searched"] = rows, true
	if !next.Time.IsZero() {
		v := f.values()
		v.Set("before", fmt.Sprintf("%d-%d", next.Time.UnixMicro(), next.Seq))
		d["Next"] = "/tracking?" + v.Encode()
	}
	s.render(w, http.StatusOK, "tracking.html", d)
}

// apiTracking is the tracking search for scripts: the same people and
// filters, one JSON object per message as `mailward track -json` prints.
func (s *Server) apiTracking(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if s.track == nil {
		jsonError(w, http.StatusNotFound, "message tracking is off")
		return
	}
	f := parseTrackFilter(r.URL.Query())
	q, err := f.query(s.cfg.Tracker.Location())
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	rows, next, err := s.search(r.Context(), c, q)
	if err != nil {
		s.log.Error("tracking search", "err", err)
		jsonError(w, http.StatusInternalServerError, "message tracking could not be read")
		return
	}
	s.audit(r.Context(), c, "track", "", f.auditText())
	out := struct {
		Messages []msglog.Record `json:"messages"`
		Next     string          `json:"next,omitempty"`
	}{Messages: []msglog.Record{}}
	for _, x := range rows {
		out.Messages = append(out.Messages, x.R)
	}
	if !next.Time.IsZero() {
		out.Next = fmt.Sprintf("%d-%d", next.Time.UnixMicro(), next.Seq)
	}
	writeJSON(w, http.StatusOK, out)
}

// trackEvent adds a held message's event to the message log (release,
// failed release, deletion), so that tracking shows what became of it. A
// failure is logged: the action itself is done. n is the recipients it
// concerned; a release event for none is not recorded.
func (s *Server) trackEvent(ctx context.Context, id, what, who string, n int) {
	if s.track == nil || n == 0 && what != "deleted" {
		return
	}
	e := msglog.Event{Time: s.now().UTC(), QuarantineID: id, What: what, Who: who, Recipients: n}
	if err := s.track.AddEvent(ctx, e); err != nil {
		s.log.Warn("message tracking event not recorded", "id", id, "what", what, "err", err)
	}
}
