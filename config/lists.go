package config

import "path/filepath"

// Lists configures the allow and block lists (package lists): entries per
// sender address, domain or client network, managed from the review page
// (admins) and `mailward lists`. With store.url (issue 15) the shared store
// keeps them instead.
//
//	lists:
//	  path: ./var/quarantine/lists/lists.db   # default: under quarantine.dir
//	  refresh: 2s                             # a change made elsewhere applies within this
type Lists struct {
	Path    string   `yaml:"path"`
	Refresh Duration `yaml:"refresh"`
}

func (l *Lists) applyDefaults(quarantineDir string) {
	if l.Path == "" {
		l.Path = filepath.Join(quarantineDir, "lists", "lists.db")
	}
	if l.Refresh == 0 {
		l.Refresh = Duration(2e9)
	}
}

func (l *Lists) validate(v *validator) {
	if l.Path == "" {
		v.errorf("lists.path", "must not be empty")
	}
	if l.Refresh.D() < 1e8 || l.Refresh.D() > 600e9 {
		v.errorf("lists.refresh", "must be between 100ms and 10m")
	}
}
