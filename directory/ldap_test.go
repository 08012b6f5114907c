package directory

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/mailward/mailward/directory/ldaptest"
)

const (
	baseDN = ldaptest.BaseDN
	rootDN = ldaptest.RootDN
	rootPW = ldaptest.RootPW
)

// startSlapd runs a private slapd (package ldaptest) and fills it: two
// staff, a pupil, a tutor group and a shared mailbox (a mail-enabled group).
func startSlapd(t *testing.T) string {
	t.Helper()
	s := ldaptest.Start(t)
	s.Person("Pat Head", "Head@Trust.example", "Staff", "Head Teacher", "")
	s.Person("Jo Smith", "j.smith@trust.example", "staff", "", ldaptest.PersonDN("Pat Head"))
	s.Person("A Pupil", "7a.pupil@trust.example", "pupil", "", "")
	s.Group("Year 7 Tutors", "", ldaptest.PersonDN("Jo Smith"))
	s.Group("School Office", "Office@trust.example", ldaptest.PersonDN("Jo Smith"), ldaptest.PersonDN("Pat Head"))
	slapdStop = s.Stop
	return s.URL
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
	if p, ok := l.Lookup("head@trust.example"); !ok || p.Role != "staff" || p.Manager != "" || p.Title != "Head Teacher" {
		t.Fatalf("head: %+v %v", p, ok)
	}
	// Shared mailboxes: members of a mail-enabled group may send as it.
	if !p.MaySendAs("office@trust.example") || !p.MaySendAs("J.Smith@trust.example") || p.MaySendAs("head@trust.example") {
		t.Fatalf("j.smith send-as: %+v", p.SendAs)
	}
	if p, _ := l.Lookup("7a.pupil@trust.example"); p.MaySendAs("office@trust.example") {
		t.Fatalf("pupil may send as the office: %+v", p.SendAs)
	}
	// Listing: everyone with a mail address, with names and titles.
	people := map[string]Person{}
	for _, p := range l.People() {
		people[p.Address] = p
	}
	if len(people) != 3 || people["head@trust.example"].Title != "Head Teacher" || people["j.smith@trust.example"].Name != "Jo Smith" {
		t.Fatalf("People: %+v", people)
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
	// The list is served from its cache past its time while the server is down.
	if n := len(l.People()); n != 3 {
		t.Fatalf("People with the server down: %d, want the 3 cached", n)
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
