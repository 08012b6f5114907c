package review

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
)

// Built-in notice texts. They name the category, never the content: no
// subject, no file names, no body.
var defaultTemplates = map[string]config.NoticeTemplate{
	"outbound_hold": {
		Subject: "Your message is being held for review",
		Body: `Your message sent {{.Received}} to {{.Recipients}} recipient(s) has been held by the trust's mail filter
because it may contain: {{.Categories}}.

IT staff will review it. You do not need to do anything now; if it is released
it will be delivered as sent. If it must not be sent, tell IT support.

Reference: {{.ID}}
`,
	},
	"inbound_digest": {
		Subject: "Messages held for you",
		Body: `The trust's mail filter is holding {{len .Messages}} message(s) addressed to you:
{{range .Messages}}
- {{.Received}} from {{.From}}
  Subject: {{.Subject}}
  Held for: {{.Categories}}; reference {{.ID}}{{with .ReleaseURL}}
  To ask IT to release it: {{.}}{{end}}
{{end}}
IT staff review held mail. If you expected one of these, {{if .Expires}}use its link
(each works once, until {{.Expires}}) or {{end}}contact IT support with its reference.
`,
	},
	"expired": {
		Subject: "Your held message was not delivered",
		Body: `Your message sent {{.Received}} to {{.Recipients}} recipient(s) was held by the trust's mail filter
({{.Categories}}) and was not released within the retention period. It has been
deleted and was not delivered.

Reference: {{.ID}}
`,
	},
	"deleted": {
		Subject: "Your held message was not delivered",
		Body: `Your message sent {{.Received}} to {{.Recipients}} recipient(s) was held by the trust's mail filter
({{.Categories}}) and has been deleted after review. It was not delivered.

Reference: {{.ID}}
`,
	},
}

// noticeData is what a template can use.
type noticeData struct {
	ID         string
	From       string
	Received   string
	Recipients int
	Categories string
	Rule       string
	Recipient  string
	Messages   []noticeData
	// Subject (digest only: the recipient's own mail) and the signed
	// one-time "request release" link; Expires is when the links stop.
	Subject    string
	ReleaseURL string
	Expires    string
}

func (s *Server) dataFor(r *quarantine.Record) noticeData {
	return noticeData{ID: r.ID, From: r.From, Received: r.Received.In(s.loc).Format("2006-01-02 15:04 MST"),
		Recipients: len(r.To), Categories: strings.ReplaceAll(strings.Join(r.Categories, ", "), "_", " "), Rule: r.Rule}
}

// digestSubject is a subject as the digest shows it: one line of printable
// text, at most 200 characters.
func digestSubject(subj string) string {
	subj = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(subj, "\uFFFD"))
	subj = strings.Join(strings.Fields(subj), " ")
	if r := []rune(subj); len(r) > 200 {
		subj = string(r[:200]) + "…"
	}
	if subj == "" {
		return "(no subject)"
	}
	return subj
}

func (s *Server) noticeFrom() string {
	if s.rc.Notices.From != "" {
		return s.rc.Notices.From
	}
	return "postmaster@" + s.cfg.Domains[0]
}

// ours reports whether addr is in the trust's domains (exact or "*.").
func (s *Server) ours(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	d, err := config.NormalizeDomain(addr[at+1:])
	if err != nil {
		return false
	}
	for _, x := range s.cfg.Domains {
		if w, ok := strings.CutPrefix(x, "*."); ok {
			if n, err := config.NormalizeDomain(w); err == nil && strings.HasSuffix(d, "."+n) {
				return true
			}
		} else if n, err := config.NormalizeDomain(x); err == nil && n == d {
			return true
		}
	}
	return false
}

