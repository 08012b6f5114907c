package review

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

// apiMessage is a message in the API. It has the fields of `mailward
// quarantine list -json` and more; subject, headers, text and attachment
// names only for people who may read the message.
type apiMessage struct {
	ID         string                  `json:"id"`
	Status     quarantine.Status       `json:"status"`
	Direction  string                  `json:"direction"`
	From       string                  `json:"from"`
	To         []string                `json:"to"`
	Categories []string                `json:"categories"`
	Received   time.Time               `json:"received"`
	Rule       string                  `json:"rule"`
	Size       int64                   `json:"size"`
	Findings   []scanner.Finding       `json:"findings"`
	Rcpts      []quarantine.Rcpt       `json:"rcpts"`
	Subject    string                  `json:"subject,omitempty"`
	Readable   bool                    `json:"readable"`
	Hidden     string                  `json:"hidden,omitempty"`
	LegalHold  bool                    `json:"legal_hold,omitempty"`
	Illegal    bool                    `json:"suspected_illegal,omitempty"`
	Allowed    []string                `json:"allowed_actions"`
	Headers    []header                `json:"headers,omitempty"`
	Text       string                  `json:"text,omitempty"`
	HTML       string                  `json:"html_sanitized,omitempty"`
	Attach     []apiAttachment         `json:"attachments,omitempty"`
	Audit      []quarantine.AuditEntry `json:"audit,omitempty"`
}

type apiAttachment struct {
	Index        int      `json:"index"`
	FileName     string   `json:"file_name"`
	DeclaredType string   `json:"declared_type"`
	SniffedType  string   `json:"sniffed_type"`
	Size         int      `json:"size"`
	Findings     []string `json:"findings,omitempty"`
}

func toAPI(it item) apiMessage {
	r := it.Rec
	m := apiMessage{ID: r.ID, Status: r.Status, Direction: r.Direction, From: r.From, To: r.To,
		Categories: r.Categories, Received: r.Received, Rule: r.Rule, Size: r.Size, Findings: r.Findings,
		Rcpts: r.Rcpts, Subject: it.Subject, Readable: it.P.Read, Hidden: it.P.Why,
		LegalHold: r.LegalHold != nil, Illegal: r.SuspectedIllegal != nil, Allowed: []string{}}
	for _, a := range []struct {
		name string
		ok   bool
	}{{"release", it.P.Release}, {"delete", it.P.Delete}, {"false-positive", it.P.FalsePositive},
		{"request-release", it.P.RequestRelease}, {"confirm", it.P.Confirm}, {"illegal", it.P.Illegal},
		{"legal-hold", it.P.LegalHold}, {"lift-legal-hold", it.P.LegalHold}, {"approve-release", it.P.Approve}} {
		if a.ok {
			m.Allowed = append(m.Allowed, a.name)
		}
	}
	for i := range m.Rcpts {
		m.Rcpts[i].Claim = ""
	}
	return m
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	writeJSON(w, http.StatusOK, map[string]any{"user": c.user.Name, "role": c.user.Role, "csrf_token": c.csrf})
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	f := parseFilter(r.URL.Query())
	all, err := s.visible(r.Context(), c.user, f)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "the quarantine could not be read")
		return
	}
	items, pages := page(all, f.Page)
	s.audit(r.Context(), c, "list", "", "api "+f.auditText())
	out := make([]apiMessage, 0, len(items))
	for _, it := range items {
		out = append(out, toAPI(it))
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "total": len(all), "page": f.Page, "pages": pages})
}

func (s *Server) apiShow(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	id := r.PathValue("id")
	rec, p, err := s.load(r.Context(), c, id)
	if err != nil {
		code, msg := errorStatus(err)
		jsonError(w, code, msg)
		return
	}
	m := toAPI(item{Rec: rec, P: p})
	m.Audit = rec.Audit
	if p.Read {
		raw, err := s.store.Raw(r.Context(), id)
		if err != nil {
			code, msg := errorStatus(err)
			jsonError(w, code, msg)
			return
		}
		v := parseView(raw, rec)
		m.Subject = rec.Subject
		if m.Subject == "" {
			m.Subject = subjectOf(raw)
		}
		m.Headers, m.Text, m.HTML = v.Headers, v.Text, v.HTML
		for _, a := range v.Attachments {
			m.Attach = append(m.Attach, apiAttachment{Index: a.Index, FileName: a.FileName, DeclaredType: a.DeclaredType,
				SniffedType: a.SniffedType, Size: a.Size, Findings: a.Findings})
		}
		s.audit(r.Context(), c, "view", id, "api")
	} else {
		s.audit(r.Context(), c, "view", id, "api, metadata only: "+p.Why)
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiAction(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	var in actionInput
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
			jsonError(w, http.StatusBadRequest, "body must be JSON: {\"reason\":..., \"recipients\":[...]}")
			return
		}
	}
	res, err := s.do(r.Context(), c, r.PathValue("id"), r.PathValue("action"), in)
	if err != nil {
		code, msg := errorStatus(err)
		if code != http.StatusInternalServerError {
			msg = err.Error()
		}
		jsonError(w, code, msg)
		return
	}
	out := map[string]any{"action": res.Action, "results": res.Results}
	if res.Action == "release" {
		// release, release-partial, release-failed or release-already:
		// a script must not take a 200 for a delivered message.
		out["outcome"] = releaseOutcome(res.Results)
	}
	if res.Record != nil {
		out["status"] = res.Record.Status
		out["message"] = toAPI(item{Rec: res.Record, P: s.perms(c.user, res.Record)})
	}
	writeJSON(w, http.StatusOK, out)
}
