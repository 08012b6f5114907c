// Package links finds links to inappropriate sites (issue 16): proxies
// and VPNs that get round the school's web filter, gambling, dating and
// adult sites (Raleigh ICT policy 4.5 j), links through URL shorteners
// that hide where they go, links to bare IP addresses, and links that
// deceive (their text shows one site and they go to another, or they hide
// their host behind a user part: http://school.org.uk@evil.example/).
//
// Links are read from HTML hrefs (with the text shown for them), from URLs
// and domain names written in any text (subject, bodies, attachment text),
// from the hyperlinks of Office files and PDFs, and from QR codes in
// images. Mail security wrappers (Microsoft Safe
// Links, Proofpoint URL Defense, Google redirects) are taken off first:
// the link a reader ends at is the one judged. Hosts are compared in their
// IDNA ASCII form, so a list entry matches the Unicode and the punycode
// spelling alike.
//
// Every finding has category inappropriate_link; its tier names the list
// category ("gambling", "adult", UT1's "redirector") or the detector's own
// signal ("deceptive", "ip_literal"), and rules choose the action by tier.
// Summaries name the category, count and place ("2 links to category
// gambling in body"), never the link itself.
package links

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings.
const Name = "links"

// Tiers the detector reports besides list categories.
const (
	TierDeceptive = "deceptive"
	TierIPLiteral = "ip_literal"
	TierShortener = "shortener"
)

// Severities of link findings, with their scores.
const (
	SeverityHigh   = "high"   // a listed category: score 0.9
	SeverityMedium = "medium" // a deceptive link: score 0.6
	SeverityLow    = "low"    // a shortener, an IP literal: score 0.3
)

// Options configure a Detector.
type Options struct {
	// Lists are the category lists; nil means none.
	Lists *Lists
	// Allow are domains never reported, with their subdomains (IDNA
	// ASCII, lowercase).
	Allow []string
	// LowSeverity are list categories reported at low severity.
	LowSeverity []string
	// QR enables reading QR codes in images, bounded by the Max fields.
	QR             bool
	MaxImageBytes  int
	MaxImagePixels int
	MaxImages      int
}

// Detector is the link scanner. It is safe for concurrent use.
type Detector struct {
	o Options
}

var _ scanner.Scanner = (*Detector)(nil)

// New builds the detector from its config section, loading the shipped
// lists and every configured list. A list that cannot be read is an
// error: mailward must not start believing it filters what it does not.
func New(c config.Links) (*Detector, error) {
	l := NewLists()
	if c.UseBuiltin() {
		if err := LoadBuiltin(l); err != nil {
			return nil, err
		}
	}
	for _, ll := range c.Lists {
		var err error
		if ll.Format == "ut1" {
			_, _, err = l.LoadUT1(ll.Path, ll.Categories)
		} else {
			_, _, err = l.LoadFile(ll.Path, ll.Format, ll.Category)
		}
		if err != nil {
			return nil, err
		}
	}
	var allow []string
	for _, d := range c.AllowDomains {
		n, err := config.NormalizeDomain(d)
		if err != nil {
			return nil, fmt.Errorf("links allow_domains: %w", err)
		}
		allow = append(allow, n)
	}
	return NewWith(Options{Lists: l, Allow: allow, LowSeverity: c.LowSeverity, QR: c.ReadQR(),
		MaxImageBytes: c.MaxImageBytes, MaxImagePixels: c.MaxImagePixels, MaxImages: c.MaxImages}), nil
}

// NewWith builds a detector from explicit options.
func NewWith(o Options) *Detector {
	if o.Lists == nil {
		o.Lists = NewLists()
	}
	return &Detector{o: o}
}

// Name implements scanner.Scanner.
func (d *Detector) Name() string { return Name }

// hit is one link judged, in one place.
type hit struct {
	place string // "body", "subject" or an attachment index
	qr    bool
	key   string // host and path, to count distinct links
	tiers []string
}

