package impersonation

import (
	"fmt"
	"strings"

	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/scanner"
)

// outbound checks that a member of staff sends with a header From that is
// theirs: their own address or a shared mailbox they belong to. The sender
// is the authenticated login when the client authenticated, otherwise the
// envelope sender; senders the directory does not know (bounces, list
// servers, system accounts, forwarders of outside mail) are not checked.
// A redirect (Resent-From: the sender) keeps the original From and passes.
func (d *Detector) outbound(m *scanner.Message) []scanner.Finding {
	if d.o.Directory == nil {
		return nil
	}
	who := directory.Normalize(m.Envelope.AuthUser)
	how := "authenticated user"
	if !strings.Contains(who, "@") {
		who, how = directory.Normalize(m.Envelope.From), "envelope sender"
	}
	if who == "" || !d.trust.has(domainOf(who)) {
		return nil
	}
	p, ok := d.o.Directory.Lookup(who)
	if !ok {
		return nil
	}
	for _, k := range []string{"Resent-From", "Resent-Sender"} {
		for _, a := range scanner.Addresses(m.Header, k) {
			if p.MaySendAs(a.Address) {
				return nil
			}
		}
	}
	var out []scanner.Finding
	for _, a := range scanner.Addresses(m.Header, "From") {
		if p.MaySendAs(a.Address) {
			continue
		}
		f := scanner.Finding{Category: scanner.Impersonation, Scanner: Name, Where: "header", Tiers: []string{TierFromNotTheirs}}
		switch other, known := d.o.Directory.Lookup(a.Address); {
		case !d.trust.has(domainOf(a.Address)):
			f.Score, f.Severity = 0.5, "low"
			f.Summary = fmt.Sprintf("From is an outside address, not the %s's", how)
		case known && isPerson(other):
			c := d.roles.personClass(other)
			f.Score, f.Severity = 0.7, c.severity()
			if c >= classLeadership {
				f.Score = 0.85
			}
			f.Summary = fmt.Sprintf("From is another member of staff's address, not the %s's", how)
			if n, ok := newStaffName(other, d.roles); ok && n.title != "" {
				f.Summary = fmt.Sprintf("From is the %s's address, not the %s's", n.title, how)
			}
		default:
			f.Score, f.Severity = 0.6, "medium"
			f.Summary = fmt.Sprintf("From is a trust address the %s is not a member of", how)
		}
		out = append(out, f)
	}
	return out
}

// isPerson tells a person's entry from a shared mailbox's or a group's.
func isPerson(p directory.Person) bool {
	switch p.Role {
	case "shared", "mailbox", "shared mailbox", "resource", "group", "list":
		return false
	}
	return true
}
