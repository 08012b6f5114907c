package review

import (
	"context"

	"github.com/mailward/mailward/quarantine"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var plainMsg = []byte("From: staff@a.trust.example\r\nTo: x@other.example\r\nSubject: Year 7 list\r\nMessage-ID: <1@a>\r\n\r\nHello there.\r\n")

// kinds of held message in the permission tables.
func (e *env) seed() map[string]string {
	return map[string]string{
		"pupil":     e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "pupil_data"),
		"malware":   e.put(plainMsg, "inbound", "bad@evil.example", []string{"staff@a.trust.example"}, "malware"),
		"offensive": e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "offensive_language"),
		"never":     e.put(plainMsg, "inbound", "bad@evil.example", []string{"staff@a.trust.example"}, "csam"),
		"schoolb":   e.put(plainMsg, "outbound", "staff@b.trust.example", []string{"x@other.example"}, "offensive_language"),
		"mixed":     e.put(plainMsg, "outbound", "staff@a.trust.example", []string{"x@other.example"}, "pupil_data", "offensive_language"),
	}
}

// TestReadPermissions: who may see (list, detail) and read (body, API
// text) each kind of message; 404 for messages outside one's schools.
func TestReadPermissions(t *testing.T) {
	e := newEnv(t, nil)
	ids := e.seed()
	// See: 200 detail; Read: 200 body; neither: 404; see only: body 403.
	want := map[string]map[string]string{
		"admin":  {"pupil": "read", "malware": "read", "offensive": "read", "never": "see", "schoolb": "read", "mixed": "read"},
		"rev":    {"pupil": "see", "malware": "see", "offensive": "read", "never": "see", "schoolb": "read", "mixed": "see"},
		"dpo":    {"pupil": "read", "malware": "see", "offensive": "see", "never": "see", "schoolb": "see", "mixed": "see"},
		"viewer": {"pupil": "see", "malware": "see", "offensive": "see", "never": "see", "schoolb": "see", "mixed": "see"},
		"reva":   {"pupil": "see", "malware": "see", "offensive": "read", "never": "see", "schoolb": "none", "mixed": "see"},
		"senco":  {"pupil": "read", "malware": "see", "offensive": "see", "never": "see", "schoolb": "see", "mixed": "see"},
	}
	for user, kinds := range want {
		s := e.login(user)
		list := readBody(s.get("/api/messages"))
		for kind, w := range kinds {
			id := ids[kind]
			detail := s.get("/messages/" + id)
			body := s.get("/messages/" + id + "/body")
			api := readBody(s.get("/api/messages/" + id))
			dt := readBody(detail)
			var got string
			switch {
			case detail.StatusCode == 404 && body.StatusCode == 404:
				got = "none"
			case detail.StatusCode == 200 && body.StatusCode == 403:
				got = "see"
			case detail.StatusCode == 200 && body.StatusCode == 200:
				got = "read"
			default:
				got = "detail " + detail.Status + " body " + body.Status
			}
			if got != w {
				t.Errorf("%s on %s: %s, want %s", user, kind, got, w)
			}
			listed := strings.Contains(list, id)
			if listed != (w != "none") {
				t.Errorf("%s on %s: listed=%v", user, kind, listed)
			}
			// Subject and text only where the person may read.
			if hasSubj := strings.Contains(dt, "Year 7 list"); hasSubj != (w == "read") {
				t.Errorf("%s on %s: subject on detail page=%v", user, kind, hasSubj)
			}
			if hasText := strings.Contains(api, "Hello there"); hasText != (w == "read") {
				t.Errorf("%s on %s: text in API=%v", user, kind, hasText)
			}
		}
		// Subject search never matches what the person may not read.
		found := readBody(s.get("/api/messages?q=year+7"))
		for kind, w := range kinds {
			if strings.Contains(found, ids[kind]) != (w == "read") {
				t.Errorf("%s: subject search on %s leaks (want read=%v)", user, kind, w == "read")
			}
		}
	}
}

