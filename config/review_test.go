package config

import (
	"strings"
	"testing"
)

const goodHash = "$2a$04$0PJ/N1vZV2b4r7cP3n1gQe2bVf5o2mOa6Hk1XcGjQ4jWZbD5oR6Wy"

func TestReviewDefaults(t *testing.T) {
	c := Default()
	r := c.Review
	if !*r.SecureCookie || r.SessionTTL.D().Hours() != 8 || r.LoginAttempts != 5 || r.LoginWindow.D().Minutes() != 15 {
		t.Errorf("defaults %+v", r)
	}
	if got := strings.Join(r.Read["pupil_data"], ","); got != "admin,dpo" {
		t.Errorf("pupil_data readers %s", got)
	}
	if got := strings.Join(r.Read["*"], ","); got != "admin,reviewer" {
		t.Errorf("default readers %s", got)
	}
	if !*r.Notices.OutboundHold || !*r.Notices.InboundDigest || *r.Notices.DigestHour != 7 || r.Notices.InboundSenders {
		t.Errorf("notice defaults %+v", r.Notices)
	}
	// A configured category keeps its own list; the others keep defaults.
	c, err := Parse([]byte("review:\n  read:\n    pupil_data: [admin]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Review.Read["pupil_data"], ",") != "admin" || len(c.Review.Read["malware"]) != 1 {
		t.Errorf("merged read %v", c.Review.Read)
	}
}

// TestReviewErrors: each mistake names its key and line.
func TestReviewErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"review:\n  users:\n    - {name: a, role: boss, password_hash: \"" + goodHash + "\"}\n", "line 3: review.users.0.role"},
		{"review:\n  users:\n    - name: a\n      role: admin\n      password_hash: plaintext\n", "line 5: review.users.0.password_hash: not a bcrypt hash"},
		{"review:\n  users:\n    - {name: a, role: admin}\n", "review.users.0.password_hash: needed unless sso.header is set"},
		{"review:\n  users:\n    - {name: a, role: admin, password_hash: \"" + goodHash + "\"}\n    - {name: a, role: viewer, password_hash: \"" + goodHash + "\"}\n", "review.users.1.name: user \"a\" listed twice"},
		{"review:\n  users:\n    - {name: \"a b\", role: admin, password_hash: \"" + goodHash + "\"}\n", "review.users.0.name"},
		{"review:\n  sso:\n    header: X-Remote-User\n", "review.sso.networks: required"},
		{"review:\n  sso:\n    header: X-Remote-User\n    networks: [10.0.0.0/33]\n", "review.sso.networks.0: bad CIDR"},
		{"review:\n  read:\n    malware: [janitor]\n", "line 3: review.read.malware: role \"janitor\""},
		{"review:\n  download: [root]\n", "review.download: role \"root\""},
		{"review:\n  base_url: ftp://x\n", "review.base_url"},
		{"review:\n  session_ttl: 10s\n", "review.session_ttl: must be at least 1m"},
		{"review:\n  notices:\n    digest_hour: 24\n", "review.notices.digest_hour"},
		{"review:\n  notices:\n    from: \"Bob <bob@x>\"\n", "review.notices.from"},
		{"review:\n  notices:\n    templates:\n      nonsense: {subject: x}\n", "review.notices.templates.nonsense: unknown notice"},
		{"review:\n  notices:\n    templates:\n      expired: {body: \"{{.ID\"}\n", "review.notices.templates.expired.body"},
		{"review:\n  listen: nowhere\n", "review.listen"},
		{"review:\n  colour: blue\n", "field colour not found"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.yaml, err, c.want)
		}
	}
	ok := "review:\n  users:\n    - {name: alice, role: dpo, password_hash: \"" + goodHash + "\", schools: [a.trust.example], read: [pupil_data]}\n" +
		"  sso: {header: X-Remote-User, networks: [127.0.0.1/32]}\n  never_display: [csam]\n" +
		"  notices:\n    templates:\n      outbound_hold: {subject: \"Held: {{.Categories}}\"}\n"
	c, err := Parse([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if u := c.Review.ReviewUserByName("alice"); u == nil || u.Role != "dpo" {
		t.Errorf("user %+v", u)
	}
}
