package directory

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// LDAPOptions configure an LDAP or Active Directory source.
type LDAPOptions struct {
	// URL is ldap://host:389 or ldaps://host:636.
	URL string
	// StartTLS upgrades an ldap:// connection before binding.
	StartTLS bool
	// TLS verifies the server; nil uses the system roots.
	TLS *tls.Config
	// BindDN and BindPassword authenticate the search; empty binds anonymously.
	BindDN       string
	BindPassword string
	// BaseDN is where people are searched (subtree).
	BaseDN string
	// Filter finds a person; {addr} is replaced by the escaped address.
	// Default: (&(objectClass=person)(|(mail={addr})(proxyAddresses=smtp:{addr}))),
	// which suits Active Directory and OpenLDAP's inetOrgPerson.
	Filter string
	// RoleAttribute holds the role (staff, pupil, ...). Default employeeType.
	RoleAttribute string
	// SendAsFilter finds the shared mailboxes a person may send as: entries
	// with a mail address that list the person, whose DN replaces {dn}.
	// Default (&(mail=*)(|(member={dn})(publicDelegates={dn}))): mail-enabled
	// groups the person is a member of, and Exchange mailboxes that name
	// the person as a delegate (publicDelegates, "send on behalf").
	SendAsFilter string
	// ListFilter finds everyone People lists (the names an outside display
	// name is compared with). Default (&(objectClass=person)(mail=*)).
	ListFilter string
	// Timeout bounds connecting and each request. Default 3s.
	Timeout time.Duration
	// CacheTTL is how long an answer (found or not) is kept. Default 15m.
	CacheTTL time.Duration
	// Only, when set, limits lookups to the addresses it accepts (the
	// trust's own domains): a parent's address is not worth a query.
	Only func(addr string) bool
}

// DefaultLDAPFilter finds a person by mail or Active Directory proxy address.
const DefaultLDAPFilter = "(&(objectClass=person)(|(mail={addr})(proxyAddresses=smtp:{addr})))"

// DefaultSendAsFilter finds the shared mailboxes a person (DN {dn}) may
// send as: mail-enabled groups they belong to and mailboxes delegating to them.
const DefaultSendAsFilter = "(&(mail=*)(|(member={dn})(publicDelegates={dn})))"

// DefaultListFilter finds the people People lists.
const DefaultListFilter = "(&(objectClass=person)(mail=*))"

// maxListed bounds People: a trust's staff is a few thousand people; more
// than this is a filter that also finds pupils or the whole county.
const maxListed = 50000

// LDAP is a Source that asks a directory server, Active Directory included:
// the person's role from RoleAttribute, job title from title, groups from
// memberOf (the CN of each group), the line manager from the manager
// attribute (a DN, resolved to that person's mail), and shared mailboxes
// from SendAsFilter. Answers are cached; while the server is down a
// cached answer is served past its time, and an address never seen is
// reported as unknown (so rules on groups do not match and alerts go to IT).
type LDAP struct {
	o   LDAPOptions
	now func() time.Time
	log *slog.Logger

	mu    sync.Mutex
	cache map[string]ldapEntry
	// downUntil: after a failure the server is not asked again for
	// ldapErrorTTL, so a blackholed server costs one timeout per half
	// minute, not one per address of every message.
	downUntil time.Time

	// list is People's cached answer, refreshed after CacheTTL by one
	// caller while the others are served the previous list.
	list       []Person
	listUntil  time.Time
	listing    bool
	listDownTo time.Time
}

type ldapEntry struct {
	p     Person
	ok    bool
	until time.Time
}

var _ Lister = (*LDAP)(nil)

// ldapErrorTTL is how long a failed lookup is remembered, so that a dead
// server costs one timeout per address per half minute, not one per message.
const ldapErrorTTL = 30 * time.Second

// NewLDAP returns an LDAP source; it connects on the first lookup.
func NewLDAP(o LDAPOptions) *LDAP {
	if o.Filter == "" {
		o.Filter = DefaultLDAPFilter
	}
	if o.RoleAttribute == "" {
		o.RoleAttribute = "employeeType"
	}
	if o.SendAsFilter == "" {
		o.SendAsFilter = DefaultSendAsFilter
	}
	if o.ListFilter == "" {
		o.ListFilter = DefaultListFilter
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 15 * time.Minute
	}
	return &LDAP{o: o, now: time.Now, log: slog.Default(), cache: map[string]ldapEntry{}}
}