// TestActionPermissions: every action for every role on every kind.
func TestActionPermissions(t *testing.T) {
	ok, no, nf := http.StatusSeeOther, http.StatusForbidden, http.StatusNotFound
	type row struct {
		user, kind, action string
		code               int
	}
	rows := []row{
		{"admin", "pupil", "release", ok}, {"admin", "malware", "release", ok}, {"admin", "never", "release", no},
		{"rev", "pupil", "release", no}, {"rev", "mixed", "release", no}, {"rev", "offensive", "release", ok}, {"rev", "malware", "release", no}, {"rev", "never", "release", no},
		{"dpo", "pupil", "release", ok}, {"dpo", "offensive", "release", no}, {"dpo", "mixed", "release", no}, {"dpo", "malware", "release", no},
		{"viewer", "pupil", "release", no}, {"viewer", "offensive", "release", no},
		{"reva", "offensive", "release", ok}, {"reva", "schoolb", "release", nf},
		{"senco", "pupil", "release", no},

		{"viewer", "pupil", "request-release", ok}, {"rev", "malware", "request-release", ok}, {"rev", "offensive", "request-release", no},
		{"rev", "pupil", "request-release", ok},
		{"dpo", "offensive", "request-release", ok}, {"admin", "pupil", "request-release", no},

		{"admin", "malware", "delete", ok}, {"rev", "malware", "delete", ok}, {"rev", "pupil", "delete", ok},
		{"dpo", "pupil", "delete", ok}, {"dpo", "offensive", "delete", no}, {"viewer", "pupil", "delete", no},

		{"rev", "offensive", "false-positive", ok}, {"viewer", "offensive", "false-positive", no}, {"dpo", "pupil", "false-positive", ok},

		{"admin", "pupil", "confirm", ok}, {"dpo", "pupil", "confirm", ok}, {"rev", "pupil", "confirm", no},
		{"rev", "offensive", "confirm", ok}, {"viewer", "offensive", "confirm", no}, {"senco", "pupil", "confirm", ok},

		{"rev", "offensive", "illegal", ok}, {"viewer", "offensive", "illegal", no}, {"dpo", "malware", "illegal", ok},

		{"admin", "pupil", "legal-hold", ok}, {"dpo", "offensive", "legal-hold", ok}, {"rev", "pupil", "legal-hold", no}, {"viewer", "pupil", "legal-hold", no},

		{"admin", "pupil", "no-such-action", http.StatusBadRequest},
	}
	for _, r := range rows {
		e := newEnv(t, nil)
		ids := e.seed()
		s := e.login(r.user)
		form := url.Values{"reason": {"test reason"}}
		resp := s.post("/messages/"+ids[r.kind]+"/"+r.action, form)
		if resp.StatusCode != r.code {
			t.Errorf("%s %s on %s: %d, want %d", r.user, r.action, r.kind, resp.StatusCode, r.code)
			continue
		}
		// The JSON API agrees with the page (on a fresh message).
		ids = e.seed()
		apiCode := map[int]int{ok: 200, no: 403, nf: 404, 400: 400}[r.code]
		resp = s.apiPost("/api/messages/"+ids[r.kind]+"/"+r.action, `{"reason":"test reason"}`)
		if resp.StatusCode != apiCode {
			t.Errorf("API %s %s on %s: %d, want %d", r.user, r.action, r.kind, resp.StatusCode, apiCode)
		}
	}
}

// TestDownloadPermission: attachments and the raw message only for the
// download roles, and only where the person may read.
func TestDownloadPermission(t *testing.T) {
	e := newEnv(t, nil)
	id := e.put(fixture(t, "hostile/03-attachment-name.eml"), "inbound", "attacker@evil.example", []string{"staff@a.trust.example"}, "suspicious_attachment")
	for user, code := range map[string]int{"admin": 200, "rev": 403, "viewer": 403, "dpo": 403} {
		s := e.login(user)
		for _, p := range []string{"/messages/" + id + "/raw", "/messages/" + id + "/attachments/1", "/api/messages/" + id + "/raw"} {
			resp := s.get(p)
			if resp.StatusCode != code {
				t.Errorf("%s GET %s: %d, want %d", user, p, resp.StatusCode, code)
			}
			if code == 200 && (!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Content-Type") != "application/octet-stream") {
				t.Errorf("%s: download served inline: %v", p, resp.Header)
			}
		}
	}
	s := e.login("admin")
	if got := s.get("/messages/" + id + "/attachments/9").StatusCode; got != 404 {
		t.Errorf("attachment 9: %d", got)
	}
}

