package smtp

import (
	"strings"
	"testing"
)

// TestTagAndRedirect: what a tag rule adds reaches the next hop (subject
// prefix on inbound only), and a redirect sends the message to the review
// mailbox instead of its recipients.
func TestTagAndRedirect(t *testing.T) {
	rulesYAML := `rules:
  - name: tag-attachments-in
    direction: [inbound]
    category: [suspicious_attachment]
    action: tag
    subject_prefix: "[Suspicious] "
    headers: {X-School-Notice: "check before opening"}
  - name: tag-attachments-internal
    direction: [internal]
    category: [suspicious_attachment]
    action: tag
    headers: {X-School-Notice: internal}
  - name: redirect-outbound
    direction: [outbound]
    category: [suspicious_attachment]
    action: redirect
    redirect_to: review@trust.example
`
	r := startRelay(t, rulesYAML)
	msg := readFixture(t, "exe-attachment.eml")

	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	if got := cv.sendMessage("accounts@supplier.example", []string{"office@trust.example"}, msg); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	m := r.in.Messages()
	if len(m) != 1 {
		t.Fatalf("inbound hop got %d", len(m))
	}
	data := string(m[0].Data)
	for _, want := range []string{"\r\nSubject: [Suspicious] Invoice 4471\r\n", "\r\nX-School-Notice: check before opening\r\n",
		"X-Mailward-Action: tag\r\n", "X-Mailward-Findings: suspicious_attachment="} {
		if !strings.Contains(data, want) {
			t.Errorf("tagged inbound message lacks %q:\n%s", want, data[:400])
		}
	}

	// Internal mail: the rule's headers, the subject untouched.
	cv = dial(t, r.addr, "")
	cv.ehlo()
	cv.sendMessage("head@trust.example", []string{"office@trust.example"}, msg)
	if m := r.in.Messages(); len(m) != 2 || !strings.Contains(string(m[1].Data), "\r\nSubject: Invoice 4471\r\n") ||
		!strings.Contains(string(m[1].Data), "\r\nX-School-Notice: internal\r\n") {
		t.Errorf("internal tag wrong")
	}

	// Outbound: redirected to the review mailbox through the inbound hop.
	cv = dial(t, r.addr, "")
	cv.ehlo()
	if got := cv.sendMessage("head@trust.example", []string{"someone@elsewhere.example"}, msg); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	if n := len(r.out.Messages()); n != 0 {
		t.Fatalf("outbound hop got %d messages: a redirect must not reach the recipient", n)
	}
	m = r.in.Messages()
	if len(m) != 3 || len(m[2].To) != 1 || m[2].To[0] != "review@trust.example" || m[2].From != "head@trust.example" {
		t.Fatalf("review mailbox got %+v", m[len(m)-1])
	}
}

// TestSentEncryptedLogged: the message log records that mail travelled
// encrypted (pupil data may leave that way), never what it carried.
func TestSentEncryptedLogged(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "")
	cv.ehlo()
	smime := "From: senco@trust.example\r\nTo: nurse@nhs.example\r\nSubject: referral\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nMIIBxjCCAcICAQAxggF9MIIBeQIBADBhMFwxCzAJBgNVBAYTAkdC\r\n"
	if got := cv.sendMessage("senco@trust.example", []string{"nurse@nhs.example"}, smime); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	waitFor(t, "the log line", func() bool { return strings.Contains(r.logs.String(), "msg=message") })
	if log := r.logs.String(); !strings.Contains(log, "sent_encrypted=S/MIME") {
		t.Fatalf("no sent_encrypted in the log:\n%s", log)
	}
}
