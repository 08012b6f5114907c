// Package ldaptest starts a private OpenLDAP server (Debian package slapd)
// for tests of anything that reads the directory over LDAP: a real slapd in
// a temporary folder, with the memberof overlay as Active Directory keeps
// memberOf, stopped when the test ends. Tests skip when slapd is missing.
package ldaptest

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

// The server's fixed names; the root password is for tests only.
const (
	BaseDN = "dc=trust,dc=example"
	RootDN = "cn=admin,dc=trust,dc=example"
	RootPW = "test-only-secret"
)

const slapdBin = "/usr/sbin/slapd"

// Server is a running slapd with the base entry and ou=people and
// ou=groups under it.
type Server struct {
	// URL is ldap://127.0.0.1:PORT.
	URL  string
	t    testing.TB
	conn *ldap.Conn
	cmd  *exec.Cmd
}

// Start runs slapd and creates the base, ou=people and ou=groups; it skips
// the test when slapd is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := os.Stat(slapdBin); err != nil {
		t.Skip("slapd not installed (Debian package slapd): LDAP directory not tested")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
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
`, dir, BaseDN, RootDN, RootPW)
	confPath := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{URL: "ldap://" + addr, t: t}
	s.cmd = exec.Command(slapdBin, "-f", confPath, "-h", s.URL+"/", "-d", "0")
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if s.conn, err = ldap.DialURL(s.URL); err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("slapd did not start: %v", err)
		}
	}
	if err := s.conn.Bind(RootDN, RootPW); err != nil {
		t.Fatal(err)
	}
	s.Add(BaseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"trust"}, "o": {"Trust"}})
	s.Add("ou=people,"+BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}})
	s.Add("ou=groups,"+BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}})
	return s
}

// Add creates an entry as the root DN, failing the test on error.
func (s *Server) Add(dn string, attrs map[string][]string) {
	s.t.Helper()
	r := ldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		r.Attribute(k, v)
	}
	if err := s.conn.Add(r); err != nil {
		s.t.Fatalf("add %s: %v", dn, err)
	}
}

// PersonDN is the DN Person gives an entry of this common name.
func PersonDN(cn string) string { return "cn=" + cn + ",ou=people," + BaseDN }

// Person adds an inetOrgPerson under ou=people; title and managerDN may be
// empty.
func (s *Server) Person(cn, mail, role, title, managerDN string) {
	s.t.Helper()
	a := map[string][]string{"objectClass": {"inetOrgPerson"}, "cn": {cn}, "sn": {cn}, "mail": {mail},
		"displayName": {cn}, "employeeType": {role}}
	if title != "" {
		a["title"] = []string{title}
	}
	if managerDN != "" {
		a["manager"] = []string{managerDN}
	}
	s.Add(PersonDN(cn), a)
}

// Group adds a groupOfNames under ou=groups with these member DNs; a
// non-empty mail makes it a mail-enabled group (a shared mailbox, as
// Active Directory has them), which its members may send as.
func (s *Server) Group(cn, mail string, members ...string) {
	s.t.Helper()
	a := map[string][]string{"objectClass": {"groupOfNames"}, "cn": {cn}, "member": members}
	if mail != "" {
		a["objectClass"] = append(a["objectClass"], "extensibleObject")
		a["mail"] = []string{mail}
	}
	s.Add("cn="+cn+",ou=groups,"+BaseDN, a)
}

// Stop ends slapd (also run when the test ends).
func (s *Server) Stop() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	if s.cmd != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}
