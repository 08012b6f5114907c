package config

import (
	"strings"
	"testing"
)

// TestOffensiveChainMailDefaults: the documented defaults of both sections.
func TestOffensiveChainMailDefaults(t *testing.T) {
	c, err := Parse([]byte("domains: [trust.example]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Offensive.MinScore != 0.5 || c.Offensive.QuotedWeight != 0.3 {
		t.Errorf("offensive defaults %+v", c.Offensive)
	}
	if c.ChainMail.MinScore != 0.5 || c.ChainMail.RecipientList != 15 || c.ChainMail.MaxTextBytes != 128<<20 {
		t.Errorf("chain_mail defaults %+v", c.ChainMail)
	}
}

func TestOffensiveChainMailParse(t *testing.T) {
	c, err := Parse([]byte(`
offensive:
  min_score: 0.6
  quoted_weight: 0.5
  extra_terms:
    slur: ["gronk{,s}"]
    mild: ["~numpty"]
  remove_terms: [bloody]
  allow_phrases: [dick whittington]
chain_mail:
  min_score: 0.7
  recipient_list: 20
  extra_phrases: ["send this to your form group"]
  allow_phrases: ["please share this newsletter"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Offensive.MinScore != 0.6 || c.Offensive.QuotedWeight != 0.5 || len(c.Offensive.ExtraTerms["slur"]) != 1 ||
		c.Offensive.RemoveTerms[0] != "bloody" || c.Offensive.AllowPhrases[0] != "dick whittington" {
		t.Errorf("offensive %+v", c.Offensive)
	}
	if c.ChainMail.MinScore != 0.7 || c.ChainMail.RecipientList != 20 || len(c.ChainMail.ExtraPhrases) != 1 || len(c.ChainMail.AllowPhrases) != 1 {
		t.Errorf("chain_mail %+v", c.ChainMail)
	}
}

// TestOffensiveChainMailErrors: errors name the key and its line.
func TestOffensiveChainMailErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"offensive:\n  min_score: 1.5\n", "line 2: offensive.min_score: must be more than 0 and at most 1"},
		{"offensive:\n  quoted_weight: -1\n", "line 2: offensive.quoted_weight"},
		{"offensive:\n  extra_terms:\n    nasty: [x]\n", "line 3: offensive.extra_terms.nasty: unknown tier \"nasty\""},
		{"offensive:\n  extra_terms:\n    slur: [\"f*ck\"]\n", "offensive.extra_terms.slur.0"},
		{"offensive:\n  allow_phrases: [\"\", ok]\n", "offensive.allow_phrases.0"},
		{"offensive:\n  colour: red\n", "colour"},
		{"chain_mail:\n  min_score: 0\n  recipient_list: 1\n", "line 3: chain_mail.recipient_list: must be at least 2"},
		{"chain_mail:\n  max_text_bytes: 10\n", "line 2: chain_mail.max_text_bytes"},
		{"chain_mail:\n  extra_phrases: [\"a\\nb\"]\n", "chain_mail.extra_phrases.0"},
	} {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}
