package pipeline

import "github.com/mailward/mailward/scanner/authcheck"

// AuthResults is the Authentication-Results value (RFC 8601, without the
// field name) for a scanned inbound message, or "" when the
// authentication check did not run on it (outbound or internal mail, or
// the check is off).
func AuthResults(v Verdict) string { return authcheck.Header(v.Message) }
