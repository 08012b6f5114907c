package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/scanner"
)

// TestRelayByteExact: the next hop gets the client's bytes unchanged with
// only mailward's fields in front, and the client hears 250 only after the
// next hop said 250.
func TestRelayByteExact(t *testing.T) {
	r := startRelay(t, "")
	msg := readFixture(t, "plain.eml")
	cases := []struct {
		name      string
		from, to  string
		client    string
		hop       *smtptest.Server
		direction string
		verdict   bool // X-Mailward-* fields expected
	}{
		{"internal", "head@trust.example", "office@trust.example", "127.0.0.1", r.in, "internal", true},
		{"outbound", "head@trust.example", "parent@home.example", "127.0.0.1", r.out, "outbound", false},
		{"inbound", "parent@home.example", "head@trust.example", "127.0.0.2", r.in, "inbound", true},
		{"inbound wildcard subdomain", "parent@home.example", "head@primary.schools.example", "127.0.0.2", r.in, "inbound", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(tc.hop.Messages())
			cv := dial(t, r.addr, tc.client)
			cv.ehlo()
			got := cv.sendMessage(tc.from, []string{tc.to}, msg)
			if !strings.HasPrefix(got, "250 2.0.0") {
				t.Fatalf("final reply %q", got)
			}
			msgs := tc.hop.Messages()
			if len(msgs) != before+1 {
				t.Fatalf("next hop got %d new messages, want 1", len(msgs)-before)
			}
			m := msgs[len(msgs)-1]
			if m.From != tc.from || len(m.To) != 1 || m.To[0] != tc.to {
				t.Errorf("envelope %q -> %v", m.From, m.To)
			}
			i := bytes.Index(m.Data, []byte(msg))
			if i < 0 || i+len(msg) != len(m.Data) {
				t.Fatalf("relayed message does not end with the client's bytes unchanged:\n%s", m.Data)
			}
			prefix := string(m.Data[:i])
			if !strings.HasPrefix(prefix, "Received: from client.test ([") || !strings.Contains(prefix, "by mailward.test (mailward)") {
				t.Errorf("no Received field first: %q", prefix)
			}
			if has := strings.Contains(prefix, "X-Mailward-Action: deliver\r\n"); has != tc.verdict {
				t.Errorf("X-Mailward-Action present=%v, want %v: %q", has, tc.verdict, prefix)
			}
			if !tc.verdict && strings.Contains(strings.ToLower(prefix), "x-mailward") {
				t.Errorf("outbound mail carries a verdict: %q", prefix)
			}
			if !strings.Contains(string(m.Data), "\r\n.A line that starts with a dot") {
				t.Errorf("dot-stuffing not undone end to end")
			}
		})
	}
}

// TestEHLOExtensions: what clients may rely on.
func TestEHLOExtensions(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "")
	ext := strings.Join(cv.ehlo(), "\n")
	for _, want := range []string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "SIZE 200000"} {
		if !strings.Contains(ext, want) {
			t.Errorf("EHLO lacks %s:\n%s", want, ext)
		}
	}
	if strings.Contains(ext, "BINARYMIME") {
		t.Errorf("BINARYMIME must stay off")
	}
}

// TestRelayControl: mailward is never an open relay, and refuses address
// forms that old relay hacks use.
func TestRelayControl(t *testing.T) {
	r := startRelay(t, "")
	cases := []struct {
		client, rcpt, want string
	}{
		{"127.0.0.2", "someone@elsewhere.example", "554 5.7.1"},
		{"127.0.0.2", "someone@eviltrust.example", "554 5.7.1"}, // never a suffix match
		{"127.0.0.2", "someone@trust.example.evil.example", "554 5.7.1"},
		{"127.0.0.2", "someone@schools.example", "554 5.7.1"}, // *. does not cover the apex
		{"127.0.0.2", "someone@TRUST.EXAMPLE.", "250"},        // case and trailing dot
		{"127.0.0.2", "user%elsewhere.example@trust.example", "550 5.1.3"},
		{"127.0.0.2", "elsewhere.example!user@trust.example", "550 5.1.3"},
		{"127.0.0.2", `"user@elsewhere.example"@trust.example`, "550 5.1.3"},
		{"127.0.0.2", "user@[192.0.2.1]", "550 5.1.3"},
		{"127.0.0.2", "@trust.example:user@elsewhere.example", "554 5.7.1"}, // source route ignored, then checked
		{"127.0.0.1", "someone@elsewhere.example", "250"},                   // trusted client: outbound
	}
	for _, tc := range cases {
		t.Run(tc.client+" "+tc.rcpt, func(t *testing.T) {
			cv := dial(t, r.addr, tc.client)
			cv.ehlo()
			cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
			cv.cmd("RCPT TO:<"+tc.rcpt+">", tc.want)
		})
	}
	// Nothing reached a next hop: no DATA was sent.
	if n := len(r.in.Messages()) + len(r.out.Messages()); n != 0 {
		t.Fatalf("next hops got %d messages", n)
	}
}

