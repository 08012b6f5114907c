package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Alerts configures who is told about what. Alerts name who sent, when, to
// how many, the category and rule, and link to the review page: never the
// message's content, subject, file names or pupil data.
//
//	alerts:
//	  from: mailward@trust.example        # default mailward@ the first domain
//	  it: [it-support@trust.example]       # default report_addresses
//	  dpo: [dpo@trust.example]
//	  digest_period: 1h                    # line managers: one digest per period
//	  urgent_period: 1m                    # IT and DPO: told at once, a spree batched
//	  hold_notify:                         # told at once of these holds
//	    malware: [it, dpo]
//	    pupil_data: [it, dpo]
//	  rate_limit_notify: [it]
//	  suspected_illegal_notify: [it, dpo]
//	  escalation:                          # after a reviewer confirms a violation
//	    - violations_today: 3
//	      notify: [line_manager]
//	    - violations_month: 10
//	      notify: [line_manager, it, dpo]
//	  webhook:
//	    url: https://example.webhook.office.com/...
//	    timeout: 10s
type Alerts struct {
	// From is the alerts' sender address.
	From string `yaml:"from"`
	// IT and DPO are the addresses behind the "it" and "dpo" targets.
	IT  []string `yaml:"it"`
	DPO []string `yaml:"dpo"`
	// Management receive the monthly trend report (tracking.monthly_report):
	// counts and trends only, for a head teacher or bursar.
	Management []string `yaml:"management"`
	// DigestPeriod batches line-manager alerts: the first alert to a manager
	// waits this long, gathering the rest. Default 1h.
	DigestPeriod Duration `yaml:"digest_period"`
	// UrgentPeriod batches alerts to IT and the DPO. Default 1m.
	UrgentPeriod Duration `yaml:"urgent_period"`
	// HoldNotify maps a category to the targets told when mail with it is
	// quarantined. Default malware and pupil_data: [it, dpo].
	HoldNotify map[string][]string `yaml:"hold_notify"`
	// RateLimitNotify are told when a sender goes over its rate. Default [it].
	RateLimitNotify []string `yaml:"rate_limit_notify"`
	// SuspectedIllegalNotify are told at once when a reviewer marks a
	// message suspected illegal (its content is then hidden from everyone).
	// Default [it, dpo]: the network manager, as the policies ask.
	SuspectedIllegalNotify []string `yaml:"suspected_illegal_notify"`
	// Escalation steps apply after each confirmed violation; every step
	// whose threshold is reached notifies its targets.
	Escalation []Escalation `yaml:"escalation"`
	// Webhook receives every digest as a JSON POST as well.
	Webhook Webhook `yaml:"webhook"`
}

// Escalation is one step: at least ViolationsToday confirmed violations
// today, or ViolationsMonth this month (whichever is set), tell Notify.
type Escalation struct {
	ViolationsToday int      `yaml:"violations_today"`
	ViolationsMonth int      `yaml:"violations_month"`
	Notify          []string `yaml:"notify"`
}

// Webhook is a JSON POST target such as a Teams or Slack incoming webhook.
type Webhook struct {
	URL     string   `yaml:"url"`
	Timeout Duration `yaml:"timeout"`
}

// Alert targets besides plain addresses.
const (
	TargetLineManager = "line_manager"
	TargetIT          = "it"
	TargetDPO         = "dpo"
)

func (x *Alerts) applyDefaults() {
	setDur(&x.DigestPeriod, time.Hour)
	setDur(&x.UrgentPeriod, time.Minute)
	setDur(&x.Webhook.Timeout, 10*time.Second)
	if x.HoldNotify == nil {
		x.HoldNotify = map[string][]string{
			"malware":    {TargetIT, TargetDPO},
			"pupil_data": {TargetIT, TargetDPO},
		}
	}
	if x.RateLimitNotify == nil {
		x.RateLimitNotify = []string{TargetIT}
	}
	if x.SuspectedIllegalNotify == nil {
		x.SuspectedIllegalNotify = []string{TargetIT, TargetDPO}
	}
	if x.Escalation == nil {
		x.Escalation = []Escalation{
			{ViolationsToday: 3, Notify: []string{TargetLineManager}},
			{ViolationsMonth: 10, Notify: []string{TargetLineManager, TargetIT, TargetDPO}},
		}
	}
}

// validTarget reports whether t is a named target or a plain address.
func validTarget(t string) bool {
	switch t {
	case TargetLineManager, TargetIT, TargetDPO:
		return true
	}
	return plainAddress(t)
}

func plainAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, "<>,;\"\\ \t\r\n")
}

func validateTargets(v *validator, key string, ts []string) {
	for i, t := range ts {
		if !validTarget(t) {
			v.errorf(fmt.Sprintf("%s.%d", key, i), "want line_manager, it, dpo or an address, got %q", t)
		}
	}
}

func (x *Alerts) validate(v *validator) {
	if x.From != "" && !plainAddress(x.From) {
		v.errorf("alerts.from", "want a plain address, got %q", x.From)
	}
	for i, a := range x.IT {
		if !plainAddress(a) {
			v.errorf(fmt.Sprintf("alerts.it.%d", i), "want an address, got %q", a)
		}
	}
	for i, a := range x.DPO {
		if !plainAddress(a) {
			v.errorf(fmt.Sprintf("alerts.dpo.%d", i), "want an address, got %q", a)
		}
	}
	for i, a := range x.Management {
		if !plainAddress(a) {
			v.errorf(fmt.Sprintf("alerts.management.%d", i), "want an address, got %q", a)
		}
	}
	if x.DigestPeriod.D() < time.Second {
		v.errorf("alerts.digest_period", "must be at least 1s")
	}
	if x.UrgentPeriod.D() < time.Second {
		v.errorf("alerts.urgent_period", "must be at least 1s")
	}
	for cat, ts := range x.HoldNotify {
		if !contains(Categories, cat) {
			v.errorf("alerts.hold_notify."+cat, "unknown category %q (want one of %v)", cat, Categories)
		}
		validateTargets(v, "alerts.hold_notify."+cat, ts)
	}
	validateTargets(v, "alerts.rate_limit_notify", x.RateLimitNotify)
	validateTargets(v, "alerts.suspected_illegal_notify", x.SuspectedIllegalNotify)
	for i, e := range x.Escalation {
		key := fmt.Sprintf("alerts.escalation.%d", i)
		if (e.ViolationsToday > 0) == (e.ViolationsMonth > 0) || e.ViolationsToday < 0 || e.ViolationsMonth < 0 {
			v.errorf(key, "set exactly one of violations_today and violations_month, at least 1")
		}
		if len(e.Notify) == 0 {
			v.errorf(key+".notify", "whom to tell: line_manager, it, dpo or addresses")
		}
		validateTargets(v, key+".notify", e.Notify)
	}
	if x.Webhook.URL != "" {
		if u, err := url.Parse(x.Webhook.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.errorf("alerts.webhook.url", "want an http(s) URL")
		}
	}
	if x.Webhook.Timeout.D() <= 0 || x.Webhook.Timeout.D() > time.Minute {
		v.errorf("alerts.webhook.timeout", "must be between 1ns and 1m")
	}
}
