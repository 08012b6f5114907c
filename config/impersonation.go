package config

import (
	"fmt"
	"strings"
)

// Impersonation configures the impersonation detector (issue 16, scanner
// "impersonation"): outside senders passing as staff or as the trust, and
// staff sending with a From that is not theirs.
//
//	impersonation:
//	  enabled: true                  # default true
//	  correspondents:                # domains whose lookalikes are flagged too, as the trust's own are
//	    - county.gov.uk
//	    - schoolsupplier.co.uk
//	  role_words: [estates manager]  # more finance or leadership titles, beside the built-in ones
//	  allow_senders:                 # outside addresses or domains whose display names are not compared
//	    - head.personal@gmail.com
//	  outbound: true                 # check staff's header From against the directory; default true
//
// The trust's own domains (domains:) are always protected from lookalikes.
// Display names are compared with the directory (directory:); without one,
// only role words ("Head Teacher" from a free mail address) are checked.
type Impersonation struct {
	// Enabled turns the detector on. Default true.
	Enabled *bool `yaml:"enabled"`
	// Correspondents are domains of frequent correspondents (the local
	// authority, suppliers): mail from a lookalike of one is flagged, the
	// pattern of invoice fraud.
	Correspondents []string `yaml:"correspondents"`
	// RoleWords are extra finance or leadership titles ("estates manager"),
	// matched as whole words in display names and job titles.
	RoleWords []string `yaml:"role_words"`
	// AllowSenders are outside addresses or domains whose display names are
	// not compared with the directory (a head teacher's known personal
	// address, the trust's newsletter service). Lookalike checks still run.
	AllowSenders []string `yaml:"allow_senders"`
	// Outbound checks that staff send with their own address or a shared
	// mailbox they belong to. Default true; it needs the directory.
	Outbound *bool `yaml:"outbound"`
}

// ImpersonationTiers are the tiers of the impersonation scanner's findings,
// one per check (scanner/impersonation keeps the same names, checked by its
// tests): rules' tier conditions may name them.
var ImpersonationTiers = []string{
	"display_name",     // an outside display name is a staff name or a finance/leadership/IT title
	"lookalike_domain", // the From or Reply-To domain imitates the trust's or a correspondent's
	"address_in_name",  // the display name shows a trust or correspondent address
	"reply_to",         // replies go to another organisation
	"from_not_theirs",  // staff sent with a From that is neither theirs nor a shared mailbox of theirs
}

// IsEnabled reports whether the detector runs (default true).
func (x *Impersonation) IsEnabled() bool { return x.Enabled == nil || *x.Enabled }

// CheckOutbound reports whether outbound From is checked (default true).
func (x *Impersonation) CheckOutbound() bool { return x.Outbound == nil || *x.Outbound }

func (x *Impersonation) validate(v *validator) {
	for i, d := range x.Correspondents {
		if _, err := NormalizeDomain(strings.TrimPrefix(d, "*.")); err != nil || strings.Contains(d, "@") {
			v.errorf(fmt.Sprintf("impersonation.correspondents.%d", i), "want a domain, got %q", d)
		}
	}
	for i, w := range x.RoleWords {
		if strings.TrimSpace(w) == "" {
			v.errorf(fmt.Sprintf("impersonation.role_words.%d", i), "empty role word")
		}
	}
	for i, a := range x.AllowSenders {
		ok := plainAddress(a)
		if !strings.Contains(a, "@") {
			_, err := NormalizeDomain(strings.TrimPrefix(a, "*."))
			ok = err == nil
		}
		if !ok {
			v.errorf(fmt.Sprintf("impersonation.allow_senders.%d", i), "want an address or a domain, got %q", a)
		}
	}
}
