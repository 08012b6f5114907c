package smtp

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// TestSMTPSmuggling: a DATA with a bare-LF or bare-CR end-of-data lookalike
// followed by a second MAIL FROM reaches the next hop as one message, never
// two (the 2023 "SMTP smuggling" attacks).
func TestSMTPSmuggling(t *testing.T) {
	for _, sep := range []string{"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\r", "\r.\r"} {
		t.Run(strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(sep), func(t *testing.T) {
			r := startRelay(t, "")
			cv := dial(t, r.addr, "127.0.0.2")
			cv.ehlo()
			cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
			cv.cmd("RCPT TO:<head@trust.example>", "250")
			cv.cmd("DATA", "354")
			smuggled := "Subject: first\r\n\r\nhello" + sep +
				"MAIL FROM:<ceo@trust.example>\r\nRCPT TO:<head@trust.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nsend money\r\n.\r\n"
			cv.send(smuggled)
			cv.expect("250")
			cv.cmd("QUIT", "221")
			waitFor(t, "delivery", func() bool { return len(r.in.Messages()) >= 1 })
			m := r.in.Messages()
			if len(m) != 1 {
				t.Fatalf("next hop got %d messages, want exactly 1", len(m))
			}
			data := string(m[0].Data)
			if !strings.Contains(data, "send money") || m[0].From != "a@elsewhere.example" {
				t.Fatalf("the smuggled text should stay inside the first message:\n%q", data)
			}
			// Every line ending that reached the next hop is CRLF.
			if strings.Count(data, "\n") != strings.Count(data, "\r\n") || strings.Count(data, "\r") != strings.Count(data, "\r\n") {
				t.Fatalf("bare CR or LF relayed: %q", data)
			}
		})
	}
}

// TestBadInput: hostile or broken clients get a clear answer, the relay
// neither crashes nor hangs, and it goes on serving.
func TestBadInput(t *testing.T) {
	r := startRelay(t, "")
	t.Run("garbage commands", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.cmd("HELLO there", "501")
		cv.cmd("\x00\x01\x02", "501")
		cv.cmd("MAIL FROM:<a@elsewhere.example>", "502") // no EHLO yet
		cv.ehlo()
		cv.cmd("RCPT TO:<head@trust.example>", "502") // no MAIL yet
		cv.cmd("DATA", "502")
		cv.cmd("EXPN staff", "502")
		cv.cmd("VRFY head@trust.example", "252")
		cv.cmd("NOOP", "250")
	})
	t.Run("second MAIL without RSET", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
		cv.cmd("MAIL FROM:<b@elsewhere.example>", "503 5.5.1")
		cv.cmd("RSET", "250")
		cv.cmd("MAIL FROM:<b@elsewhere.example>", "250")
	})
	t.Run("overlong command line", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		cv.send("MAIL FROM:<" + strings.Repeat("a", 12000) + "@elsewhere.example>\r\n")
		cv.expect("500")
	})
	t.Run("bare LF, NUL, 8-bit headers and long lines in DATA", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		body := "Subject: caf\xe9 \xff\xfe\r\nX-Bin: a\x00b\r\n\r\nbare\nlf and nul \x00 here\r\n" + strings.Repeat("y", 5000) + "\r\n"
		cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
		cv.cmd("RCPT TO:<head@trust.example>", "250")
		cv.cmd("DATA", "354")
		cv.send(body + ".\r\n")
		cv.expect("250")
		m := r.in.Messages()
		if len(m) != 1 || !bytes.Contains(m[0].Data, []byte("bare\r\nlf and nul \x00 here")) {
			t.Fatalf("next hop got %+v", m)
		}
	})
	t.Run("line over the limit in DATA", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: long\r\n\r\n"+strings.Repeat("z", 12000)+"\r\n")
		if !strings.HasPrefix(got, "554 5.6.0") {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("still serving", func(t *testing.T) {
		cv := dial(t, r.addr, "127.0.0.2")
		cv.ehlo()
		if got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: ok\r\n\r\nok\r\n"); !strings.HasPrefix(got, "250") {
			t.Fatal(got)
		}
	})
}

// TestDKIMSurvivesRelay: a DKIM signature made by the sender still verifies
// at the next hop: mailward only prepends fields.
func TestDKIMSurvivesRelay(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := readFixture(t, "plain.eml")
	// A forged verdict in the message must not survive as ours.
	msg = "X-Mailward-Action: deliver\r\n" + msg
	var signed bytes.Buffer
	err = dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{
		Domain: "trust.example", Selector: "s1", Signer: priv,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, "")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	if got := cv.sendMessage("head@trust.example", []string{"office@trust.example"}, signed.String()); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	m := r.in.Messages()
	if len(m) != 1 {
		t.Fatal("not delivered")
	}
	if !bytes.Contains(m[0].Data, []byte("\r\nX-Mailward-Untrusted-Action: deliver\r\n")) {
		t.Errorf("incoming X-Mailward field not renamed:\n%s", m[0].Data)
	}
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(m[0].Data), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) { return []string{txt}, nil },
	})
	if err != nil || len(verifs) != 1 || verifs[0].Err != nil {
		t.Fatalf("DKIM does not verify after relay: %v %+v", err, verifs)
	}
}
