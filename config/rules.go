package config

import (
	"fmt"
	"slices"
	"strings"
)

// Rule turns findings into an action. Rules are tried in order; the first
// whose conditions all hold decides. An empty condition matches anything.
//
//	rules:
//	  - name: pupil-data-outbound
//	    direction: [outbound]
//	    category: [pupil_data]
//	    min_score: 0.8
//	    action: quarantine
//	    notify: [it]                 # an immediate alert, not waiting for a reviewer
//	  - name: pupils-to-outside
//	    from_group: [pupil]
//	    direction: [outbound]
//	    category: [offensive_language]
//	    action: redirect
//	    redirect_to: safeguarding@trust.example
//	  - name: offensive-staff-severe
//	    direction: [outbound, internal]
//	    category: [offensive_language]
//	    min_severity: abuse          # abuse, slur or threat; profanity and sexual are milder
//	    action: quarantine
//	  - name: threats-inbound
//	    direction: [inbound]
//	    tier: [threat]               # any finding whose tiers include one of these
//	    action: quarantine
//	  - name: repeat-holds
//	    direction: [outbound]
//	    holds_today: 10              # the sender had 10 messages held today
//	    action: quarantine
//	  - name: tag-inbound-chain
//	    direction: [inbound]
//	    category: [chain_mail]
//	    action: tag
//	    subject_prefix: "[Chain letter] "   # inbound only; breaks DKIM
//	    headers: {X-School-Notice: chain-letter}
//	    monitor: true                # log what it would do, deliver
type Rule struct {
	Name string `yaml:"name"`
	// Direction limits the rule to inbound, outbound and/or internal mail.
	Direction []string `yaml:"direction"`
	// FromGroup matches when the sender has one of these directory roles or
	// groups; ToGroup when any recipient has one. "internal" and "external"
	// (in domains or not) need no directory.
	FromGroup []string `yaml:"from_group"`
	ToGroup   []string `yaml:"to_group"`
	// Category matches when any finding has one of these categories.
	Category []string `yaml:"category"`
	// MinScore is the lowest score of a matching finding. Default 0.5.
	MinScore float64 `yaml:"min_score"`
	// Tier matches when a finding's severity tiers include one of these;
	// MinSeverity when its most severe tier is this one or a more severe
	// one, in the order of Severities. Findings without tiers (categories
	// other than offensive_language today) never match either condition.
	Tier        []string `yaml:"tier"`
	MinSeverity string   `yaml:"min_severity"`
	// HoldsToday and HoldsMonth match when the sender had at least this
	// many messages quarantined today or this month; ViolationsToday and
	// ViolationsMonth count violations a reviewer confirmed. Zero: no
	// condition. If the tracker cannot be read these conditions do not match.
	HoldsToday      int `yaml:"holds_today"`
	HoldsMonth      int `yaml:"holds_month"`
	ViolationsToday int `yaml:"violations_today"`
	ViolationsMonth int `yaml:"violations_month"`
	// Action is deliver, tag, quarantine, reject, tempfail or redirect.
	Action string `yaml:"action"`
	// RedirectTo is the review mailbox that gets the message instead of its
	// recipients (action redirect only).
	RedirectTo string `yaml:"redirect_to"`
	// SubjectPrefix is put before the subject (action tag on inbound mail
	// only: it breaks DKIM signatures, so it is opt-in).
	SubjectPrefix string `yaml:"subject_prefix"`
	// Headers are added to the relayed message (action tag).
	Headers map[string]string `yaml:"headers"`
	// Notify are told at once when the rule matches (line_manager, it, dpo
	// or addresses). Line managers otherwise hear only of violations a
	// reviewer confirmed.
	Notify []string `yaml:"notify"`
	// Monitor logs what the rule would do and delivers instead.
	Monitor bool `yaml:"monitor"`
}

// Severities are the severity tiers of findings, least severe first: the
// order min_severity compares in. offensive_language reports them
// (scanner/offensive keeps the same names, checked by its tests).
var Severities = []string{"profanity", "sexual", "abuse", "slur", "threat"}

// SeverityRank is the position of tier in Severities, or -1.
func SeverityRank(tier string) int { return slices.Index(Severities, tier) }

// Actions are the verdicts a rule may give (DESIGN.md), and redirect.
var Actions = []string{"deliver", "tag", "quarantine", "reject", "tempfail", "redirect"}

// Categories are the finding categories mailward knows.
var Categories = []string{"chain_mail", "offensive_language", "pupil_data", "suspicious_attachment", "malware", "unscannable", "impersonation", "inappropriate_link", "credentials"}