// TestOneDirectionPerTransaction: a RCPT that would change direction gets
// 452 4.5.3 so the client sends it separately.
func TestOneDirectionPerTransaction(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "")
	cv.ehlo()
	cv.cmd("MAIL FROM:<head@trust.example>", "250")
	cv.cmd("RCPT TO:<office@trust.example>", "250")
	cv.cmd("RCPT TO:<parent@home.example>", "452 4.5.3")
	cv.cmd("RCPT TO:<bursar@trust.example>", "250")
	cv.cmd("DATA", "354")
	cv.send("Subject: x\r\n\r\nhello\r\n.\r\n")
	cv.expect("250")
	msgs := r.in.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 2 || len(r.out.Messages()) != 0 {
		t.Fatalf("inbound hop got %v; outbound %d", msgs, len(r.out.Messages()))
	}
}

// TestNextHopRefusalPassedBack: each RCPT is mirrored and the next hop's
// refusal is the client's answer for that recipient.
func TestNextHopRefusalPassedBack(t *testing.T) {
	r := startRelay(t, "")
	r.in.Set(func(s *smtptest.Behaviour) {
		s.RcptErr = map[string]*gosmtp.SMTPError{"nobody@trust.example": reply(550, [3]int{5, 1, 1}, "No such user")}
	})
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<nobody@trust.example>", "550 5.1.1 No such user")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	cv.cmd("DATA", "354")
	cv.send("Subject: x\r\n\r\nhello\r\n.\r\n")
	cv.expect("250")
	if m := r.in.Messages(); len(m) != 1 || len(m[0].To) != 1 || m[0].To[0] != "head@trust.example" {
		t.Fatalf("next hop got %+v", m)
	}
}

// TestNextHopDown: nothing listening means 451 at RCPT, never a 250.
func TestNextHopDown(t *testing.T) {
	r := startRelay(t, "")
	r.in.Stop()
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "451 4.4.1")
	cv.cmd("DATA", "502") // no recipient was accepted
}

// TestNextHopFailsAtData: the next hop's answer after the dot decides.
func TestNextHopFailsAtData(t *testing.T) {
	cases := []struct {
		name string
		set  func(*smtptest.Behaviour)
		want string
	}{
		{"temporary", func(s *smtptest.Behaviour) { s.DataErr = reply(452, [3]int{4, 3, 1}, "Disk full") }, "452 4.3.1"},
		{"permanent", func(s *smtptest.Behaviour) { s.DataErr = reply(554, [3]int{5, 6, 0}, "Refused") }, "554 5.6.0"},
		{"drops mid-data", func(s *smtptest.Behaviour) { s.DropInData = true }, "451 4.4.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := startRelay(t, "")
			r.in.Set(tc.set)
			cv := dial(t, r.addr, "127.0.0.2")
			cv.ehlo()
			got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, readFixture(t, "plain.eml"))
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("got %q, want %s", got, tc.want)
			}
			if n := len(r.in.Messages()); n != 0 {
				t.Fatalf("next hop kept %d messages", n)
			}
		})
	}
}

// TestReplayAfterIdleDrop: the next hop drops the idle session while the
// client uploads slowly; mailward reconnects, replays MAIL and RCPT, and
// delivers once.
func TestReplayAfterIdleDrop(t *testing.T) {
	r := startRelay(t, "")
	r.in.Set(func(s *smtptest.Behaviour) { s.IdleDrop = 200 * time.Millisecond })
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	cv.cmd("RCPT TO:<office@trust.example>", "250")
	cv.cmd("DATA", "354")
	time.Sleep(600 * time.Millisecond) // the next hop gives up on us meanwhile
	cv.send("Subject: slow\r\n\r\nhello\r\n.\r\n")
	cv.expect("250")
	m := r.in.Messages()
	if len(m) != 1 || len(m[0].To) != 2 {
		t.Fatalf("next hop got %+v", m)
	}
	if r.in.Sessions() < 2 {
		t.Fatalf("expected a second session, saw %d", r.in.Sessions())
	}
}

