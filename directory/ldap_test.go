package directory

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

const (
	slapdBin = "/usr/sbin/slapd"
	baseDN   = "dc=trust,dc=example"
	rootDN   = "cn=admin,dc=trust,dc=example"
	rootPW   = "test-only-secret"
)

// startSlapd runs a private OpenLDAP server (Debian package slapd) with the
// memberof overlay, as Active Directory keeps memberOf, and fills it.
func startSlapd(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(slapdBin); err != nil {
		t.Skip("slapd not installed (Debian package slapd): LDAP directory not tested")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "db"), 0o700)
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile %[1]s/slapd.pid
database mdb
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
maxsize 10485760
overlay memberof
`, dir, baseDN, rootDN, rootPW)
	confPath := filepath.Join(dir, "slapd.conf")
	os.WriteFile(confPath, []byte(conf), 0o600)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "ldap://" + addr
	cmd := exec.Command(slapdBin, "-f", confPath, "-h", url+"/", "-d", "0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	var c *ldap.Conn
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err = ldap.DialURL(url); err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("slapd did not start: %v", err)
		}
	}
	defer c.Close()
	if err := c.Bind(rootDN, rootPW); err != nil {
		t.Fatal(err)
	}
	add := func(dn string, attrs map[string][]string) {
		t.Helper()
		r := ldap.NewAddRequest(dn, nil)
		for k, v := range attrs {
			r.Attribute(k, v)
		}
		if err := c.Add(r); err != nil {
			t.Fatalf("add %s: %v", dn, err)
		}
	}
	add(baseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"trust"}, "o": {"Trust"}})
	add("ou=people,"+baseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}})
	add("ou=groups,"+baseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}})
	person := func(cn, mail, role, manager string) {
		a := map[string][]string{"objectClass": {"inetOrgPerson"}, "cn": {cn}, "sn": {cn}, "mail": {mail},
			"displayName": {cn}, "employeeType": {role}}
		if manager != "" {
			a["manager"] = []string{manager}
		}
		add("cn="+cn+",ou=people,"+baseDN, a)
	}
	person("Pat Head", "Head@Trust.example", "Staff", "")
	person("Jo Smith", "j.smith@trust.example", "staff", "cn=Pat Head,ou=people,"+baseDN)
	person("A Pupil", "7a.pupil@trust.example", "pupil", "")
	add("cn=Year 7 Tutors,ou=groups,"+baseDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"Year 7 Tutors"},
		"member": {"cn=Jo Smith,ou=people," + baseDN}})
	t.Cleanup(stop)
	slapdStop = stop
	return url
}

var slapdStop func()

func TestLDAP(t *testing.T) {
	url := startSlapd(t)
	l := NewLDAP(LDAPOptions{URL: url, BindDN: rootDN, BindPassword: rootPW, BaseDN: baseDN, Timeout: time.Second, CacheTTL: time.Minute})
	now := time.Now()
	l.now = func() time.Time { return now }

	p, ok := l.Lookup("J.Smith@trust.example")
	if !ok || p.Role != "staff" || p.Manager != "head@trust.example" || p.Name != "Jo Smith" || !p.In("year 7 tutors") {
		t.Fatalf("j.smith: %+v %v", p, ok)
	}
	if p, ok := l.Lookup("head@trust.example"); !ok || p.Role != "staff" || p.Manager != "" {
		t.Fatalf("head: %+v %v", p, ok)
	}
	if p, _ := l.Lookup("7a.pupil@trust.example"); !p.In("pupil") {
		t.Fatalf("pupil: %+v", p)
	}
	// Filter injection is escaped.
	if _, ok := l.Lookup("*)(mail=*"); ok {
		t.Fatal("filter injection matched")
	}
	if _, ok := l.Lookup("nobody@trust.example"); ok {
		t.Fatal("nobody found")
	}

	// With the server gone, cached answers are served and unknown
	// addresses are unknown, quickly.
	slapdStop()
	now = now.Add(2 * time.Minute) // past the cache TTL
	start := time.Now()
	if p, ok := l.Lookup("j.smith@trust.example"); !ok || p.Manager != "head@trust.example" {
		t.Fatalf("stale answer not served: %+v %v", p, ok)
	}
	if _, ok := l.Lookup("new.teacher@trust.example"); ok {
		t.Fatal("unknown address found")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("lookups with the server down took %v", took)
	}
}

// TestLDAPBlackholed: a server that accepts and never answers costs one
// timeout, then lookups answer at once until it is tried again.
func TestLDAPBlackholed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	src := NewLDAP(LDAPOptions{URL: "ldap://" + l.Addr().String(), BaseDN: baseDN, Timeout: 300 * time.Millisecond,
		Only: func(a string) bool { return a != "parent@example.com" }})
	start := time.Now()
	for i := 0; i < 20; i++ {
		if _, ok := src.Lookup(fmt.Sprintf("user%d@trust.example", i)); ok {
			t.Fatal("found")
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("20 lookups against a silent server took %v", took)
	}
	if _, ok := src.Lookup("parent@example.com"); ok {
		t.Fatal("Only not applied")
	}
}

func TestLDAPWrongPassword(t *testing.T) {
	url := startSlapd(t)
	l := NewLDAP(LDAPOptions{URL: url, BindDN: rootDN, BindPassword: "wrong", BaseDN: baseDN, Timeout: time.Second})
	if _, ok := l.Lookup("j.smith@trust.example"); ok {
		t.Fatal("found with a failed bind")
	}
	// A file entry wins over LDAP in a chain.
	f, err := Open("testdata/people.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := (Chain{f, l}).Lookup("j.smith@trust.example"); !ok || p.Manager != "head@trust.example" {
		t.Fatalf("chain: %+v", p)
	}
}