// Built-in groups that need no directory.
const (
	GroupInternal = "internal"
	GroupExternal = "external"
)

// DefaultRules is a policy a school could run on day one: hold outbound pupil
// data and malware, hold dangerous attachments, tag inbound offensive language
// and hold it when staff send it, tag inbound chain mail and hold it when it
// spreads inside or out of the trust; hold all outbound mail of a sender who
// had ten messages held today, for review.
func DefaultRules() []Rule {
	all := []string{"inbound", "outbound", "internal"}
	return []Rule{
		{Name: "malware", Category: []string{"malware"}, Action: "quarantine"},
		{Name: "unscannable", Category: []string{"unscannable"}, Action: "quarantine"},
		{Name: "pupil-data-outbound", Direction: []string{"outbound"}, Category: []string{"pupil_data"}, Action: "quarantine"},
		{Name: "suspicious-attachment", Direction: all, Category: []string{"suspicious_attachment"}, Action: "quarantine"},
		// Mail from outside that claims one of the trust's own domains in
		// From and fails DMARC is held, before any tag rule can match; when
		// DNS cannot tell yet, the sender retries later. Other DMARC
		// failures are tagged whatever the domain's p= (dmarc-fail-inbound
		// below; a school chooses reject with its own rule on tier
		// dmarc_reject).
		{Name: "spoofed-trust-domain", Direction: []string{"inbound"}, Category: []string{"impersonation"}, Tier: []string{"trust_domain_dmarc_fail"}, Action: "quarantine"},
		{Name: "trust-domain-auth-temperror", Direction: []string{"inbound"}, Category: []string{"impersonation"}, Tier: []string{"trust_domain_auth_temperror"}, MinScore: 0.01, Action: "tempfail"},
		{Name: "offensive-inbound", Direction: []string{"inbound"}, Category: []string{"offensive_language"}, Action: "tag"},
		// Threats, slurs and abuse in staff mail are held for review;
		// profanity and sexual terms alone are tagged (logged, and marked
		// on internal mail), for the rules of each school to tighten.
		{Name: "offensive-staff", Direction: []string{"outbound", "internal"}, Category: []string{"offensive_language"}, MinSeverity: "abuse", Action: "quarantine"},
		{Name: "offensive-staff-profanity", Direction: []string{"outbound", "internal"}, Category: []string{"offensive_language"}, Action: "tag"},
		{Name: "chain-mail-inbound", Direction: []string{"inbound"}, Category: []string{"chain_mail"}, Action: "tag"},
		{Name: "chain-mail-staff", Direction: []string{"outbound", "internal"}, Category: []string{"chain_mail"}, Action: "quarantine"},
		{Name: "repeat-holds-outbound", Direction: []string{"outbound"}, HoldsToday: 10, Action: "quarantine"},
		// An outsider passing as the head teacher, the bursar or the trust
		// itself (the gift-card and invoice-fraud pattern) scores 0.8 or
		// more and is held; weaker impersonation signs are tagged below.
		{Name: "impersonation-inbound", Direction: []string{"inbound"}, Category: []string{"impersonation"},
			Tier: []string{"display_name", "lookalike_domain", "address_in_name"}, MinScore: 0.8, Action: "quarantine"},
		{Name: "dmarc-fail-inbound", Direction: []string{"inbound"}, Category: []string{"impersonation"}, Tier: []string{"dmarc_reject", "dmarc_quarantine", "trust_domain_unauthenticated", "from_forged"}, MinScore: 0.01, Action: "tag"},
		// Links to adult sites and to proxies and VPNs that get round the
		// web filter (Raleigh 4.5 j) are held when staff send them; other
		// listed categories (gambling, dating) and deceptive links are
		// tagged, and so are links in inbound mail. Shorteners and bare IP
		// addresses score 0.3 and are tagged.
		{Name: "links-staff-blocked", Direction: []string{"outbound", "internal"}, Category: []string{"inappropriate_link"}, Tier: LinkHoldTiers, Action: "quarantine"},
		{Name: "links-staff", Direction: []string{"outbound", "internal"}, Category: []string{"inappropriate_link"}, Action: "tag"},
		{Name: "links-inbound", Direction: []string{"inbound"}, Category: []string{"inappropriate_link"}, Action: "tag"},
		{Name: "links-shortener", Category: []string{"inappropriate_link"}, Tier: []string{"shortener", "ip_literal"}, MinScore: 0.1, Action: "tag"},
		// A password sent out of the trust (CLT 2.1 g) is held for review;
		// one sent inside it (IT resetting a colleague's login) is tagged.
		{Name: "credentials-outbound", Direction: []string{"outbound"}, Category: []string{"credentials"}, Action: "quarantine"},
		{Name: "credentials-internal", Direction: []string{"internal"}, Category: []string{"credentials"}, Action: "tag"},
		{Name: "any-finding", Category: Categories, MinScore: 0.01, Action: "tag"},
	}
}

