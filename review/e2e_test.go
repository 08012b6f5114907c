package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	netsmtp "net/smtp"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	mwsmtp "github.com/mailward/mailward/smtp"
)

// heldMsg is inbound mail with an executable attachment: the default
// policy quarantines it (suspicious-attachment).
const heldMsg = "From: Outside <someone@sender.example>\r\n" +
	"To: staff@trust.example\r\n" +
	"Subject: Timetable tool\r\n" +
	"Message-ID: <e2e-1@sender.example>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"xx\"\r\n" +
	"\r\n" +
	"--xx\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Here is the tool.\r\n" +
	".leading dot line stays byte-exact\r\n" +
	"--xx\r\n" +
	"Content-Type: application/octet-stream; name=\"tool.exe\"\r\n" +
	"Content-Disposition: attachment; filename=\"tool.exe\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0hVGhpcyBwcm9ncmFtIGNhbm5vdCBiZSBydW4gaW4gRE9TIG1vZGUuDQ0KJAAAAAAAAAA=\r\n" +
	"--xx--\r\n"

// TestEndToEndRelease: a message sent through the relay over SMTP is held,
// found through the JSON API, released, and arrives at a real next hop
// (a go-smtp server) byte-exact but for the one prepended header, with its
// original envelope; a second release sends nothing more.
func TestEndToEndRelease(t *testing.T) {
	next := smtptest.Start(t, nil)
	qdir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`domains: [trust.example]
trusted_networks: [10.99.0.0/16]
listen: 127.0.0.1:0
hostname: mailward.test
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s
review:
  users:
    - {name: admin, role: admin, password_hash: "%s"}
`, next.Addr, next.Addr, qdir, passwordHash(t))))
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store, err := quarantine.OpenDir(filepath.Join(qdir))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	relay, err := mwsmtp.New(cfg, mwsmtp.Options{Pipeline: pipe, Store: store, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go relay.Serve(l)
	t.Cleanup(func() { relay.Close() })

	rv, err := New(cfg, store, log, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(rv.Handler())
	t.Cleanup(web.Close)

	// 1. Send through the relay; it answers 250 and holds the message.
	if err := netsmtp.SendMail(l.Addr().String(), nil, "someone@sender.example", []string{"staff@trust.example"}, []byte(heldMsg)); err != nil {
		t.Fatalf("send through relay: %v\n%s", err, logs.String())
	}
	if n := len(next.Messages()); n != 0 {
		t.Fatalf("held message reached the next hop (%d)", n)
	}

	api := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, web.URL+path, strings.NewReader(body))
		req.SetBasicAuth("admin", testPassword)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	// 2. Find it through the API.
	code, list := api("GET", "/api/messages?category=suspicious_attachment&direction=inbound", "")
	msgs, _ := list["messages"].([]any)
	if code != 200 || len(msgs) != 1 {
		t.Fatalf("API list: %d %v\n%s", code, list, logs.String())
	}
	m := msgs[0].(map[string]any)
	id := m["id"].(string)
	if m["from"] != "someone@sender.example" || m["subject"] != "Timetable tool" || m["status"] != "held" {
		t.Fatalf("listed %v", m)
	}
	raw, err := store.Raw(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(raw, []byte(heldMsg)) {
		t.Fatalf("held bytes do not end with the original message:\n%q", raw)
	}

	// 3. Release it.
	code, res := api("POST", "/api/messages/"+id+"/release", `{}`)
	if code != 200 || res["status"] != "released" {
		t.Fatalf("release: %d %v", code, res)
	}
	got := next.Messages()
	if len(got) != 1 {
		t.Fatalf("next hop got %d messages", len(got))
	}
	g := got[0]
	if g.From != "someone@sender.example" || len(g.To) != 1 || g.To[0] != "staff@trust.example" {
		t.Errorf("envelope %q -> %v", g.From, g.To)
	}
	hdr, rest, _ := bytes.Cut(g.Data, []byte("\r\n"))
	if !bytes.HasPrefix(hdr, []byte("X-Mailward-Released-By: admin; ")) {
		t.Errorf("first line %q", hdr)
	}
	if !bytes.Equal(rest, raw) {
		t.Errorf("released bytes differ from the held bytes:\n got %q\nwant %q", rest, raw)
	}
	if !bytes.HasSuffix(g.Data, []byte(heldMsg)) {
		t.Error("released message does not end with the original bytes")
	}

	// 4. Idempotent: a second release sends nothing.
	code, res = api("POST", "/api/messages/"+id+"/release", `{}`)
	if code != 200 || len(next.Messages()) != 1 {
		t.Fatalf("second release: %d %v, next hop has %d", code, res, len(next.Messages()))
	}
	if r := res["results"].([]any)[0].(map[string]any); r["outcome"] != "already" {
		t.Errorf("second release outcome %v", r)
	}
}
