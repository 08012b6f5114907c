package authcheck_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	netsmtp "net/smtp"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/dnstest"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// TestRelayEndToEnd runs mailward over real sockets in front of two
// next hops, with a DNS server on loopback: a message from outside (client
// 127.0.0.2) that claims the trust's domain and fails DMARC is held in the
// quarantine (250 only once stored, nothing delivered); a signed message
// from a bank is delivered with our Authentication-Results on top, a
// forged one claiming our authserv-id renamed, and its DKIM signature still
// verifying (ours, and dkimpy's when installed).
func TestRelayEndToEnd(t *testing.T) {
	d := dnstest.Start(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	d.TXT("trust.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.trust.example", "v=DMARC1; p=quarantine")
	d.TXT("evil.example", "v=spf1 ip4:127.0.0.2 -all")
	d.TXT("bank.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.bank.example", "v=DMARC1; p=reject")
	keyRec := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	d.TXT("s1._domainkey.bank.example", keyRec)

	in, out := smtptest.Start(t, nil), smtptest.Start(t, nil)
	qdir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
hostname: gw.trust.example
next_hop: {inbound: "smtp://%s", outbound: "smtp://%s"}
quarantine: {dir: %q}
dns: {resolver: %q, timeout: 2s}
`, in.Addr, out.Addr, qdir, d.Addr)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	store, err := quarantine.OpenDir(qdir)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := smtp.New(cfg, smtp.Options{Pipeline: p, Store: store, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	// 1. The head teacher's address, from a stranger: held.
	spoof := "From: Head Teacher <head@trust.example>\r\nTo: bursar@trust.example\r\nSubject: Urgent\r\n" +
		"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <s1@evil.example>\r\n\r\nAre you at your desk?\r\n"
	if err := send(l.Addr().String(), "127.0.0.2", "ceo@evil.example", "bursar@trust.example", spoof); err != nil {
		t.Fatalf("spoof: %v", err)
	}
	recs, err := store.List(context.Background())
	if err != nil || len(recs) != 1 {
		t.Fatalf("quarantine has %d records (%v), want 1", len(recs), err)
	}
	if r := recs[0]; r.Rule != "spoofed-trust-domain" || len(r.Findings) == 0 || r.Findings[0].Summary != "claims trust domain, DMARC fail" {
		t.Errorf("held by %q with %+v", r.Rule, r.Findings)
	}
	if n := len(in.Messages()); n != 0 {
		t.Fatalf("spoof delivered %d times", n)
	}

	// 2. A signed message from the bank, carrying a forged verdict.
	body := "From: Bank <alerts@bank.example>\r\nTo: bursar@trust.example\r\nSubject: Statement\r\n" +
		"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <b1@bank.example>\r\n\r\nYour statement is ready.\r\n"
	var signed bytes.Buffer
	if err := dkim.Sign(&signed, strings.NewReader(body), &dkim.SignOptions{Domain: "bank.example", Selector: "s1", Signer: key}); err != nil {
		t.Fatal(err)
	}
	forged := "Authentication-Results: gw.trust.example; dmarc=pass header.from=trust.example\r\n" + signed.String()
	if err := send(l.Addr().String(), "127.0.0.2", "bounce@bank.example", "bursar@trust.example", forged); err != nil {
		t.Fatalf("bank: %v", err)
	}
	msgs := in.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	got := msgs[0].Data
	hdr := topField(got, "Authentication-Results")
	id, results, err := authres.Parse(hdr)
	if err != nil || id != "gw.trust.example" {
		t.Fatalf("our header %q: id %q, %v", hdr, id, err)
	}
	want := map[string]string{"spf": "fail", "dkim": "pass", "dmarc": "pass", "arc": "none"}
	for _, r := range results {
		var method, value string
		switch v := r.(type) {
		case *authres.SPFResult:
			method, value = "spf", string(v.Value)
		case *authres.DKIMResult:
			method, value = "dkim", string(v.Value)
		case *authres.DMARCResult:
			method, value = "dmarc", string(v.Value)
		case *authres.GenericResult:
			method, value = v.Method, string(v.Value)
		}
		if want[method] != value {
			t.Errorf("%s=%s, want %s (%s)", method, value, want[method], hdr)
		}
	}
	if !bytes.Contains(got, []byte("\r\nX-Mailward-Untrusted-Authentication-Results: gw.trust.example; dmarc=pass")) {
		t.Errorf("forged field not renamed:\n%s", got)
	}
	if bytes.Count(got, []byte("\nAuthentication-Results:"))+boolInt(bytes.HasPrefix(got, []byte("Authentication-Results:"))) != 1 {
		t.Errorf("want exactly our Authentication-Results:\n%s", got)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(got), &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) { return []string{keyRec}, nil }})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Errorf("DKIM after relay: %v %+v", err, vs)
	}
	dkimpyCheck(t, got, keyRec)

	// 3. Outbound mail gets no Authentication-Results.
	if err := send(l.Addr().String(), "127.0.0.1", "head@trust.example", "someone@bank.example", spoof); err != nil {
		t.Fatalf("outbound: %v", err)
	}
	if o := out.Messages(); len(o) != 1 || topField(o[0].Data, "Authentication-Results") != "" {
		t.Errorf("outbound: %d messages, A-R %q", len(o), topField(o[0].Data, "Authentication-Results"))
	}
}

// send runs one SMTP transaction from the local address from.
func send(addr, from, mailFrom, rcpt, msg string) error {
	dl := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	conn, err := dl.Dial("tcp", addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c, err := netsmtp.NewClient(conn, "gw.trust.example")
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mx.sender.example"); err != nil {
		return err
	}
	if err := c.Mail(mailFrom); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// topField returns the unfolded value of the first top-level field name.
func topField(raw []byte, name string) string {
	hdr := string(raw)
	if i := strings.Index(hdr, "\r\n\r\n"); i >= 0 {
		hdr = hdr[:i+2]
	}
	lines := strings.Split(hdr, "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(l, name+":") {
			v := strings.TrimPrefix(l, name+":")
			for _, c := range lines[i+1:] {
				if !strings.HasPrefix(c, " ") && !strings.HasPrefix(c, "\t") {
					break
				}
				v += c
			}
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dkimpyCheck verifies the relayed message with dkimpy and parses our
// header with Python's authres, independent implementations; it skips
// when Debian's python3-dkim or python3-authres is missing.
func dkimpyCheck(t *testing.T, msg []byte, keyRec string) {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Log("dkimpy cross-check skipped: /usr/bin/python3 missing")
		return
	}
	if err := exec.Command(py, "-c", "import dkim, authres").Run(); err != nil {
		t.Log("dkimpy cross-check skipped: python3-dkim or python3-authres missing (apt-get install python3-dkim python3-authres)")
		return
	}
	script := `
import json, sys, dkim, authres, email
req = json.load(sys.stdin)
msg = req["msg"].encode()
ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: req["key"].encode())
m = email.message_from_bytes(msg)
h = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + m["Authentication-Results"].replace("\r\n", ""))
print(json.dumps({"dkim": bool(ok), "id": h.authserv_id, "results": {r.method: r.result for r in h.results}}))
`
	in, _ := json.Marshal(map[string]string{"msg": string(msg), "key": keyRec})
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var res struct {
		DKIM    bool
		ID      string
		Results map[string]string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if !res.DKIM || res.ID != "gw.trust.example" || res.Results["dkim"] != "pass" || res.Results["dmarc"] != "pass" || res.Results["spf"] != "fail" {
		t.Errorf("dkimpy/authres on the relayed message: %s", out)
	}
}
