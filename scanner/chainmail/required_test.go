package chainmail

import (
	"strings"
	"testing"
)

// TestRequiredLiterals: the literals derived for each pattern are such that
// every pattern's matches hold one, shown on sample matches, and the
// derivation finds the selective words rather than fragments.
func TestRequiredLiterals(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`\b(?:make a wish)\b`, []string{"make a wish"}},
		{`\b(?:(forward|send) (\w+ ){0,4}to)\b`, []string{"forward ", "send "}},
		{`\b(?:(good|bad) luck (will|for))\b`, []string{" luck "}},
		{`\b(?:(it|this) (is|was) (true|real))\b`, []string{"it is ", "it was ", "this is ", "this was "}},
		{`\b(?:(if you (do not|don) (forward|send)))\b`, []string{"if you "}},
		{`\b(?:\d+ years?)\b`, []string{" year"}},
		{`\b(?:(\w+ )?x)\b`, []string{"x"}},
		{`\b(?:\w+)\b`, nil},
	} {
		got := requiredLiterals(tc.expr)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %q, want %q", tc.expr, got, tc.want)
		}
	}
	for i, pt := range patterns {
		if pt.req == nil {
			t.Errorf("pattern %d (%s) has no required literal", i, pt.re)
		}
	}
}
