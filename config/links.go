package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Links configures the inappropriate link detector (issue 16, scanner
// "links"): links to proxies that get round the filters, gambling, dating
// and adult sites (Raleigh policy 4.5 j), URL shorteners and redirectors,
// and links whose text and target disagree.
//
//	links:
//	  enabled: true                  # default true
//	  builtin_lists: true            # the small list shipped with mailward; default true
//	  lists:                         # more category lists, in common formats
//	    - {path: /etc/mailward/gambling.txt, format: domains, category: gambling}
//	    - {path: /etc/hosts.blocked, format: hosts, category: adult}
//	    - {path: /var/lib/ut1/blacklists, format: ut1, categories: [adult, gambling, redirector, vpn]}
//	  allow_domains: [bbc.co.uk]     # never reported, with their subdomains
//	  low_severity: [shortener]      # categories reported at low severity (score 0.3)
//	  qr_codes: true                 # read QR codes in images; default true
//	  max_image_bytes: 4194304       # larger images are not searched for QR codes
//	  max_image_pixels: 16000000     # nor images of more pixels than this
//
// The category of a finding is always inappropriate_link; the list
// category (gambling, adult, ...) is its tier, which rules match with
// `tier: [...]`. UT1 calls filter-bypass proxies "redirector" and its
// URL shorteners "shortener".
type Links struct {
	// Enabled turns the detector on. Default true.
	Enabled *bool `yaml:"enabled"`
	// BuiltinLists loads the lists shipped with mailward
	// (scanner/links/data). Default true.
	BuiltinLists *bool `yaml:"builtin_lists"`
	// Lists are category lists read at start.
	Lists []LinkList `yaml:"lists"`
	// AllowDomains are never reported, nor their subdomains.
	AllowDomains []string `yaml:"allow_domains"`
	// LowSeverity are list categories whose links are reported with score
	// 0.3 and severity low: they hide where a link goes rather than being
	// inappropriate themselves. Default [shortener].
	LowSeverity []string `yaml:"low_severity"`
	// QRCodes reads QR codes in image attachments and inline images.
	// Default true.
	QRCodes *bool `yaml:"qr_codes"`
	// MaxImageBytes and MaxImagePixels bound the images searched for QR
	// codes (larger ones are skipped, not unscannable: an image need not
	// hold a code). Defaults 4 MiB and 16 million pixels.
	MaxImageBytes  int `yaml:"max_image_bytes"`
	MaxImagePixels int `yaml:"max_image_pixels"`
	// MaxImages is how many images of one message are searched. Default 10
	// (a 16-megapixel photo takes about half a second).
	MaxImages int `yaml:"max_images"`
}

// LinkList is one category list file or folder.
type LinkList struct {
	// Path is a file (formats domains and hosts) or a UT1 folder.
	Path string `yaml:"path"`
	// Format is "domains" (one domain a line, # comments), "hosts" (a
	// hosts file: "0.0.0.0 example.com"), or "ut1" (the Toulouse
	// blacklist layout: PATH/<category>/domains and urls).
	Format string `yaml:"format"`
	// Category names the list (formats domains and hosts).
	Category string `yaml:"category"`
	// Categories limits a UT1 folder to these categories; empty: all of
	// them.
	Categories []string `yaml:"categories"`
}

// LinkListFormats are the formats a list may have.
var LinkListFormats = []string{"domains", "hosts", "ut1"}

// BuiltinLinkCategories are the categories of the list shipped with
// mailward and the signals the detector reports as tiers of its own:
// "deceptive" (a link whose text shows one site and goes to another, or
// hides its host behind user info) and "ip_literal" (a link to a bare IP
// address).
var BuiltinLinkCategories = []string{"adult", "dating", "gambling", "proxy", "vpn", "shortener", "deceptive", "ip_literal"}

// LinkHoldTiers are the link categories the default rules hold when staff
// send them: adult sites, and proxies and VPNs that get round the web
// filter, by the names of the built-in lists and of UT1 ("redirector" is
// UT1's name for filter-bypass proxies, "mixed_adult" its partly adult
// sites).
var LinkHoldTiers = []string{"adult", "mixed_adult", "proxy", "redirector", "vpn"}

// IsEnabled reports whether the detector runs (default true).
func (x *Links) IsEnabled() bool { return x.Enabled == nil || *x.Enabled }

// UseBuiltin reports whether the shipped lists are loaded (default true).
func (x *Links) UseBuiltin() bool { return x.BuiltinLists == nil || *x.BuiltinLists }

// ReadQR reports whether images are searched for QR codes (default true).
func (x *Links) ReadQR() bool { return x.QRCodes == nil || *x.QRCodes }

func (x *Links) applyDefaults() {
	if x.LowSeverity == nil {
		x.LowSeverity = []string{"shortener"}
	}
	setInt(&x.MaxImageBytes, 4<<20)
	setInt(&x.MaxImagePixels, 16_000_000)
	setInt(&x.MaxImages, 10)
}

func (x *Links) validate(v *validator) {
	for i, l := range x.Lists {
		key := fmt.Sprintf("links.lists.%d", i)
		if l.Path == "" {
			v.errorf(key+".path", "every list needs a path")
		}
		if !slices.Contains(LinkListFormats, l.Format) {
			v.errorf(key+".format", "unknown format %q (want one of %v)", l.Format, LinkListFormats)
			continue
		}
		if l.Format == "ut1" {
			if l.Category != "" {
				v.errorf(key+".category", "a ut1 folder names its categories by subfolder: use categories to limit them")
			}
		} else if !linkCategoryName(l.Category) {
			v.errorf(key+".category", "a %s list needs a category of lowercase letters, digits, '_' or '-', got %q", l.Format, l.Category)
		}
		for j, c := range l.Categories {
			if !linkCategoryName(c) {
				v.errorf(fmt.Sprintf("%s.categories.%d", key, j), "bad category %q", c)
			}
		}
		if l.Path != "" {
			if st, err := os.Stat(l.Path); err != nil {
				v.errorf(key+".path", "cannot read: %v", err)
			} else if st.IsDir() != (l.Format == "ut1") {
				v.errorf(key+".path", "format %s wants a %s", l.Format, map[bool]string{true: "folder", false: "file"}[l.Format == "ut1"])
			}
		}
	}
	for i, d := range x.AllowDomains {
		if _, err := NormalizeDomain(d); err != nil || d == "" {
			v.errorf(fmt.Sprintf("links.allow_domains.%d", i), "bad domain %q", d)
		}
	}
	for i, c := range x.LowSeverity {
		if !linkCategoryName(c) {
			v.errorf(fmt.Sprintf("links.low_severity.%d", i), "bad category %q", c)
		}
	}
	if x.MaxImageBytes < 1024 {
		v.errorf("links.max_image_bytes", "must be at least 1024, got %d", x.MaxImageBytes)
	}
	if x.MaxImagePixels < 10000 {
		v.errorf("links.max_image_pixels", "must be at least 10000, got %d", x.MaxImagePixels)
	}
	if x.MaxImages < 0 {
		v.errorf("links.max_images", "must not be negative")
	}
}

// Tiers are the link categories rules may name in tier conditions: the
// built-in ones, those of configured lists, and the subfolders of UT1
// folders (read from disk; a folder that cannot be read adds none, and
// validate reports it).
func (x *Links) Tiers() []string {
	t := append(slices.Clone(BuiltinLinkCategories), LinkHoldTiers...)
	for _, l := range x.Lists {
		if l.Category != "" {
			t = append(t, l.Category)
		}
		t = append(t, l.Categories...)
		if l.Format == "ut1" && len(l.Categories) == 0 {
			ents, _ := os.ReadDir(l.Path)
			for _, e := range ents {
				if e.IsDir() || e.Type()&os.ModeSymlink != 0 {
					if _, err := os.Stat(filepath.Join(l.Path, e.Name())); err == nil {
						t = append(t, e.Name())
					}
				}
			}
		}
	}
	slices.Sort(t)
	return slices.Compact(t)
}

// linkCategoryName reports whether s is usable as a category and tier.
func linkCategoryName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == ""
}

// linkTiers are the tiers rules may name for inappropriate_link findings
// in the config being validated.
func (v *validator) linkTiers() []string { return v.c.Links.Tiers() }
