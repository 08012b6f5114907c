package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"text/template"

	"golang.org/x/crypto/bcrypt"
)

// Review configures the quarantine review page (issue 6).
//
//	review:
//	  listen: 127.0.0.1:8025
//	  base_url: https://mailward.trust.example   # links in alerts and notices
//	  session_ttl: 8h                            # default 8h
//	  secure_cookie: true                        # default true; false only for plain-http trials off localhost
//	  login_attempts: 5                          # failed logins per user at one address (4x per address) ...
//	  login_window: 15m                          # ... within this window, then 429 there
//	  users:
//	    - name: alice
//	      password_hash: $2y$12$...              # htpasswd -nbBC 12 alice PASSWORD (the part after "alice:")
//	      role: admin                            # admin, reviewer, dpo or viewer
//	      schools: [a.trust.example]             # optional: only mail of these domains
//	      read: [pupil_data]                     # optional: categories this person may read beyond the role
//	  sso:
//	    header: X-Remote-User                    # login name set by a trusted reverse proxy
//	    networks: [127.0.0.1/32]                 # the proxy's addresses; the header is ignored from others
//	  read:                                      # category -> roles that may read the content
//	    pupil_data: [admin, dpo]
//	    "*": [admin, reviewer]
//	  never_display: [csam]                      # listed, never shown to anyone
//	  download: [admin]                          # roles that may download attachments and the raw message
//	  notices:
//	    from: mailward@trust.example
//	    outbound_hold: true
//	    inbound_digest: true
//	    digest_hour: 7                         # in tracker.time_zone
//	    digest_link_ttl: 168h                  # "request release" links in the digest work once, until then
//	    digest_key: ""                         # HMAC key of those links (32+ chars); empty: generated and kept in quarantine.dir
//	    expiry: true
//	    deletion: true
//	    inbound_senders: false
//	    templates:
//	      outbound_hold: {subject: "...", body: "..."}
type Review struct {
	Listen string `yaml:"listen"`
	// BaseURL is where staff reach the page, for links in alerts.
	BaseURL string `yaml:"base_url"`
	// SessionTTL is how long a login lasts. Default 8h.
	SessionTTL Duration `yaml:"session_ttl"`
	// SecureCookie marks the session cookie Secure. Default true: the page
	// is meant to sit behind TLS (browsers accept Secure cookies from
	// http://localhost too).
	SecureCookie *bool `yaml:"secure_cookie"`
	// LoginAttempts failed logins per user name at one client address
	// (and four times as many per client address, over all names) within
	// LoginWindow are allowed; then logins from there answer 429, while the
	// user can still log in from elsewhere. Default 5 in 15m.
	LoginAttempts int      `yaml:"login_attempts"`
	LoginWindow   Duration `yaml:"login_window"`
	// Users who may log in.
	Users []ReviewUser `yaml:"users"`
	// SSO trusts a reverse proxy's header naming the logged-in user.
	SSO ReviewSSO `yaml:"sso"`
	// Read maps a category to the roles that may read a held message's
	// content; "*" is every category not listed. A message with several
	// categories is readable only by roles allowed for all of them.
	// Defaults: pupil_data: [admin, dpo]; malware: [admin]; "*": [admin, reviewer].
	Read map[string][]string `yaml:"read"`
	// NeverDisplay categories are listed but their content is never shown.
	NeverDisplay []string `yaml:"never_display"`
	// Download lists the roles that may download attachments and the raw
	// message. Default [admin].
	Download []string `yaml:"download"`
	// Notices configures what senders and recipients are told.
	Notices ReviewNotices `yaml:"notices"`
}

// ReviewUser is one person who may log in to the review page.
type ReviewUser struct {
	Name string `yaml:"name"`
	// PasswordHash is a bcrypt hash; empty means SSO only.
	PasswordHash string `yaml:"password_hash"`
	Role         string `yaml:"role"`
	// Schools limits the person to mail of these domains (the sender's for
	// outbound and internal mail, a recipient's for inbound); empty is all.
	Schools []string `yaml:"schools"`
	// Read adds categories this person may read whatever the role says
	// ("designated staff" for SEN or medical content).
	Read []string `yaml:"read"`
}