// Lookup implements Source.
func (l *LDAP) Lookup(addr string) (Person, bool) {
	addr = Normalize(addr)
	if l.o.Only != nil && !l.o.Only(addr) {
		return Person{}, false
	}
	now := l.now()
	l.mu.Lock()
	e, cached := l.cache[addr]
	down := now.Before(l.downUntil)
	l.mu.Unlock()
	if cached && (now.Before(e.until) || down) {
		return e.p, e.ok
	}
	if down {
		return Person{}, false
	}
	p, ok, err := l.query(addr)
	if err != nil {
		l.log.Warn("directory: LDAP lookup failed", "addr", addr, "err", err)
		l.mu.Lock()
		l.downUntil = now.Add(ldapErrorTTL)
		l.mu.Unlock()
		if cached {
			// Serve the stale answer a while longer rather than forget.
			e.until = now.Add(ldapErrorTTL)
		} else {
			e = ldapEntry{until: now.Add(ldapErrorTTL)}
		}
		l.mu.Lock()
		l.cache[addr] = e
		l.mu.Unlock()
		return e.p, e.ok
	}
	l.mu.Lock()
	l.cache[addr] = ldapEntry{p: p, ok: ok, until: now.Add(l.o.CacheTTL)}
	if len(l.cache) > 100000 {
		for k, v := range l.cache {
			if !now.Before(v.until) {
				delete(l.cache, k)
			}
		}
	}
	l.mu.Unlock()
	return p, ok
}