// buildNotice renders template kind for data as a complete message.
func (s *Server) buildNotice(kind, to string, data noticeData) ([]byte, error) {
	t := defaultTemplates[kind]
	if o, ok := s.rc.Notices.Templates[kind]; ok {
		if o.Subject != "" {
			t.Subject = o.Subject
		}
		if o.Body != "" {
			t.Body = o.Body
		}
	}
	var subj, body bytes.Buffer
	if err := template.Must(template.New("s").Parse(t.Subject)).Execute(&subj, data); err != nil {
		return nil, fmt.Errorf("notice %s subject: %w", kind, err)
	}
	if err := template.Must(template.New("b").Parse(t.Body)).Execute(&body, data); err != nil {
		return nil, fmt.Errorf("notice %s body: %w", kind, err)
	}
	now := s.now()
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n",
		s.noticeFrom(), to, mime.QEncoding.Encode("utf-8", strings.TrimSpace(strings.ReplaceAll(subj.String(), "\n", " "))),
		now.Format(time.RFC1123Z), randToken()[:24], s.cfg.Hostname)
	b.WriteString("Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
	text := strings.ReplaceAll(strings.ReplaceAll(body.String(), "\r\n", "\n"), "\n", "\r\n")
	if plainASCII(text) {
		// Readable as it stands (references are not broken across lines).
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
		b.WriteString(text)
	} else {
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		qp := quotedprintable.NewWriter(&b)
		qp.Write([]byte(text))
		qp.Close()
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// deliverNotice sends a notice from the null sender (no bounce loops),
// routed by the recipient's domain; mailward's own mail is not scanned.
func (s *Server) deliverNotice(ctx context.Context, kind, to string, data noticeData) error {
	msg, err := s.buildNotice(kind, to, data)
	if err != nil {
		return err
	}
	hop := s.cfg.NextHop.Outbound
	if s.ours(to) {
		hop = s.cfg.NextHop.Inbound
	}
	return s.send(ctx, hop, "", []string{to}, msg)
}

// claimNotice marks notice kind as sent on the record (compare-and-set), so
// that only one instance sends it; false when it was already claimed.
func (s *Server) claimNotice(ctx context.Context, id, kind string) bool {
	_, err := s.store.Update(ctx, id, func(r *quarantine.Record) error {
		if _, done := r.Notices[kind]; done {
			return errAlready
		}
		if r.Notices == nil {
			r.Notices = map[string]time.Time{}
		}
		r.Notices[kind] = s.now().UTC()
		return nil
	})
	return err == nil
}

func (s *Server) unclaimNotice(ctx context.Context, id, kind string) {
	s.store.Update(context.WithoutCancel(ctx), id, func(r *quarantine.Record) error {
		delete(r.Notices, kind)
		return nil
	})
}

var errAlready = fmt.Errorf("already done")

// senderNotice tells a held message's sender that it expired or was
// deleted, when the config asks for it. Outside senders of inbound mail
// are told only with notices.inbound_senders (forged senders: backscatter).
func (s *Server) senderNotice(ctx context.Context, r *quarantine.Record, kind, reason string) {
	n := s.rc.Notices
	if kind == "expired" && !*n.Expiry || kind == "deleted" && !*n.Deletion {
		return
	}
	if r.From == "" || r.Direction == "inbound" && !n.InboundSenders {
		return
	}
	if !s.claimNotice(ctx, r.ID, kind) {
		return
	}
	if err := s.deliverNotice(ctx, kind, r.From, s.dataFor(r)); err != nil {
		s.log.Warn("sender notice failed", "kind", kind, "id", r.ID, "to", r.From, "err", err)
		s.unclaimNotice(ctx, r.ID, kind)
		return
	}
	s.store.AppendAudit(ctx, quarantine.AuditEvent{Time: s.now().UTC(), Who: "mailward", What: "notice", ID: r.ID, Detail: kind + " to sender"})
}

// SendNotices sends what is owed now: a hold notice for each newly held
// outbound message, and, once the digest hour has passed, the day's inbound
// digest, one per recipient. Safe to run on every instance at once.
func (s *Server) SendNotices(ctx context.Context) {
	recs, err := s.store.List(ctx)
	if err != nil {
		s.log.Warn("notices: list failed", "err", err)
		return
	}
	n := s.rc.Notices
	now := s.now().UTC()
	local := now.In(s.loc)
	digestAt := time.Date(local.Year(), local.Month(), local.Day(), *n.DigestHour, 0, 0, 0, s.loc)
	linkExp := now.Add(n.DigestLinkTTL.D())
	byRcpt := map[string][]noticeData{}
	var digested []string
	for _, r := range recs {
		if r.Status != quarantine.Held {
			continue
		}
		switch {
		case r.Direction == "outbound" && *n.OutboundHold && r.From != "":
			if _, done := r.Notices["hold"]; done || !s.claimNotice(ctx, r.ID, "hold") {
				continue
			}
			if err := s.deliverNotice(ctx, "outbound_hold", r.From, s.dataFor(r)); err != nil {
				s.log.Warn("hold notice failed", "id", r.ID, "to", r.From, "err", err)
				s.unclaimNotice(ctx, r.ID, "hold")
				continue
			}
			s.store.AppendAudit(ctx, quarantine.AuditEvent{Time: now, Who: "mailward", What: "notice", ID: r.ID, Detail: "hold to sender"})
		case r.Direction == "inbound" && *n.InboundDigest && !now.Before(digestAt) && r.Received.Before(digestAt):
			// Mail nobody may see (suspected illegal, never displayed)
			// is not listed, not even to its recipient.
			if r.SuspectedIllegal != nil || s.neverDisplay(r) {
				continue
			}
			if _, done := r.Notices["digest"]; done || !s.claimNotice(ctx, r.ID, "digest") {
				continue
			}
			digested = append(digested, r.ID)
			for _, a := range r.HeldRcpts() {
				d := s.dataFor(r)
				d.Subject = digestSubject(r.Subject)
				d.ReleaseURL = s.digestLink(r.ID, a, linkExp)
				byRcpt[a] = append(byRcpt[a], d)
			}
		}
	}
	rcpts := make([]string, 0, len(byRcpt))
	for a := range byRcpt {
		rcpts = append(rcpts, a)
	}
	sort.Strings(rcpts)
	for _, a := range rcpts {
		msgs := byRcpt[a]
		slices.SortFunc(msgs, func(x, y noticeData) int { return strings.Compare(x.Received, y.Received) })
		exp := ""
		if slices.ContainsFunc(msgs, func(m noticeData) bool { return m.ReleaseURL != "" }) {
			exp = linkExp.In(s.loc).Format("2006-01-02 15:04 MST")
		}
		if err := s.deliverNotice(ctx, "inbound_digest", a, noticeData{Recipient: a, Messages: msgs, Expires: exp}); err != nil {
			s.log.Warn("digest failed", "to", a, "err", err)
			continue
		}
	}
	for _, id := range digested {
		s.store.AppendAudit(ctx, quarantine.AuditEvent{Time: now, Who: "mailward", What: "notice", ID: id, Detail: "in recipients' digest"})
	}
}

// plainASCII reports whether text can travel as 7bit: ASCII without NUL or
// bare CR, lines under 900 bytes.
func plainASCII(text string) bool {
	for _, line := range strings.Split(text, "\r\n") {
		if len(line) > 900 {
			return false
		}
		for i := 0; i < len(line); i++ {
			if c := line[i]; c >= 0x80 || c == 0 || c == '\r' {
				return false
			}
		}
	}
	return true
}

// NotifyDeleted sends the deletion notice a deleted message's sender is owed
// (for deletions outside the page, such as `mailward quarantine delete`).
func (s *Server) NotifyDeleted(ctx context.Context, rec *quarantine.Record, reason string) {
	s.senderNotice(ctx, rec, "deleted", reason)
}
