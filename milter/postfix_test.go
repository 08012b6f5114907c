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
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/smtptest"
)

// postfix is a real Postfix, configured by the test in a folder of its own
// (config, queue and data directories there), listening for SMTP on a free
// loopback port, asking the milter at milterAddr about every message
// (milter_default_action = tempfail, as a trust should configure it) and
// relaying everything it accepts to relay, a sink on loopback.
type postfix struct {
	dir  string
	addr string // smtpd's host:port
}

// startPostfix starts Postfix and stops it when the test ends; with an
// empty milterAddr it asks no milter. It skips
// when Postfix is not installed or cannot be started here (it needs root:
// its daemons switch to mail_owner postfix).
func startPostfix(t testing.TB, milterAddr, relay string) *postfix {
	t.Helper()
	if _, err := exec.LookPath("postfix"); err != nil {
		t.Skip("postfix is not installed (Debian package postfix): the milter test needs a real Postfix")
	}
	if os.Geteuid() != 0 {
		t.Skip("starting Postfix needs root (its daemons run as mail_owner postfix)")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skip("no postfix user: install the Debian package postfix")
	}
	// Postfix's daemons run as postfix and must reach the queue folder:
	// not t.TempDir, whose parent is private to root.
	dir, err := os.MkdirTemp("", "mailward-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	p := &postfix{dir: dir, addr: "127.0.0.1:" + strconv.Itoa(freePort(t))}
	for _, d := range []string{"queue", "data"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(filepath.Join(dir, "data"), uid, -1)
	}
	mainCF := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.test
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
`, dir, host(relay), port(relay), milterCF(milterAddr))
	masterCF := p.addr + ` inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`
	writeTLS(t, dir)
	os.WriteFile(filepath.Join(dir, "main.cf"), []byte(mainCF), 0o644)
	os.WriteFile(filepath.Join(dir, "master.cf"), []byte(masterCF), 0o644)
	t.Cleanup(p.stop)
	if out, err := exec.Command("postfix", "-c", dir, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.log())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix smtpd not listening on %s: %v\n%s", p.addr, err, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendmail submits msg locally with Postfix's sendmail command (pickup,
// then cleanup and non_smtpd_milters), as cron or a web application on
// the mail server would.
func (p *postfix) sendmail(t *testing.T, from, to, msg string) {
	t.Helper()
	cmd := exec.Command("sendmail", "-C", p.dir, "-f", from, to)
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

// stop stops Postfix, waits for its master to exit and removes the folder.
func (p *postfix) stop() {
	pidFile := filepath.Join(p.dir, "queue", "pid", "master.pid")
	b, _ := os.ReadFile(pidFile)
	exec.Command("postfix", "-c", p.dir, "abort").Run()
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		for i := 0; i < 200 && syscall.Kill(pid, 0) == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	os.RemoveAll(p.dir)
}

// log is Postfix's log so far.
func (p *postfix) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "maillog"))
	return string(b)
}

// queueEmpty reports whether Postfix holds no message in its queue.
func (p *postfix) queueEmpty() bool {
	out, err := exec.Command("postqueue", "-c", p.dir, "-j").Output()
	return err == nil && len(bytes.TrimSpace(out)) == 0
}

// queued counts the messages in one of Postfix's queues (hold, deferred...).
func (p *postfix) queued(queue string) int {
	out, err := exec.Command("postqueue", "-c", p.dir, "-j").Output()
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
	if out, err := exec.Command("postsuper", "-c", p.dir, "-d", "ALL", "hold").CombinedOutput(); err != nil {
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
