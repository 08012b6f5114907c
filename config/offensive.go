package config

import (
	"fmt"
	"sort"
	"strings"
)

// Offensive configures the offensive language detector (issue 5). The term
// lists ship with mailward (scanner/offensive/terms); these keys adjust them.
//
//	offensive:
//	  min_score: 0.5          # a message scoring less raises no finding
//	  quoted_weight: 0.3      # quoted and forwarded words count this much
//	  extra_terms:            # per tier: mild, strong, sexual, abuse, slur, threat
//	    strong: ["numpty{,s}"]
//	  remove_terms: ["bloody"]
//	  allow_phrases: ["dick whittington"]
type Offensive struct {
	// MinScore is the lowest message score that makes a finding, in (0,1].
	// Default 0.5: one strong obscenity, one slur, one threat or one
	// insult aimed at someone in the sender's own words is a finding; mild
	// profanity, an insult word about no one, or quoted words alone never
	// reach it. The rules, not this score, decide what is held (tier and
	// min_severity conditions).
	MinScore float64 `yaml:"min_score"`
	// QuotedWeight is how much a word in '>' quoted lines or forwarded
	// content counts against one in the sender's own words, in (0,1].
	// Default 0.3, and quoted words alone add at most 0.45 to a tier, so
	// quoting abuse in a complaint is not itself abuse but still counts.
	QuotedWeight float64 `yaml:"quoted_weight"`
	// ExtraTerms adds terms to a tier, written as in the term files:
	// "word", "a phrase", "word{,s,ing}", "~ambiguous".
	ExtraTerms map[string][]string `yaml:"extra_terms"`
	// RemoveTerms drops built-in terms of any tier (after normalising).
	RemoveTerms []string `yaml:"remove_terms"`
	// AllowPhrases are phrases inside which no term counts, added to the
	// built-in ones ("homo sapiens", "spotted dick").
	AllowPhrases []string `yaml:"allow_phrases"`
}

// OffensiveTiers are the tier names extra_terms accepts.
var OffensiveTiers = []string{"mild", "strong", "sexual", "abuse", "slur", "threat"}

func (x *Offensive) applyDefaults() {
	if x.MinScore == 0 {
		x.MinScore = 0.5
	}
	if x.QuotedWeight == 0 {
		x.QuotedWeight = 0.3
	}
}

func (x *Offensive) validate(v *validator) {
	validUnitScore(v, "offensive.min_score", x.MinScore)
	validUnitScore(v, "offensive.quoted_weight", x.QuotedWeight)
	tiers := make([]string, 0, len(x.ExtraTerms))
	for t := range x.ExtraTerms {
		tiers = append(tiers, t)
	}
	sort.Strings(tiers)
	for _, t := range tiers {
		if !contains(OffensiveTiers, t) {
			v.errorf("offensive.extra_terms."+t, "unknown tier %q (want one of %v)", t, OffensiveTiers)
			continue
		}
		validTermList(v, "offensive.extra_terms."+t, x.ExtraTerms[t])
	}
	validTermList(v, "offensive.remove_terms", x.RemoveTerms)
	validTermList(v, "offensive.allow_phrases", x.AllowPhrases)
}

// validUnitScore checks a score or weight is in (0,1].
func validUnitScore(v *validator, key string, f float64) {
	if !(f > 0 && f <= 1) {
		v.errorf(key, "must be more than 0 and at most 1, got %v", f)
	}
}

// validTermList checks a list of words or phrases has no empty or masked entry.
func validTermList(v *validator, key string, list []string) {
	for i, p := range list {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), "~"))
		if t == "" || strings.ContainsAny(t, "*#\n") {
			v.errorf(fmt.Sprintf("%s.%d", key, i), "entry %d must be a word or phrase without '*', '#' or newlines", i)
		}
	}
}