// TestClientVanishesMidData: nothing goes on.
func TestClientVanishesMidData(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	cv.cmd("DATA", "354")
	cv.send("Subject: half\r\n\r\nhalf a message")
	cv.c.Close()
	time.Sleep(300 * time.Millisecond)
	if n := len(r.in.Messages()); n != 0 {
		t.Fatalf("next hop got %d messages", n)
	}
	// The relay still serves others.
	cv2 := dial(t, r.addr, "127.0.0.2")
	cv2.ehlo()
	if got := cv2.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nok\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
}

// TestLimits: size, recipients and the mail-loop guard.
func TestLimits(t *testing.T) {
	r := startRelay(t, "")
	t.Run("size", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		cv.cmd("MAIL FROM:<a@elsewhere.example> SIZE=300000", "552")
		big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 76)+"\r\n", 3000)
		cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
		cv.cmd("RCPT TO:<head@trust.example>", "250")
		cv.cmd("DATA", "354")
		cv.send(big + ".\r\n")
		cv.expect("552 5.3.4")
	})
	t.Run("recipients", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
		for i := 0; i < 5; i++ {
			cv.cmd("RCPT TO:<user"+string(rune('a'+i))+"@trust.example>", "250")
		}
		cv.cmd("RCPT TO:<userz@trust.example>", "452 4.5.3")
	})
	t.Run("loop", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		hops := strings.Repeat("Received: from a by b; Mon, 23 Nov 2026 09:00:00 +0000\r\n", 51)
		got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, hops+"Subject: loop\r\n\r\nround and round\r\n")
		if !strings.HasPrefix(got, "554 5.4.6") {
			t.Fatalf("got %q", got)
		}
	})
	if n := len(r.in.Messages()); n != 0 {
		t.Fatalf("next hop got %d messages", n)
	}
}

// TestPipelining: a client that sends the whole envelope in one write.
func TestPipelining(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.send("MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<head@trust.example>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<office@trust.example>\r\nDATA\r\n")
	for _, want := range []string{"250", "250", "554 5.7.1", "250", "354"} {
		cv.expect(want)
	}
	cv.send("Subject: pipelined\r\n\r\nhi\r\n.\r\nQUIT\r\n")
	cv.expect("250")
	cv.expect("221")
	if m := r.in.Messages(); len(m) != 1 || len(m[0].To) != 2 {
		t.Fatalf("next hop got %+v", m)
	}
}

// TestNetSMTPClient: Go's standard client, with STARTTLS.
func TestNetSMTPClient(t *testing.T) {
	cert, key := writeCert(t)
	r := startRelay(t, "tls:\n  cert: "+cert+"\n  key: "+key+"\n")
	c, err := smtp.Dial(r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if err := c.StartTLS(testTLSConfig()); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("head@trust.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("parent@home.example"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(readFixture(t, "plain.eml")))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	m := r.out.Messages()
	if len(m) != 1 || !strings.Contains(string(m[0].Data), "with ESMTPS id") {
		t.Fatalf("outbound hop got %+v", m)
	}
}

// TestQuarantineBlockedAttachment: an inbound invoice.pdf.exe is held: 250
// only once it is on disk, and nothing reaches the next hop.
func TestQuarantineBlockedAttachment(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	msg := readFixture(t, "exe-attachment.eml")
	got := cv.sendMessage("accounts@supplier.example", []string{"office@trust.example"}, msg)
	if !strings.HasPrefix(got, "250 2.0.0") {
		t.Fatalf("got %q", got)
	}
	if n := len(r.in.Messages()); n != 0 {
		t.Fatalf("next hop got %d messages", n)
	}
	ids := heldIDs(t, r.qdir)
	if len(ids) != 1 {
		t.Fatalf("quarantine holds %v", ids)
	}
	raw, err := os.ReadFile(filepath.Join(r.qdir, "msg", ids[0]+".eml"))
	if err != nil || string(raw) != msg {
		t.Fatalf("held bytes differ from the client's (err %v)", err)
	}
	rec, _ := os.ReadFile(filepath.Join(r.qdir, "msg", ids[0]+".json"))
	for _, want := range []string{`"suspicious_attachment"`, `"rule": "suspicious-attachment"`, `"direction": "inbound"`} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("record lacks %s:\n%s", want, rec)
		}
	}
	if strings.Contains(r.logs.String(), "invoice") {
		t.Errorf("log names the file:\n%s", r.logs.String())
	}
}

