package scanner

// Category is the policy area a finding belongs to. The same word is used in
// the X-Mailward-Findings header, log lines, metric labels and rules.
type Category string

// The categories of DESIGN.md.
const (
	ChainMail            Category = "chain_mail"
	OffensiveLanguage    Category = "offensive_language"
	PupilData            Category = "pupil_data"
	SuspiciousAttachment Category = "suspicious_attachment"
	Malware              Category = "malware"
	Unscannable          Category = "unscannable"
	// Impersonation: a sender passing as someone they are not (a staff
	// display name or a lookalike domain from outside, a forged From).
	Impersonation Category = "impersonation"
	// InappropriateLink: a link to a listed category of site (proxy,
	// gambling, dating, adult), a shortener, or a deceptive link.
	InappropriateLink Category = "inappropriate_link"
	// Credentials: a user id and password shared in a message.
	Credentials Category = "credentials"
)

// Finding is one thing a scanner noticed. It is data: only package rules
// turns findings into an action.
//
// Summary names the category's evidence by count and place ("31 UPNs in
// attachment 2 (xlsx)"), never the content, a file name or pupil data:
// summaries go into logs and alerts.
type Finding struct {
	Category Category `json:"category"`
	Scanner  string   `json:"scanner"`
	Score    float64  `json:"score"`
	Summary  string   `json:"summary"`
	Where    string   `json:"where,omitempty"`
	// Tiers are the severity tiers the evidence reached, most severe first
	// (offensive_language: threat, slur, abuse, sexual, profanity), and
	// Severity the most severe of them. Rules match them with tier and
	// min_severity conditions.
	Tiers    []string `json:"tiers,omitempty"`
	Severity string   `json:"severity,omitempty"`
}
