package config

import "fmt"

// Rule turns findings into an action. Rules are tried in order; the first
// whose conditions all hold decides. An empty condition matches anything.
type Rule struct {
	Name string `yaml:"name"`
	// Direction limits the rule to inbound, outbound and/or internal mail.
	Direction []string `yaml:"direction"`
	// Category matches when any finding has one of these categories.
	Category []string `yaml:"category"`
	// MinScore is the lowest score of a matching finding. Default 0.5.
	MinScore float64 `yaml:"min_score"`
	// Action is deliver, tag, quarantine, reject or tempfail.
	Action string `yaml:"action"`
	// Monitor logs what the rule would do and delivers instead.
	Monitor bool `yaml:"monitor"`
}

// Actions are the verdicts a rule may give (DESIGN.md).
var Actions = []string{"deliver", "tag", "quarantine", "reject", "tempfail"}

// Categories are the finding categories mailward knows.
var Categories = []string{"chain_mail", "offensive_language", "pupil_data", "suspicious_attachment", "malware", "unscannable"}

// DefaultRules is a policy a school could run on day one: hold outbound pupil
// data and malware, hold dangerous attachments, tag inbound offensive language
// and hold it when staff send it, tag inbound chain mail and hold it when it
// spreads inside or out of the trust.
func DefaultRules() []Rule {
	all := []string{"inbound", "outbound", "internal"}
	return []Rule{
		{Name: "malware", Category: []string{"malware"}, Action: "quarantine"},
		{Name: "unscannable", Category: []string{"unscannable"}, Action: "quarantine"},
		{Name: "pupil-data-outbound", Direction: []string{"outbound"}, Category: []string{"pupil_data"}, Action: "quarantine"},
		{Name: "suspicious-attachment", Direction: all, Category: []string{"suspicious_attachment"}, Action: "quarantine"},
		{Name: "offensive-inbound", Direction: []string{"inbound"}, Category: []string{"offensive_language"}, Action: "tag"},
		{Name: "offensive-staff", Direction: []string{"outbound", "internal"}, Category: []string{"offensive_language"}, Action: "quarantine"},
		{Name: "chain-mail-inbound", Direction: []string{"inbound"}, Category: []string{"chain_mail"}, Action: "tag"},
		{Name: "chain-mail-staff", Direction: []string{"outbound", "internal"}, Category: []string{"chain_mail"}, Action: "quarantine"},
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
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
