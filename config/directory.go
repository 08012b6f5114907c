package config

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailward/mailward/directory"
)

// Directory configures the staff directory: who is staff, pupil, governor or
// IT, and who is each person's line manager (for alerts and for rules on
// sender and recipient groups). The file is asked first, then LDAP.
//
//	directory:
//	  file: /etc/mailward/people.yaml   # or .csv: address,name,role,manager[,groups]
//	  reload: 5m                         # re-read the file when it changed
//	  ldap:                              # optional: Active Directory or OpenLDAP
//	    url: ldaps://dc1.trust.example
//	    start_tls: false
//	    bind_dn: CN=mailward,OU=Service Accounts,DC=trust,DC=example
//	    bind_password_file: /etc/mailward/ldap-password
//	    base_dn: DC=trust,DC=example
//	    filter: "(&(objectClass=person)(|(mail={addr})(proxyAddresses=smtp:{addr})))"
//	    role_attribute: employeeType
//	    send_as_filter: "(&(mail=*)(|(member={dn})(publicDelegates={dn})))"   # shared mailboxes of {dn}
//	    list_filter: "(&(objectClass=person)(mail=*))"   # the staff whose names outside display names are compared with
//	    timeout: 3s
//	    cache_ttl: 15m
type Directory struct {
	// File is a YAML or CSV file, chosen by extension (.yaml, .yml, .csv).
	File string `yaml:"file"`
	// Reload is how often the file is checked for changes. Default 5m.
	Reload Duration `yaml:"reload"`
	// LDAP asks a directory server for addresses the file does not list.
	LDAP DirectoryLDAP `yaml:"ldap"`
}

// DirectoryLDAP is the optional LDAP / Active Directory source: role from
// role_attribute, groups from memberOf, line manager from manager.
type DirectoryLDAP struct {
	URL              string   `yaml:"url"`
	StartTLS         bool     `yaml:"start_tls"`
	BindDN           string   `yaml:"bind_dn"`
	BindPasswordFile string   `yaml:"bind_password_file"`
	BaseDN           string   `yaml:"base_dn"`
	Filter           string   `yaml:"filter"`
	RoleAttribute    string   `yaml:"role_attribute"`
	SendAsFilter     string   `yaml:"send_as_filter"`
	ListFilter       string   `yaml:"list_filter"`
	Timeout          Duration `yaml:"timeout"`
	CacheTTL         Duration `yaml:"cache_ttl"`
}

// Configured reports whether any directory source is set.
func (x *Directory) Configured() bool { return x.File != "" || x.LDAP.URL != "" }

func (x *Directory) applyDefaults() {
	setDur(&x.Reload, 5*time.Minute)
	if x.LDAP.URL != "" {
		setDur(&x.LDAP.Timeout, 3*time.Second)
		setDur(&x.LDAP.CacheTTL, 15*time.Minute)
		if x.LDAP.Filter == "" {
			x.LDAP.Filter = directory.DefaultLDAPFilter
		}
		if x.LDAP.RoleAttribute == "" {
			x.LDAP.RoleAttribute = "employeeType"
		}
		if x.LDAP.SendAsFilter == "" {
			x.LDAP.SendAsFilter = directory.DefaultSendAsFilter
		}
		if x.LDAP.ListFilter == "" {
			x.LDAP.ListFilter = directory.DefaultListFilter
		}
	}
}

func (x *Directory) validate(v *validator) {
	if x.File != "" {
		switch strings.ToLower(filepath.Ext(x.File)) {
		case ".yaml", ".yml", ".csv":
			// check-config reads the file too, so a broken export is caught
			// before serve starts.
			if _, err := directory.Load(x.File); err != nil {
				v.errorf("directory.file", "%v", err)
			}
		default:
			v.errorf("directory.file", "want a .yaml, .yml or .csv file, got %q", x.File)
		}
	}
	if x.Reload.D() < time.Second {
		v.errorf("directory.reload", "must be at least 1s")
	}
	l := x.LDAP
	if l.URL == "" {
		return
	}
	if u, err := url.Parse(l.URL); err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		v.errorf("directory.ldap.url", "want ldap://host[:port] or ldaps://host[:port], got %q", l.URL)
	} else if u.Scheme == "ldap" && !l.StartTLS && !isLoopbackHost(u.Hostname()) {
		v.warnf("directory.ldap.url", "plain ldap:// without start_tls sends the bind password in clear")
	}
	if l.BaseDN == "" {
		v.errorf("directory.ldap.base_dn", "required with directory.ldap.url")
	}
	if l.BindDN != "" && l.BindPasswordFile == "" {
		v.errorf("directory.ldap.bind_password_file", "required with bind_dn (the password is kept out of the config)")
	}
	if l.BindPasswordFile != "" {
		if _, err := os.Stat(l.BindPasswordFile); err != nil {
			v.errorf("directory.ldap.bind_password_file", "%v", err)
		}
	}
	if !strings.Contains(l.Filter, "{addr}") || !strings.HasPrefix(l.Filter, "(") {
		v.errorf("directory.ldap.filter", "want an LDAP filter with {addr} where the address goes")
	}
	if !strings.Contains(l.SendAsFilter, "{dn}") || !strings.HasPrefix(l.SendAsFilter, "(") {
		v.errorf("directory.ldap.send_as_filter", "want an LDAP filter with {dn} where the person's DN goes")
	}
	if !strings.HasPrefix(l.ListFilter, "(") {
		v.errorf("directory.ldap.list_filter", "want an LDAP filter")
	}
	if l.Timeout.D() <= 0 || l.Timeout.D() > time.Minute {
		v.errorf("directory.ldap.timeout", "must be between 1ns and 1m")
	}
	if l.CacheTTL.D() < time.Second {
		v.errorf("directory.ldap.cache_ttl", "must be at least 1s")
	}
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}