// ReviewSSO is single sign-on through a trusted reverse proxy.
type ReviewSSO struct {
	// Header carries the user name; the user must be in users.
	Header string `yaml:"header"`
	// Networks are the proxy's addresses; required with header.
	Networks []string `yaml:"networks"`
}

// ReviewNotices configures notices to senders and recipients of held mail.
type ReviewNotices struct {
	// From is the notices' From address. Default postmaster@ the first domain.
	From string `yaml:"from"`
	// OutboundHold tells the sender of held outbound mail which category
	// held it and that IT will review it. Default true.
	OutboundHold *bool `yaml:"outbound_hold"`
	// InboundDigest sends each recipient of held inbound mail one daily
	// digest. Default true.
	InboundDigest *bool `yaml:"inbound_digest"`
	// DigestHour is the hour of day (in tracker.time_zone) the digest goes
	// out. Default 7.
	DigestHour *int `yaml:"digest_hour"`
	// DigestLinkTTL is how long a digest's "request release" link works
	// (once). Default 168h (a week).
	DigestLinkTTL Duration `yaml:"digest_link_ttl"`
	// DigestKey signs those links (HMAC-SHA256): at least 32 characters,
	// the same on every gateway. Empty: a random key is generated once and
	// kept in quarantine.dir/digest.key (shared by gateways sharing it).
	DigestKey string `yaml:"digest_key"`
	// Expiry and Deletion tell the sender when held mail expires or is
	// deleted. Default true.
	Expiry   *bool `yaml:"expiry"`
	Deletion *bool `yaml:"deletion"`
	// InboundSenders extends expiry and deletion notices to outside
	// senders of inbound mail. Default false: their addresses are often
	// forged, and notices to them would be backscatter.
	InboundSenders bool `yaml:"inbound_senders"`
	// Templates override the built-in texts, by notice kind: outbound_hold,
	// inbound_digest, expired, deleted. Go text/template.
	Templates map[string]NoticeTemplate `yaml:"templates"`
}

// NoticeTemplate is a subject and body in Go's text/template syntax.
type NoticeTemplate struct {
	Subject string `yaml:"subject"`
	Body    string `yaml:"body"`
}

// Roles of the review page.
const (
	RoleAdmin    = "admin"
	RoleReviewer = "reviewer"
	RoleDPO      = "dpo"
	RoleViewer   = "viewer"
)

// Roles lists every role.
var Roles = []string{RoleAdmin, RoleReviewer, RoleDPO, RoleViewer}

// NoticeKinds are the template keys.
var NoticeKinds = []string{"outbound_hold", "inbound_digest", "expired", "deleted"}

func (x *Review) applyDefaults() {
	if x.SessionTTL == 0 {
		x.SessionTTL = Duration(8 * 60 * 60 * 1e9)
	}
	if x.SecureCookie == nil {
		x.SecureCookie = ptr(true)
	}
	if x.LoginAttempts == 0 {
		x.LoginAttempts = 5
	}
	if x.LoginWindow == 0 {
		x.LoginWindow = Duration(15 * 60 * 1e9)
	}
	def := map[string][]string{
		"pupil_data": {RoleAdmin, RoleDPO},
		"malware":    {RoleAdmin},
		"*":          {RoleAdmin, RoleReviewer},
	}
	if x.Read == nil {
		x.Read = map[string][]string{}
	}
	for k, v := range def {
		if _, ok := x.Read[k]; !ok {
			x.Read[k] = v
		}
	}
	if x.Download == nil {
		x.Download = []string{RoleAdmin}
	}
	n := &x.Notices
	for _, p := range []**bool{&n.OutboundHold, &n.InboundDigest, &n.Expiry, &n.Deletion} {
		if *p == nil {
			*p = ptr(true)
		}
	}
	if n.DigestHour == nil {
		n.DigestHour = ptr(7)
	}
	if n.DigestLinkTTL == 0 {
		n.DigestLinkTTL = Duration(168 * 60 * 60 * 1e9)
	}
}

func ptr[T any](v T) *T { return &v }