// TestSuspectedIllegal: once marked, nobody (not even admin) sees the
// content, nobody can release, and purging is suspended.
func TestSuspectedIllegal(t *testing.T) {
	e := newEnv(t, nil)
	ids := e.seed()
	id := ids["offensive"]
	rev := e.login("rev")
	if got := rev.post("/messages/"+id+"/illegal", nil).StatusCode; got != 303 {
		t.Fatalf("mark: %d", got)
	}
	admin := e.login("admin")
	if got := admin.get("/messages/" + id + "/body").StatusCode; got != 403 {
		t.Errorf("admin reads illegal body: %d", got)
	}
	if strings.Contains(readBody(admin.get("/messages/"+id)), "Year 7 list") {
		t.Error("admin sees illegal subject")
	}
	if strings.Contains(readBody(admin.get("/api/messages/"+id)), "Hello there") {
		t.Error("API shows illegal content")
	}
	if got := admin.get("/messages/" + id + "/raw").StatusCode; got != 403 {
		t.Errorf("admin downloads illegal raw: %d", got)
	}
	if got := admin.post("/messages/"+id+"/release", nil).StatusCode; got != 403 {
		t.Errorf("admin releases illegal: %d", got)
	}
	// Kept as evidence past retention.
	e.now = e.now.AddDate(0, 0, 60)
	if res, _ := e.srv.Purge(t.Context()); res.Kept != 1 {
		t.Errorf("purge %+v", res)
	}
	// Only an admin may lift the hold, then delete (sessions expired meanwhile).
	admin, rev = e.login("admin"), e.login("rev")
	dpo := e.login("dpo")
	if got := dpo.post("/messages/"+id+"/lift-legal-hold", nil).StatusCode; got != 403 {
		t.Errorf("dpo lifts illegal hold: %d", got)
	}
	if got := admin.post("/messages/"+id+"/lift-legal-hold", nil).StatusCode; got != 303 {
		t.Errorf("admin lifts: %d", got)
	}
	if got := rev.post("/messages/"+id+"/delete", nil).StatusCode; got != 403 {
		t.Errorf("reviewer deletes illegal: %d", got)
	}
	if got := admin.post("/messages/"+id+"/delete", nil).StatusCode; got != 303 {
		t.Errorf("admin deletes: %d", got)
	}
}

func TestLegalHoldBlocksDeleteAndPurge(t *testing.T) {
	e := newEnv(t, nil)
	id := e.seed()["offensive"]
	dpo := e.login("dpo")
	if got := dpo.post("/messages/"+id+"/legal-hold", url.Values{"reason": {"tribunal"}}).StatusCode; got != 303 {
		t.Fatal(got)
	}
	rev := e.login("rev")
	if got := rev.post("/messages/"+id+"/delete", nil).StatusCode; got != 403 {
		t.Errorf("delete under hold: %d", got)
	}
	e.now = e.now.AddDate(0, 0, 45)
	e.srv.Purge(t.Context())
	if _, err := e.store.Raw(t.Context(), id); err != nil {
		t.Errorf("purged under legal hold: %v", err)
	}
}

// TestConfirmHook: "confirm violation" calls the alerts hook once, with the
// updated record and the reviewer; a second confirmation is refused.
func TestConfirmHook(t *testing.T) {
	e := newEnv(t, nil)
	id := e.seed()["offensive"]
	var calls []string
	e.hooks.OnConfirm = func(_ context.Context, r *quarantine.Record, who string) {
		if r.Confirmed == nil || r.Confirmed.Reason != "third this week" {
			t.Errorf("hook got %+v", r.Confirmed)
		}
		calls = append(calls, r.ID+" "+who)
	}
	rev := e.login("rev")
	if got := rev.post("/messages/"+id+"/confirm", url.Values{"reason": {"third this week"}}).StatusCode; got != 303 {
		t.Fatalf("confirm: %d", got)
	}
	if got := rev.apiPost("/api/messages/"+id+"/confirm", `{}`).StatusCode; got != 409 {
		t.Errorf("second confirm: %d", got)
	}
	if len(calls) != 1 || calls[0] != id+" rev" {
		t.Errorf("hook calls %v", calls)
	}
	if MessageURL(e.cfg, id) != "" {
		t.Error("link without base_url")
	}
	e.cfg.Review.BaseURL = "https://mailward.trust.example/"
	if got := MessageURL(e.cfg, id); got != "https://mailward.trust.example/messages/"+id {
		t.Errorf("MessageURL %q", got)
	}
}
