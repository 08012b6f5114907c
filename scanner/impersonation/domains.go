package impersonation

import (
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// domainOf returns the lowercased ASCII (IDNA) domain of an address, or "".
func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return ""
	}
	return asciiDomain(addr[at+1:])
}

// asciiDomain lowercases d, drops a trailing dot and converts it to its
// ASCII (punycode) form; an unconvertible domain is kept lowercased.
func asciiDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return strings.ToLower(a)
	}
	return d
}

// orgDomain is the registrable domain (eTLD+1, the organisational domain
// of DMARC): mail.trust.example and trust.example share one.
func orgDomain(d string) string {
	if r, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return r
	}
	return d
}

// splitOrg splits a domain's registrable part into its label and public
// suffix, the label in Unicode ("xn--pple-43d.com" gives "аpple", "com").
func splitOrg(d string) (label, suffix string) {
	org := orgDomain(d)
	label, suffix, _ = strings.Cut(org, ".")
	if u, err := idna.ToUnicode(label); err == nil {
		label = u
	}
	return label, suffix
}

// domainSet matches domains exactly or, for "*." entries and always for
// subdomains of an entry, below it: the trust's own subdomains are its own.
type domainSet []string

func (s domainSet) has(d string) bool {
	for _, x := range s {
		if d == x || strings.HasSuffix(d, "."+x) {
			return true
		}
	}
	return false
}

func newDomainSet(list []string) domainSet {
	var s domainSet
	for _, d := range list {
		if d = asciiDomain(strings.TrimPrefix(strings.TrimSpace(d), "*.")); d != "" {
			s = append(s, d)
		}
	}
	return s
}

// freemail are providers where anyone can take any name: a role title or a
// head teacher's name there is the gift-card scam's usual dress.
var freemail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "hotmail.co.uk": true,
	"live.com": true, "live.co.uk": true, "msn.com": true, "yahoo.com": true, "yahoo.co.uk": true,
	"ymail.com": true, "aol.com": true, "aol.co.uk": true, "icloud.com": true, "me.com": true, "mac.com": true,
	"mail.com": true, "gmx.com": true, "gmx.co.uk": true, "gmx.net": true, "protonmail.com": true,
	"proton.me": true, "pm.me": true, "yandex.com": true, "yandex.ru": true, "mail.ru": true, "zoho.com": true,
	"tutanota.com": true, "btinternet.com": true, "sky.com": true, "virginmedia.com": true, "talktalk.net": true,
}

func isFreemail(d string) bool { return freemail[orgDomain(d)] || freemail[d] }
