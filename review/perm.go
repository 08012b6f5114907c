package review

import (
	"slices"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
)

// Permissions, in one place so that the page, the API and the tests agree.
//
//   - see: the message is listed (envelope, categories, finding summaries)
//     for people whose schools include the trust-side domain.
//   - read: subject, headers, body and attachment names. Every category of
//     the message must allow the role (review.read, "*" for the rest) or the
//     person (users[].read); never for a never_display category or a message
//     marked suspected illegal, whatever the role.
//   - release: admin everything; reviewer all but malware; dpo only pupil
//     data; viewer never (they may request release). In every case only
//     where the person may read every category of the message (review.read
//     or users[].read): nobody sends on mail they may not look at, so a
//     reviewer asks for the release of pupil data instead. Never when
//     suspected illegal or of a never_display category. A second person
//     who may read every category (not a viewer) may approve the release
//     instead: then a person whose role may release it may do so without
//     reading it (the two-person rule). Marking a false positive follows
//     release, and is not offered once a violation was confirmed.
//   - delete: as release, except that a reviewer may delete malware.
//   - confirm violation: those who may read (only staff trained in data
//     protection investigate, say the policies), unless it was marked a
//     false positive (contradictory actions are not offered).
//   - approve release: not a viewer, may read, may not release it oneself.
//   - suspected illegal: anyone but a viewer who may see the message.
//   - legal hold: admin and dpo.
//   - download (attachments, raw): roles in review.download, and the data
//     protection officer, who may read.
//   - preview attachments (as text, or sanitised HTML in a sandboxed
//     frame, or an image): those who may read.
type perms struct {
	See, Read, Release, Delete, FalsePositive, RequestRelease, Confirm, Illegal, LegalHold, Download bool
	// Approve is approving another person's release (two-person rule);
	// Preview is looking at an attachment on the page.
	Approve, Preview bool
	// ApprovedBy names who approved the release, when someone did.
	ApprovedBy string
	// Why explains a refused read on the page ("never displayed", ...).
	Why string
}

func (s *Server) perms(u *config.ReviewUser, r *quarantine.Record) perms {
	var p perms
	if !s.inSchools(u, r) {
		return p
	}
	p.See = true
	admin := u.Role == config.RoleAdmin
	illegal := r.SuspectedIllegal != nil
	final := r.Status == quarantine.Deleted || r.Status == quarantine.Expired || r.RawRemoved
	switch {
	case illegal:
		p.Why = "marked suspected illegal: hidden from everyone"
	case s.neverDisplay(r):
		p.Why = "a category of this message is never displayed"
	case final:
		p.Why = "the message content is no longer kept"
	default:
		p.Read = s.readAllowed(u, r)
		if !p.Read {
			p.Why = "your role may not read messages of this category"
		}
	}
	malware := r.HasCategory("malware")
	pupilOnly := len(r.Categories) > 0 && !slices.ContainsFunc(r.Categories, func(c string) bool { return c != "pupil_data" })
	roleRelease := admin || u.Role == config.RoleReviewer && !malware || u.Role == config.RoleDPO && pupilOnly
	p.ApprovedBy = s.approvedBy(u, r)
	mayRelease := roleRelease && (s.readAllowed(u, r) || p.ApprovedBy != "")
	held := r.Status == quarantine.Held && !illegal && !final && !s.neverDisplay(r)
	// Release stays allowed once released, so that a repeated release
	// (a script's retry) answers "already" instead of an error.
	p.Release = mayRelease && (held || r.Status == quarantine.Released && !illegal && !final)
	p.FalsePositive = mayRelease && held && r.FalsePositive == nil && r.Confirmed == nil
	p.Delete = (admin || u.Role == config.RoleReviewer || u.Role == config.RoleDPO && pupilOnly) &&
		!final && r.LegalHold == nil && (!illegal || admin)
	p.RequestRelease = !mayRelease && held
	p.Confirm = p.Read && r.FalsePositive == nil
	p.Approve = p.Read && held && !mayRelease && u.Role != config.RoleViewer && p.ApprovedBy == ""
	p.Illegal = u.Role != config.RoleViewer && !illegal && !final
	p.LegalHold = admin || u.Role == config.RoleDPO
	p.Download = p.Read && (slices.Contains(s.rc.Download, u.Role) || u.Role == config.RoleDPO)
	p.Preview = p.Read
	return p
}

// approvedBy returns who approved the release of r for u: another person
// who may (still) read every category of it; "" when nobody did.
func (s *Server) approvedBy(u *config.ReviewUser, r *quarantine.Record) string {
	for _, a := range r.Audit {
		if a.What != "release-approved" || a.Who == u.Name {
			continue
		}
		if v, ok := s.users[a.Who]; ok && s.readAllowed(v, r) && v.Role != config.RoleViewer {
			return a.Who
		}
	}
	return ""
}

func (s *Server) neverDisplay(r *quarantine.Record) bool {
	for _, c := range r.Categories {
		if slices.Contains(s.rc.NeverDisplay, c) {
			return true
		}
	}
	return false
}

func (s *Server) readAllowed(u *config.ReviewUser, r *quarantine.Record) bool {
	cats := r.Categories
	if len(cats) == 0 {
		cats = []string{"*"}
	}
	for _, c := range cats {
		if slices.Contains(u.Read, c) {
			continue
		}
		roles, ok := s.rc.Read[c]
		if !ok {
			roles = s.rc.Read["*"]
		}
		if !slices.Contains(roles, u.Role) {
			return false
		}
	}
	return true
}

// inSchools reports whether the message belongs to one of the person's
// schools: the sender's domain for outbound and internal mail, a
// recipient's for inbound.
func (s *Server) inSchools(u *config.ReviewUser, r *quarantine.Record) bool {
	if len(u.Schools) == 0 {
		return true
	}
	addrs := []string{r.From}
	if r.Direction == "inbound" {
		addrs = r.To
	}
	for _, a := range addrs {
		at := strings.LastIndexByte(a, '@')
		if at < 0 {
			continue
		}
		d, err := config.NormalizeDomain(a[at+1:])
		if err != nil {
			continue
		}
		for _, sch := range u.Schools {
			if n, err := config.NormalizeDomain(sch); err == nil && n == d {
				return true
			}
		}
	}
	return false
}