// Scan implements scanner.Scanner.
func (d *Detector) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	var hits []hit
	seen := map[string]bool{}
	done := map[string]bool{}
	add := func(place string, qr bool, raw string, extra ...string) {
		memo := place + "\x00" + raw + "\x00" + strings.Join(extra, ",")
		if done[memo] {
			return // the same link again (plain and HTML forms of a body)
		}
		done[memo] = true
		t, ok := Parse(Unwrap(raw))
		if !ok {
			if len(extra) == 0 {
				return
			}
		}
		tiers := append([]string(nil), extra...)
		if ok && !d.allowed(t.Host) {
			for _, c := range d.o.Lists.Match(t) {
				if c == TierShortener && len(strings.Trim(t.Path, "/")) == 0 {
					continue // the shortener's own home page hides nothing
				}
				tiers = append(tiers, c)
			}
			if t.IP.IsValid() && t.IP.IsGlobalUnicast() && !t.IP.IsPrivate() {
				tiers = append(tiers, TierIPLiteral)
			}
			if t.UserinfoHost || t.MixedScript {
				tiers = append(tiers, TierDeceptive)
			}
		}
		if len(tiers) == 0 {
			return
		}
		key := place + "\x00" + t.Host + t.Path + "\x00" + strings.Join(tiers, ",")
		if seen[key] {
			return
		}
		seen[key] = true
		hits = append(hits, hit{place: place, qr: qr, key: t.Host + t.Path, tiers: tiers})
	}
	for _, l := range m.Links {
		place := linkPlace(l.Where)
		var extra []string
		if d.deceptiveText(l) {
			extra = append(extra, TierDeceptive)
		}
		add(place, false, l.URL, extra...)
	}
	for _, t := range m.Texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("links: %w", err)
		}
		place := textPlace(t)
		for _, u := range FindURLs(t.Content) {
			add(place, false, u)
		}
	}
	var unscannable []scanner.Finding
	for _, a := range m.Attachments {
		links, unread := docLinks(a)
		for _, u := range links {
			add(strconv.Itoa(a.Index), false, u)
		}
		if unread != "" {
			f := scanner.UnscannableFinding(Name, fmt.Sprintf("attachment %d: %s", a.Index, unread))
			f.Where = strconv.Itoa(a.Index)
			unscannable = append(unscannable, f)
		}
	}
	if d.o.QR {
		codes, err := d.qrCodes(ctx, m)
		if err != nil {
			return nil, err
		}
		for _, c := range codes {
			for _, u := range FindURLs(c.text) {
				add(c.place, true, u)
			}
		}
	}
	return append(d.findings(hits), unscannable...), nil
}

// deceptiveText reports whether a link's visible text shows a site other
// than the one its href goes to (after unwrapping both): text
// "www.school.org.uk" over a link to evil.example. Text that shows no
// host ("click here") says nothing.
func (d *Detector) deceptiveText(l scanner.Link) bool {
	if l.Text == "" || l.Text == "form" {
		return false
	}
	shown := FindURLs(l.Text)
	if len(shown) == 0 {
		return false
	}
	st, ok := Parse(Unwrap(shown[0]))
	if !ok {
		return false
	}
	ht, ok := Parse(Unwrap(l.URL))
	if !ok || ht.Host == "" {
		return false
	}
	if st.Host == ht.Host || registered(st.Host) == registered(ht.Host) {
		return false
	}
	if d.allowed(ht.Host) {
		return false
	}
	// A tracker that carries the shown destination in its query (a
	// mailing list's click counter) goes where the text says, and so do
	// the click trackers of the big mailing services.
	if strings.Contains(strings.ToLower(l.URL), registered(st.Host)) || clickTrackers[registered(ht.Host)] {
		return false
	}
	return true
}

