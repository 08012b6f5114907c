package mailauth

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestOpenDKIMSigned: OpenDKIM's signer (opendkim-testmsg, Debian's
// opendkim-tools) signs only with rsa-sha1, which RFC 8301 section 3.1
// says a verifier must not accept: the signature is found, its key
// fetched, and the result is not pass (and DMARC does not pass on it).
func TestOpenDKIMSigned(t *testing.T) {
	bin, err := exec.LookPath("opendkim-testmsg")
	if err != nil {
		if _, err2 := exec.LookPath("/usr/sbin/opendkim-testmsg"); err2 != nil {
			t.Skip("opendkim-testmsg missing (apt-get install opendkim-tools)")
		}
		bin = "/usr/sbin/opendkim-testmsg"
	}
	d := arcWorld(t)
	msg := "From: a@example.org\nTo: b@trust.example\nSubject: t\nDate: Mon, 23 Nov 2026 08:00:00 +0000\n\nhello\n"
	cmd := exec.Command(bin, "-d", "example.org", "-s", "sel", "-k", "testdata/arc/key.pem")
	cmd.Stdin = strings.NewReader(msg)
	sig, err := cmd.Output()
	if err != nil {
		t.Fatalf("opendkim-testmsg: %v", err)
	}
	if !bytes.Contains(sig, []byte("a=rsa-sha1")) {
		t.Skipf("opendkim-testmsg signed with another algorithm; this test is about rsa-sha1: %s", sig)
	}
	raw := bytes.ReplaceAll(append(sig, msg...), []byte("\n"), []byte("\r\n"))
	e := New(Options{Resolver: NewResolver(d.Addr, 2*time.Second)})
	r := e.Check(context.Background(), Input{IP: badIP, Helo: "mx", MailFrom: "a@example.org", Raw: raw})
	if len(r.DKIM) != 1 || r.DKIM[0].Domain != "example.org" || r.DKIM[0].Status == StatusPass {
		t.Fatalf("rsa-sha1 signature: %+v", r.DKIM)
	}
	if r.DMARC.Status != StatusFail {
		t.Errorf("dmarc %s, want fail", r.DMARC.Status)
	}
	t.Logf("rsa-sha1: dkim=%s (%s)", r.DKIM[0].Status, r.DKIM[0].Reason)
}