func validateRules(v *validator, rules []Rule) {
	seen := map[string]bool{}
	for i, r := range rules {
		key := fmt.Sprintf("rules.%d", i)
		if r.Name == "" {
			v.errorf(key+".name", "every rule needs a name")
		} else if seen[r.Name] {
			v.errorf(key+".name", "duplicate rule name %q", r.Name)
		}
		seen[r.Name] = true
		if !contains(Actions, r.Action) {
			v.errorf(key+".action", "unknown action %q (want one of %v)", r.Action, Actions)
		}
		for j, d := range r.Direction {
			if d != "inbound" && d != "outbound" && d != "internal" {
				v.errorf(fmt.Sprintf("%s.direction.%d", key, j), "unknown direction %q", d)
			}
		}
		for j, c := range r.Category {
			if !contains(Categories, c) {
				v.errorf(fmt.Sprintf("%s.category.%d", key, j), "unknown category %q (want one of %v)", c, Categories)
			}
		}
		if r.MinScore < 0 || r.MinScore > 1 {
			v.errorf(key+".min_score", "must be between 0 and 1")
		}
		for j, t := range r.Tier {
			if SeverityRank(t) < 0 && !contains(AuthTiers, t) && !contains(v.linkTiers(), t) && !contains(ImpersonationTiers, t) {
				v.errorf(fmt.Sprintf("%s.tier.%d", key, j), "unknown tier %q (want one of %v or %v)", t, Severities, AuthTiers)
			}
		}
		if r.MinSeverity != "" && SeverityRank(r.MinSeverity) < 0 {
			v.errorf(key+".min_severity", "unknown tier %q (want one of %v)", r.MinSeverity, Severities)
		}
		for field, groups := range map[string][]string{"from_group": r.FromGroup, "to_group": r.ToGroup} {
			for j, g := range groups {
				if g == "" {
					v.errorf(fmt.Sprintf("%s.%s.%d", key, field, j), "empty group")
				} else if g != GroupInternal && g != GroupExternal && !v.c.Directory.Configured() {
					v.errorf(fmt.Sprintf("%s.%s.%d", key, field, j), "group %q comes from the directory: set directory.file or directory.ldap (only internal and external need none)", g)
				}
			}
		}
		for field, n := range map[string]int{"holds_today": r.HoldsToday, "holds_month": r.HoldsMonth,
			"violations_today": r.ViolationsToday, "violations_month": r.ViolationsMonth} {
			if n < 0 {
				v.errorf(key+"."+field, "must not be negative")
			}
		}
		switch {
		case r.Action == "redirect" && !plainAddress(r.RedirectTo):
			v.errorf(key+".redirect_to", "action redirect needs a review mailbox address, got %q", r.RedirectTo)
		case r.Action != "redirect" && r.RedirectTo != "":
			v.errorf(key+".redirect_to", "only for action redirect (the action is %s)", r.Action)
		}
		if r.SubjectPrefix != "" {
			if r.Action != "tag" {
				v.errorf(key+".subject_prefix", "only for action tag")
			}
			if !slices.Equal(r.Direction, []string{"inbound"}) {
				v.errorf(key+".subject_prefix", "only on inbound mail (direction: [inbound]): rewriting a subject breaks DKIM, and outsiders learn nothing of the verdict")
			}
			if strings.ContainsAny(r.SubjectPrefix, "\r\n") {
				v.errorf(key+".subject_prefix", "must be one line")
			}
		}
		if len(r.Headers) > 0 && r.Action != "tag" {
			v.errorf(key+".headers", "only for action tag")
		}
		for name, val := range r.Headers {
			if !headerName(name) || !strings.HasPrefix(strings.ToLower(name), "x-") || strings.HasPrefix(strings.ToLower(name), "x-mailward-") {
				v.errorf(key+".headers."+name, "want an X- header name of letters, digits and dashes, not X-Mailward-*")
			}
			if strings.ContainsAny(val, "\r\n") {
				v.errorf(key+".headers."+name, "value must be one line")
			}
		}
		validateTargets(v, key+".notify", r.Notify)
		for _, t := range r.Notify {
			if t == TargetLineManager && !v.c.Directory.Configured() {
				v.warnf(key+".notify", "line_manager comes from the directory and none is set (directory.file or directory.ldap): IT is told instead")
			}
		}
	}
}

func headerName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