// clickTrackers are the link-tracking domains of well-known mailing
// services: newsletters show "www.example.org" over a link through them,
// which is ordinary, not deceptive.
var clickTrackers = map[string]bool{
	"list-manage.com": true, "mailchimp.com": true, "mcusercontent.com": true, // Mailchimp
	"sendgrid.net": true, "mandrillapp.com": true, "mailgun.org": true, "sparkpostmail.com": true,
	"awstrack.me": true, "hubspotlinks.com": true, "hs-sites.com": true, "rs6.net": true, // Amazon SES, HubSpot, Constant Contact
	"createsend.com": true, "createsend1.com": true, "cmail19.com": true, "cmail20.com": true, // Campaign Monitor
	"exct.net": true, "mjt.lu": true, "sendibt3.com": true, "klclick.com": true, "klclick1.com": true,
	"parentmail.co.uk": true, "schoolcomms.com": true, "mailchi.mp": true,
}

// allowed reports whether host is an allowed domain or below one.
func (d *Detector) allowed(host string) bool {
	for _, a := range d.o.Allow {
		if host == a || strings.HasSuffix(host, "."+a) {
			return true
		}
	}
	return false
}

// findings groups hits by tier: one finding per tier, counting distinct
// links and naming the places they were in.
func (d *Detector) findings(hits []hit) []scanner.Finding {
	type agg struct {
		links  map[string]bool
		places []string
		qr     bool
	}
	by := map[string]*agg{}
	for _, h := range hits {
		for _, t := range h.tiers {
			a := by[t]
			if a == nil {
				a = &agg{links: map[string]bool{}}
				by[t] = a
			}
			a.links[h.key] = true
			if !slices.Contains(a.places, h.place) {
				a.places = append(a.places, h.place)
			}
			a.qr = a.qr || h.qr
		}
	}
	var out []scanner.Finding
	for tier, a := range by {
		sev, score := SeverityHigh, 0.9
		switch {
		case tier == TierDeceptive:
			sev, score = SeverityMedium, 0.6
		case tier == TierIPLiteral || slices.Contains(d.o.LowSeverity, tier):
			sev, score = SeverityLow, 0.3
		}
		out = append(out, scanner.Finding{
			Category: scanner.InappropriateLink, Scanner: Name, Score: score,
			Summary: summary(tier, len(a.links), a.places, a.qr),
			Where:   whereOf(a.places[0]), Tiers: []string{tier}, Severity: sev,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Tiers[0] < out[j].Tiers[0]
	})
	return out
}

// summary says what was found, how often and where, without the link.
func summary(tier string, n int, places []string, qr bool) string {
	one, many := "link to category "+tier, "links to category "+tier
	switch tier {
	case TierDeceptive:
		one, many = "deceptive link (shows one site, goes to another)", "deceptive links (show one site, go to another)"
	case TierIPLiteral:
		one, many = "link to a bare IP address", "links to bare IP addresses"
	case TierShortener:
		one, many = "link through a URL shortener", "links through URL shorteners"
	}
	what := one
	if n > 1 {
		what = strconv.Itoa(n) + " " + many
	}
	where := make([]string, len(places))
	for i, p := range places {
		if _, err := strconv.Atoi(p); err == nil {
			where[i] = "attachment " + p
		} else {
			where[i] = p
		}
	}
	s := what + " in " + strings.Join(where, ", ")
	if qr {
		s += " (from a QR code)"
	}
	return s
}

// whereOf is the finding's Where: "body" for subject and body, else the
// attachment index.
func whereOf(place string) string {
	if place == "subject" {
		return "body"
	}
	return place
}

// textPlace names where a text came from by attachment index, never by
// file name.
func textPlace(t scanner.Text) string {
	switch {
	case t.Attachment != nil:
		return strconv.Itoa(t.Attachment.Index)
	case t.Kind == scanner.KindSubject:
		return "subject"
	}
	return "body"
}

// linkPlace reads a Link's Where ("body", "2", or "2/inner/page.html")
// down to "body" or the attachment index.
func linkPlace(w string) string {
	if i := strings.IndexByte(w, '/'); i >= 0 {
		w = w[:i]
	}
	if w == "" {
		return "body"
	}
	return w
}
