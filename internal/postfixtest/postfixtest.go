// Package postfixtest runs a real Postfix for tests, configured in a
// folder of its own (config, queue, data and log there), listening on
// loopback only, and stopped and removed when the test ends.
package postfixtest

import (
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
)

// Postfix is one instance; Dir holds main.cf, master.cf, queue/, data/ and
// the log file maillog.
type Postfix struct {
	Dir string
}

// New makes the instance's folder, or skips the test where Postfix cannot
// run here: not installed, not root (its master starts as root and its
// daemons switch to mail_owner postfix), no postfix user. The folder is
// not under t.TempDir, whose parent is private to root, because Postfix's
// daemons must reach it. Configure and start it with Start.
func New(t testing.TB) *Postfix {
	t.Helper()
	if _, err := exec.LookPath("postfix"); err != nil {
		t.Skip("postfix is not installed (Debian package postfix)")
	}
	if os.Geteuid() != 0 {
		t.Skip("starting Postfix needs root (its daemons run as mail_owner postfix)")
	}
	u, err := user.Lookup("postfix")
	if err != nil {
		t.Skip("no postfix user: install the Debian package postfix")
	}
	dir, err := os.MkdirTemp("", "mailward-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	for _, d := range []string{"queue", "data"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	os.Chown(filepath.Join(dir, "data"), uid, -1)
	return &Postfix{Dir: dir}
}

// Services are master.cf's internal services, chroot off (the test's
// queue has no chroot set up); a test writes its smtpd listeners before
// them.
const Services = `pickup    unix  n       -       n       60      1       pickup
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

// Start writes main.cf (the instance's folders, its log, loopback IPv4
// only, then main) and master.cf, starts Postfix, arranges for Stop at the
// end of the test and waits until listen accepts connections.
func (p *Postfix) Start(t testing.TB, main, master, listen string) {
	t.Helper()
	common := "compatibility_level = 3.6\n" +
		"queue_directory = " + filepath.Join(p.Dir, "queue") + "\n" +
		"data_directory = " + filepath.Join(p.Dir, "data") + "\n" +
		"maillog_file = " + filepath.Join(p.Dir, "maillog") + "\n" +
		"maillog_file_prefixes = " + p.Dir + "\n" +
		"mail_owner = postfix\nsetgid_group = postdrop\n" +
		"inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
	if err := os.WriteFile(filepath.Join(p.Dir, "main.cf"), []byte(common+main), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "master.cf"), []byte(master), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if out, err := exec.Command("postfix", "-c", p.Dir, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.Log())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix smtpd not listening on %s: %v\n%s", listen, err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops Postfix at once, waits for its master to exit and removes
// the folder.
func (p *Postfix) Stop() {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "queue", "pid", "master.pid"))
	exec.Command("postfix", "-c", p.Dir, "abort").Run()
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		for i := 0; i < 200 && syscall.Kill(pid, 0) == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	os.RemoveAll(p.Dir)
}

// Log is Postfix's log so far.
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "maillog"))
	return string(b)
}