func (x *Review) validate(v *validator) {
	if _, _, err := splitHostPort(x.Listen); err != nil {
		v.errorf("review.listen", "%v", err)
	}
	if x.BaseURL != "" {
		if u, err := url.Parse(x.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.errorf("review.base_url", "want an http(s) URL, got %q", x.BaseURL)
		}
	}
	if x.SessionTTL.D() < 60e9 {
		v.errorf("review.session_ttl", "must be at least 1m")
	}
	if x.LoginAttempts < 1 {
		v.errorf("review.login_attempts", "must be at least 1")
	}
	if x.LoginWindow.D() < 1e9 {
		v.errorf("review.login_window", "must be at least 1s")
	}
	seen := map[string]bool{}
	for i, u := range x.Users {
		key := fmt.Sprintf("review.users.%d", i)
		if u.Name == "" || strings.ContainsAny(u.Name, " \t\r\n:;") {
			v.errorf(key+".name", "needs a name without spaces, colons or semicolons")
		}
		if seen[u.Name] {
			v.errorf(key+".name", "user %q listed twice", u.Name)
		}
		seen[u.Name] = true
		if !slices.Contains(Roles, u.Role) {
			v.errorf(key+".role", "role %q: want one of %s", u.Role, strings.Join(Roles, ", "))
		}
		if u.PasswordHash != "" {
			if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
				v.errorf(key+".password_hash", "not a bcrypt hash: %v", err)
			}
		} else if x.SSO.Header == "" {
			v.errorf(key+".password_hash", "needed unless sso.header is set")
		}
		for j, s := range u.Schools {
			if _, err := NormalizeDomain(s); err != nil {
				v.errorf(fmt.Sprintf("%s.schools.%d", key, j), "%v", err)
			}
		}
	}
	if x.SSO.Header != "" && len(x.SSO.Networks) == 0 {
		v.errorf("review.sso.networks", "required with sso.header: the header is trusted only from the proxy")
	}
	for i, n := range x.SSO.Networks {
		if _, err := netip.ParsePrefix(n); err != nil {
			v.errorf(fmt.Sprintf("review.sso.networks.%d", i), "bad CIDR %q", n)
		}
	}
	for cat, roles := range x.Read {
		for _, r := range roles {
			if !slices.Contains(Roles, r) {
				v.errorf("review.read."+cat, "role %q: want one of %s", r, strings.Join(Roles, ", "))
			}
		}
	}
	for _, r := range x.Download {
		if !slices.Contains(Roles, r) {
			v.errorf("review.download", "role %q: want one of %s", r, strings.Join(Roles, ", "))
		}
	}
	if h := *x.Notices.DigestHour; h < 0 || h > 23 {
		v.errorf("review.notices.digest_hour", "must be 0..23")
	}
	if d := x.Notices.DigestLinkTTL.D(); d < 60*60*1e9 || d > 90*24*60*60*1e9 {
		v.errorf("review.notices.digest_link_ttl", "must be between 1h and 90 days")
	}
	if k := x.Notices.DigestKey; k != "" && len(k) < 32 {
		v.errorf("review.notices.digest_key", "must be at least 32 characters (or empty: generated)")
	}
	if f := x.Notices.From; f != "" && (!strings.Contains(f, "@") || strings.ContainsAny(f, "<>\r\n ")) {
		v.errorf("review.notices.from", "want a plain address, got %q", f)
	}
	for kind, t := range x.Notices.Templates {
		if !slices.Contains(NoticeKinds, kind) {
			v.errorf("review.notices.templates."+kind, "unknown notice; want one of %s", strings.Join(NoticeKinds, ", "))
			continue
		}
		for part, s := range map[string]string{"subject": t.Subject, "body": t.Body} {
			if _, err := template.New(kind).Parse(s); err != nil {
				v.errorf("review.notices.templates."+kind+"."+part, "%v", err)
			}
		}
	}
}

// ReviewUserByName returns the configured user, or nil.
func (x *Review) ReviewUserByName(name string) *ReviewUser {
	for i := range x.Users {
		if x.Users[i].Name == name {
			return &x.Users[i]
		}
	}
	return nil
}