func heldIDs(t *testing.T, qdir string) []string {
	t.Helper()
	ents, _ := filepath.Glob(filepath.Join(qdir, "msg", "*.json"))
	var ids []string
	for _, e := range ents {
		ids = append(ids, strings.TrimSuffix(filepath.Base(e), ".json"))
	}
	return ids
}

// panicky is a scanner that panics: a deterministic failure.
type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) Scan(context.Context, *scanner.Message) ([]scanner.Finding, error) {
	panic("boom")
}

// unreachable is a scanner whose backend is down: a transient failure.
type unreachable struct{}

func (unreachable) Name() string { return "unreachable" }
func (unreachable) Scan(context.Context, *scanner.Message) ([]scanner.Finding, error) {
	return nil, errors.Join(scanner.ErrUnavailable, errors.New("connection refused"))
}

// TestScannerFailures: a panic quarantines as unscannable (a retry would
// fail the same way); an unreachable backend is 451 by default.
func TestScannerFailures(t *testing.T) {
	t.Run("panic", func(t *testing.T) {
		r := startRelay(t, "", panicky{})
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		if got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "250") {
			t.Fatal(got)
		}
		ids := heldIDs(t, r.qdir)
		if len(ids) != 1 || len(r.in.Messages()) != 0 {
			t.Fatalf("held %v, delivered %d", ids, len(r.in.Messages()))
		}
		rec, _ := os.ReadFile(filepath.Join(r.qdir, "msg", ids[0]+".json"))
		if !strings.Contains(string(rec), `"unscannable"`) {
			t.Fatalf("record: %s", rec)
		}
	})
	t.Run("backend down", func(t *testing.T) {
		r := startRelay(t, "", unreachable{})
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		if got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "451 4.3.0") {
			t.Fatal(got)
		}
		if len(r.in.Messages()) != 0 || len(heldIDs(t, r.qdir)) != 0 {
			t.Fatal("message went somewhere")
		}
	})
	t.Run("backend down, on_error deliver", func(t *testing.T) {
		r := startRelay(t, "scan:\n  on_error: deliver\n", unreachable{})
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		if got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "250") {
			t.Fatal(got)
		}
	})
}

// TestQuarantineDiskError: when the quarantine cannot store the message the
// client hears 451 and retries; nothing is delivered.
func TestQuarantineDiskError(t *testing.T) {
	r := startRelay(t, "")
	// Replace the message folder with a file: every write fails, even as root.
	os.RemoveAll(filepath.Join(r.qdir, "msg"))
	os.WriteFile(filepath.Join(r.qdir, "msg"), []byte("not a folder"), 0o600)
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	got := cv.sendMessage("accounts@supplier.example", []string{"office@trust.example"}, readFixture(t, "exe-attachment.eml"))
	if !strings.HasPrefix(got, "451 4.3.0") {
		t.Fatalf("got %q", got)
	}
	if len(r.in.Messages()) != 0 {
		t.Fatal("delivered")
	}
}

// TestNextHopSTARTTLS: mailward uses STARTTLS when the next hop offers it.
func TestNextHopSTARTTLS(t *testing.T) {
	certFile, keyFile := writeCert(t)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	secure := smtptest.Start(t, func(s *gosmtp.Server) { s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}} })
	r := startRelayCfg(t, "", func(c *config.Config) { c.NextHop.Inbound = "smtp://" + secure.Addr })
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	if got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	if m := secure.Messages(); len(m) != 1 || !m[0].TLS {
		t.Fatalf("not delivered over TLS: %+v", m)
	}
	if m := r.in.Messages(); len(m) != 0 {
		t.Fatal("wrong hop")
	}
}

// TestChunking: BDAT (RFC 3030) delivers like DATA, byte for byte.
func TestChunking(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	part1, part2 := "Subject: chunks\r\n\r\n.leading dot, no stuffing in BDAT\r\n", "second chunk\r\n"
	cv.send(fmt.Sprintf("BDAT %d\r\n%s", len(part1), part1))
	cv.expect("250")
	cv.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(part2), part2))
	cv.expect("250 2.0.0 Ok: queued")
	m := r.in.Messages()
	if len(m) != 1 || !bytes.HasSuffix(m[0].Data, []byte(part1+part2)) {
		t.Fatalf("next hop got %+v", m)
	}
}
