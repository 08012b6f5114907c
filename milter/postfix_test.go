package milter

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailward/mailward/internal/postfixtest"
	"github.com/mailward/mailward/internal/smtptest"
)

// postfix is a real Postfix (postfixtest), listening for SMTP on a free
// loopback port, asking the milter at milterAddr about every message
// (milter_default_action = tempfail, as a trust should configure it) and
// relaying everything it accepts to relay, a sink on loopback.
type postfix struct {
	*postfixtest.Postfix
	addr string // smtpd's host:port
}

// startPostfix starts Postfix and stops it when the test ends; with an
// empty milterAddr it asks no milter. It skips where Postfix cannot run.
func startPostfix(t testing.TB, milterAddr, relay string) *postfix {
	t.Helper()
	pf := postfixtest.New(t)
	p := &postfix{Postfix: pf, addr: "127.0.0.1:" + strconv.Itoa(freePort(t))}
	mainCF := fmt.Sprintf(`myhostname = postfix.test
mydomain = postfix.test
mydestination =
relay_domains = trust.example
mynetworks = 127.0.0.0/8
default_transport = smtp:[%[2]s]:%[3]s
relay_transport = smtp:[%[2]s]:%[3]s
smtp_tls_security_level = none
smtpd_tls_security_level = may
smtpd_tls_cert_file = %[1]s/tls.crt
smtpd_tls_key_file = %[1]s/tls.key
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
%[4]salias_maps =
alias_database =
local_recipient_maps =
biff = no
notify_classes =
`, p.Dir, host(relay), port(relay), milterCF(milterAddr))
	writeTLS(t, p.Dir)
	pf.Start(t, mainCF, p.addr+" inet n - n - - smtpd\n"+postfixtest.Services, p.addr)
	return p
}

// sendmail submits msg locally with Postfix's sendmail command (pickup,
// then cleanup and non_smtpd_milters), as cron or a web application on
// the mail server would.
func (p *postfix) sendmail(t *testing.T, from, to, msg string) {
	t.Helper()
	cmd := exec.Command("sendmail", "-C", p.Dir, "-f", from, to)
	cmd.Stdin = strings.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail: %v\n%s", err, out)
	}
}

// milterCF is main.cf's milter settings; none for an empty address.
func milterCF(addr string) string {
	if addr == "" {
		return ""
	}
	return "smtpd_milters = inet:" + addr + "\nnon_smtpd_milters = inet:" + addr + "\nmilter_default_action = tempfail\n"
}

// queueEmpty reports whether Postfix holds no message in its queue.
func (p *postfix) queueEmpty() bool {
	out, err := exec.Command("postqueue", "-c", p.Dir, "-j").Output()
	return err == nil && len(bytes.TrimSpace(out)) == 0
}

// queued counts the messages in one of Postfix's queues (hold, deferred...).
func (p *postfix) queued(queue string) int {
	out, err := exec.Command("postqueue", "-c", p.Dir, "-j").Output()
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var m struct {
			Queue string `json:"queue_name"`
		}
		if json.Unmarshal(line, &m) == nil && m.Queue == queue {
			n++
		}
	}
	return n
}

// deleteHeld empties Postfix's hold queue.
func (p *postfix) deleteHeld(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("postsuper", "-c", p.Dir, "-d", "ALL", "hold").CombinedOutput(); err != nil {
		t.Fatalf("postsuper: %v\n%s", err, out)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func host(hp string) string { h, _, _ := net.SplitHostPort(hp); return h }
func port(hp string) string { _, p, _ := net.SplitHostPort(hp); return p }

// writeTLS gives smtpd a self-signed certificate (tls.crt, tls.key), so
// that clients can use STARTTLS and the milter hears of it ({tls_version}).
func writeTLS(t testing.TB, dir string) {
	t.Helper()
	cert, _ := smtptest.SelfSigned(t)
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	os.WriteFile(filepath.Join(dir, "tls.crt"), crt, 0o644)
	os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
}