func (l *LDAP) dial() (*ldap.Conn, error) {
	c, err := ldap.DialURL(l.o.URL, ldap.DialWithDialer(&net.Dialer{Timeout: l.o.Timeout}), ldap.DialWithTLSConfig(l.o.TLS))
	if err != nil {
		return nil, fmt.Errorf("ldap dial: %w", err)
	}
	c.SetTimeout(l.o.Timeout)
	if l.o.StartTLS {
		cfg := l.o.TLS
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if cfg.ServerName == "" {
			if h, _, err := net.SplitHostPort(strings.TrimPrefix(l.o.URL, "ldap://")); err == nil {
				cfg = cfg.Clone()
				cfg.ServerName = h
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			c.Close()
			return nil, fmt.Errorf("ldap starttls: %w", err)
		}
	}
	if l.o.BindDN != "" {
		if err := c.Bind(l.o.BindDN, l.o.BindPassword); err != nil {
			c.Close()
			return nil, fmt.Errorf("ldap bind: %w", err)
		}
	}
	return c, nil
}

// query asks the server for one address; found is false (with no error)
// when no entry matches.
func (l *LDAP) query(addr string) (Person, bool, error) {
	c, err := l.dial()
	if err != nil {
		return Person{}, false, err
	}
	defer c.Close()
	filter := strings.ReplaceAll(l.o.Filter, "{addr}", ldap.EscapeFilter(addr))
	secs := int(l.o.Timeout / time.Second)
	if secs < 1 {
		secs = 1
	}
	res, err := c.Search(ldap.NewSearchRequest(l.o.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, secs, false, filter, []string{"mail", "displayName", "cn", "title", "manager", "memberOf", l.o.RoleAttribute}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return Person{}, false, fmt.Errorf("ldap search: %w", err)
	}
	if res == nil || len(res.Entries) == 0 {
		return Person{}, false, nil
	}
	if len(res.Entries) > 1 {
		return Person{}, false, fmt.Errorf("ldap search: %d entries for one address", len(res.Entries))
	}
	e := res.Entries[0]
	p := l.person(e)
	p.Address = addr
	for _, g := range e.GetAttributeValues("memberOf") {
		if cn := firstCN(g); cn != "" {
			p.Groups = append(p.Groups, cn)
		}
	}
	if mgr := e.GetAttributeValue("manager"); mgr != "" {
		r, err := c.Search(ldap.NewSearchRequest(mgr, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
			1, secs, false, "(objectClass=*)", []string{"mail"}, nil))
		if err != nil {
			return Person{}, false, fmt.Errorf("ldap manager: %w", err)
		}
		if len(r.Entries) == 1 {
			p.Manager = Normalize(r.Entries[0].GetAttributeValue("mail"))
		}
	}
	sendAs := strings.ReplaceAll(l.o.SendAsFilter, "{dn}", ldap.EscapeFilter(e.DN))
	r, err := c.Search(ldap.NewSearchRequest(l.o.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		1000, secs, false, sendAs, []string{"mail"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return Person{}, false, fmt.Errorf("ldap send-as: %w", err)
	}
	if r != nil {
		for _, g := range r.Entries {
			for _, m := range g.GetAttributeValues("mail") {
				if m = Normalize(m); m != addr && !slices.Contains(p.SendAs, m) {
					p.SendAs = append(p.SendAs, m)
				}
			}
		}
	}
	return p, true, nil
}

// person reads the attributes that a lookup and a listing share.
func (l *LDAP) person(e *ldap.Entry) Person {
	p := Person{Address: Normalize(e.GetAttributeValue("mail")), Name: e.GetAttributeValue("displayName"),
		Role: strings.ToLower(e.GetAttributeValue(l.o.RoleAttribute)), Title: strings.TrimSpace(e.GetAttributeValue("title"))}
	if p.Name == "" {
		p.Name = e.GetAttributeValue("cn")
	}
	return p
}

// People implements Lister: everyone ListFilter finds (and Only accepts),
// with name, role, title and groups; not managers or shared mailboxes,
// which Lookup resolves. The list is kept for CacheTTL; while the server is
// down the previous list is served, or none.
func (l *LDAP) People() []Person {
	now := l.now()
	l.mu.Lock()
	if now.Before(l.listUntil) || l.listing || now.Before(l.listDownTo) {
		list := l.list
		l.mu.Unlock()
		return list
	}
	l.listing = true
	l.mu.Unlock()
	list, err := l.listAll()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listing = false
	if err != nil {
		l.log.Warn("directory: LDAP listing failed", "err", err)
		l.listDownTo = now.Add(ldapErrorTTL)
		return l.list
	}
	l.list, l.listUntil = list, now.Add(l.o.CacheTTL)
	return list
}

func (l *LDAP) listAll() ([]Person, error) {
	c, err := l.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	secs := max(int(l.o.Timeout/time.Second), 1)
	res, err := c.SearchWithPaging(ldap.NewSearchRequest(l.o.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		maxListed, secs, false, l.o.ListFilter, []string{"mail", "displayName", "cn", "title", "memberOf", l.o.RoleAttribute}, nil), 500)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, fmt.Errorf("ldap list: %w", err)
	}
	if res == nil {
		return nil, nil
	}
	var out []Person
	for _, e := range res.Entries {
		p := l.person(e)
		if p.Address == "" || (l.o.Only != nil && !l.o.Only(p.Address)) {
			continue
		}
		for _, g := range e.GetAttributeValues("memberOf") {
			if cn := firstCN(g); cn != "" {
				p.Groups = append(p.Groups, cn)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// firstCN returns the value of a DN's first CN ("CN=Year 7 Tutors,OU=...").
func firstCN(dn string) string {
	d, err := ldap.ParseDN(dn)
	if err != nil || len(d.RDNs) == 0 {
		return ""
	}
	for _, a := range d.RDNs[0].Attributes {
		if strings.EqualFold(a.Type, "cn") {
			return a.Value
		}
	}
	return ""
}

// Chain asks each source in turn and returns the first answer: the file
// first (overrides, pupils not in AD), then LDAP.
type Chain []Source

var _ Lister = Chain(nil)

// People implements Lister: everyone the listing sources know, the first
// source's entry winning for an address listed twice.
func (c Chain) People() []Person {
	seen := map[string]bool{}
	var out []Person
	for _, s := range c {
		ls, ok := s.(Lister)
		if !ok {
			continue
		}
		for _, p := range ls.People() {
			if !seen[p.Address] {
				seen[p.Address] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Lookup implements Source.
func (c Chain) Lookup(addr string) (Person, bool) {
	for _, s := range c {
		if p, ok := s.Lookup(addr); ok {
			return p, true
		}
	}
	return Person{}, false
}
