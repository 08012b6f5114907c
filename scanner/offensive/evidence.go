package offensive

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// OutTier is a tier as findings and rules name it. The lexicon's mild and
// strong profanity are one output tier, profanity, told apart by score.
type OutTier int

// Output tiers, least severe first: the order of min_severity in rules.
const (
	TierProfanity OutTier = iota
	TierSexual
	TierAbuse
	TierSlur
	TierThreat
	numOutTiers
)

// OutTierNames are the tier keys of findings (Finding.Tiers) and rules
// (tier, min_severity).
var OutTierNames = [numOutTiers]string{"profanity", "sexual", "abuse", "slur", "threat"}

var outTierLabels = [numOutTiers][2]string{
	{"profanity", "profanities"}, {"sexual term", "sexual terms"}, {"abusive passage", "abusive passages"},
	{"slur or identity attack", "slurs or identity attacks"}, {"threat", "threats"},
}

// outTier maps a lexicon tier to its output tier.
func outTier(t Tier) OutTier {
	switch t {
	case Sexual:
		return TierSexual
	case Abuse:
		return TierAbuse
	case Slur:
		return TierSlur
	case Threat:
		return TierThreat
	}
	return TierProfanity
}

// evidence accumulates what one message showed, per output tier: a
// noisy-or of the confidences of its hits and windows, their count, and the
// places they were found.
type evidence struct {
	keep    [numOutTiers]float64 // product of (1 - confidence)
	count   [numOutTiers]int
	quoted  int
	byPlace map[string]float64
	places  []place
}

func newEvidence() *evidence {
	e := &evidence{byPlace: map[string]float64{}}
	for i := range e.keep {
		e.keep[i] = 1
	}
	return e
}

// add records one item of tier t with confidence c found at p.
func (e *evidence) add(t OutTier, c float64, p place, quoted bool) {
	if c <= 0 {
		return
	}
	c = math.Min(c, 0.99)
	e.keep[t] *= 1 - c
	e.count[t]++
	if quoted {
		e.quoted++
	}
	seen := false
	for _, q := range e.places {
		seen = seen || q.label == p.label
	}
	if !seen {
		e.places = append(e.places, p)
	}
	e.byPlace[p.where] += c
}

// conf is tier t's confidence.
func (e *evidence) conf(t OutTier) float64 { return 1 - e.keep[t] }

// score is the message's confidence: its most confident tier.
func (e *evidence) score() float64 {
	var s float64
	for t := range e.keep {
		s = math.Max(s, e.conf(OutTier(t)))
	}
	return s
}

// tiers lists the tiers at or above min, most severe first, and the most
// severe of them.
func (e *evidence) tiers(min float64) (names []string, top string) {
	for t := numOutTiers - 1; t >= 0; t-- {
		if e.conf(t) >= min {
			names = append(names, OutTierNames[t])
		}
	}
	if len(names) > 0 {
		top = names[0]
	}
	return names, top
}

// summary names tiers and places, never words: "1 slur or identity attack,
// 2 profanities in body and attachment 2 (docx)".
func (e *evidence) summary(min float64) string {
	var parts []string
	for t := numOutTiers - 1; t >= 0; t-- {
		if e.conf(t) < min {
			continue
		}
		n := e.count[t]
		l := outTierLabels[t][0]
		if n > 1 {
			l = outTierLabels[t][1]
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, l))
	}
	sort.SliceStable(e.places, func(i, j int) bool { return e.places[i].rank() < e.places[j].rank() })
	var labels []string
	for _, p := range e.places {
		labels = append(labels, p.label)
	}
	sum := strings.Join(parts, ", ")
	if len(labels) > 0 {
		sum += " in " + joinAnd(labels)
	}
	if e.quoted > 0 {
		sum += " (" + strconv.Itoa(e.quoted) + " quoted or forwarded)"
	}
	return sum
}

// where is the place that weighed most.
func (e *evidence) where() string {
	best, bw := "", -1.0
	for _, p := range e.places {
		if w := e.byPlace[p.where]; w > bw {
			best, bw = p.where, w
		}
	}
	return best
}
