// Package mailauth evaluates the authentication of an inbound message: SPF
// (RFC 7208) for the envelope sender, DKIM signatures (RFC 6376), DMARC
// (RFC 7489) for the author domain in From, and ARC (RFC 8617) where a
// chain is present. It only reports: package rules decides what a failure
// means for the message.
//
// All DNS goes through one Resolver with a timeout per query; a DNS failure
// that may pass is temperror, never pass and never none.
package mailauth

import (
	"context"
	"net/netip"
	"time"
)

// Status is an RFC 8601 result value.
type Status string

// The result values of RFC 8601 section 2.7 that mailauth reports.
const (
	StatusPass      Status = "pass"
	StatusFail      Status = "fail"
	StatusSoftFail  Status = "softfail"
	StatusNeutral   Status = "neutral"
	StatusNone      Status = "none"
	StatusTempError Status = "temperror"
	StatusPermError Status = "permerror"
)

// Input is what one evaluation reads: the SMTP envelope and the message as
// received (CRLF line endings, before mailward adds any field).
type Input struct {
	// IP is the connecting client; the zero Addr means unknown (offline
	// scan without -client), and SPF is then none.
	IP       netip.Addr
	Helo     string
	MailFrom string // the envelope sender, "" for the null sender <>
	Raw      []byte
}

// SPF is the result of the SPF check of the envelope sender (or of the
// HELO name when the sender is null).
type SPF struct {
	Status Status
	// Domain is the domain checked; Scope is "mailfrom" or "helo".
	Domain string
	Scope  string
	// Sender is the identity the A-R header names (smtp.mailfrom or
	// smtp.helo).
	Sender string
	Reason string
}

// DKIM is the result of one DKIM-Signature.
type DKIM struct {
	Status   Status
	Domain   string // d=
	Selector string // s=
	// Identifier is i= (the agent or user identifier), "" when absent.
	Identifier string
	Algorithm  string
	// B is the start of the signature (b=), which RFC 6008 lets an A-R
	// header name so two signatures of one domain can be told apart.
	B      string
	Reason string
}

// DMARC is the DMARC evaluation for the author domain.
type DMARC struct {
	Status Status
	// FromDomain is the RFC5322.From domain evaluated; FromDomains lists
	// every distinct author domain (more than one is permerror).
	FromDomain  string
	FromDomains []string
	// Record is set when a DMARC record was found; RecordDomain is where
	// (the From domain or its organisational domain).
	Record       bool
	RecordDomain string
	// Policy is the policy that applies to FromDomain (p=, or sp= for a
	// subdomain of the record's domain); empty without a record.
	Policy string
	// Percent is pct= (100 when absent).
	Percent int
	// AlignedSPF and AlignedDKIM say which mechanism passed in alignment.
	AlignedSPF  bool
	AlignedDKIM bool
	// ADKIM and ASPF are the alignment modes applied: "r" or "s".
	ADKIM, ASPF string
	Reason      string
}

// ARC is the evaluation of an ARC chain (see arc.go for what is verified).
type ARC struct {
	Status Status
	// Instances is the number of ARC sets; Sealer the d= of the newest seal.
	Instances int
	Sealer    string
	// Trusted is set when the newest sealer is one the config trusts and
	// the chain verified; Upstream is that sealer's own
	// ARC-Authentication-Results (its view of the message before it
	// changed it), read only when Trusted.
	Trusted  bool
	Upstream *Upstream
	Reason   string
}

// Upstream is what a trusted ARC sealer recorded about the message.
type Upstream struct {
	AuthservID string
	DMARC      Status
	// HeaderFrom is the header.from the sealer evaluated.
	HeaderFrom string
}

// Result is the whole evaluation of one message.
type Result struct {
	SPF   SPF
	DKIM  []DKIM
	DMARC DMARC
	ARC   ARC
	// Elapsed is how long the evaluation took (for metrics and tests).
	Elapsed time.Duration
}

// TempError reports whether any check ended in temperror.
func (r *Result) TempError() bool {
	if r.SPF.Status == StatusTempError || r.DMARC.Status == StatusTempError || r.ARC.Status == StatusTempError {
		return true
	}
	for _, d := range r.DKIM {
		if d.Status == StatusTempError {
			return true
		}
	}
	return false
}

// Options configure an Evaluator.
type Options struct {
	// Resolver answers every DNS query; nil means the system resolver with
	// DefaultTimeout.
	Resolver *Resolver
	// Budget bounds one whole evaluation (default 20 s); lookups not done
	// when it runs out are temperror.
	Budget time.Duration
	// MaxSignatures is how many DKIM signatures (and ARC sets) are
	// verified at most (default 5; RFC 6376 section 6.1 lets a verifier
	// limit the work an attacker can make it do).
	MaxSignatures int
	// TrustedSealers are the ARC sealer domains (d= of ARC-Seal) whose
	// upstream results are believed once their chain verifies: a mailing
	// list or a provider that rewrites messages before they reach us.
	TrustedSealers []string
	// Now is the clock for signature expiry (default time.Now).
	Now func() time.Time
}

// Evaluator runs the checks. It is safe for concurrent use.
type Evaluator struct {
	opt Options
}

// New returns an Evaluator with opt's defaults filled in.
func New(opt Options) *Evaluator {
	if opt.Resolver == nil {
		opt.Resolver = NewResolver("", 0)
	}
	if opt.Budget <= 0 {
		opt.Budget = 20 * time.Second
	}
	if opt.MaxSignatures <= 0 {
		opt.MaxSignatures = 5
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Evaluator{opt: opt}
}

// Check evaluates SPF, DKIM, DMARC and ARC for one message. It never
// fails: every problem is a result value (temperror for DNS that may pass,
// permerror for broken records or headers).
func (e *Evaluator) Check(ctx context.Context, in Input) *Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, e.opt.Budget)
	defer cancel()
	res := &Result{}
	hdr := parseHeader(in.Raw)
	res.SPF = e.checkSPF(ctx, in)
	res.DKIM = e.checkDKIM(ctx, in.Raw)
	res.DMARC = e.checkDMARC(ctx, hdr, res.SPF, res.DKIM)
	res.ARC = e.checkARC(ctx, in.Raw, hdr)
	res.Elapsed = time.Since(start)
	return res
}
