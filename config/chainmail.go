package config

// ChainMail configures the chain mail detector (issue 5). The spread of one
// body across many senders is configured under tracker (chain_spread_*).
//
//	chain_mail:
//	  min_score: 0.5
//	  recipient_list: 15
//	  extra_phrases: ["forward this to your whole class"]
//	  allow_phrases: ["please share this newsletter"]
type ChainMail struct {
	// MinScore is the lowest score that makes a finding, in (0,1]. Default
	// 0.5, which needs at least two independent signs of a chain letter.
	MinScore float64 `yaml:"min_score"`
	// RecipientList is how many e-mail addresses in the body make a long
	// list of earlier recipients, a sign of a forwarded chain. Default 15.
	RecipientList int `yaml:"recipient_list"`
	// MaxTextBytes is how much text (subject, bodies, attachments) is read
	// for wording signals. Default 134217728 (128 MiB): more than
	// extraction hands over (extract.max_bytes), so all of it. A message
	// with more text than this is not fully read and gets an unscannable
	// finding: a chain letter must not hide behind filler.
	MaxTextBytes int `yaml:"max_text_bytes"`
	// ExtraPhrases are local chain-letter phrases; each counts as one
	// strong "forward this" signal.
	ExtraPhrases []string `yaml:"extra_phrases"`
	// AllowPhrases: a message containing any of them raises no chain_mail
	// finding (a trust newsletter's standard "please share" footer).
	AllowPhrases []string `yaml:"allow_phrases"`
}

func (x *ChainMail) applyDefaults() {
	if x.MinScore == 0 {
		x.MinScore = 0.5
	}
	setInt(&x.RecipientList, 15)
	setInt(&x.MaxTextBytes, 128<<20)
}

func (x *ChainMail) validate(v *validator) {
	validUnitScore(v, "chain_mail.min_score", x.MinScore)
	if x.RecipientList < 2 {
		v.errorf("chain_mail.recipient_list", "must be at least 2, got %d", x.RecipientList)
	}
	if x.MaxTextBytes < 1024 {
		v.errorf("chain_mail.max_text_bytes", "must be at least 1024, got %d", x.MaxTextBytes)
	}
	validTermList(v, "chain_mail.extra_phrases", x.ExtraPhrases)
	validTermList(v, "chain_mail.allow_phrases", x.AllowPhrases)
}
