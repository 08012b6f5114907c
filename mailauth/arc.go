package mailauth

import (
	"context"
	"crypto"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// maxARCSets is RFC 8617 section 4.2.1's limit on instances.
const maxARCSets = 50

// arcSet is one instance's three fields.
type arcSet struct {
	aar, ams, as *field
}

// checkARC validates the ARC chain as RFC 8617 section 5.2 says: the
// structure of every set, the newest ARC-Message-Signature (body hash and
// signature) and every ARC-Seal, newest first. Older message signatures
// are not checked (the RFC makes that optional). When the chain passes and
// the newest sealer is trusted, its ARC-Authentication-Results is read.
func (e *Evaluator) checkARC(ctx context.Context, raw []byte, h header) ARC {
	sets, n, problem := arcSets(h)
	if n == 0 && problem == "" {
		return ARC{Status: StatusNone}
	}
	out := ARC{Instances: n}
	if problem != "" {
		out.Status, out.Reason = StatusFail, problem
		return out
	}
	newest := parseTags(sets[n].as.value)
	out.Sealer = normDomain(stripWSP(newest["d"]))
	if cv := stripWSP(newest["cv"]); cv == "fail" {
		out.Status, out.Reason = StatusFail, "newest seal says cv=fail"
		return out
	}
	for i := 1; i <= n; i++ {
		cv := stripWSP(parseTags(sets[i].as.value)["cv"])
		if (i == 1 && cv != "none") || (i > 1 && cv != "pass") {
			out.Status, out.Reason = StatusFail, fmt.Sprintf("seal %d has cv=%s", i, cv)
			return out
		}
	}
	lookup := func(name string) ([]string, error) { return e.opt.Resolver.LookupTXT(ctx, name) }
	if st, why := e.verifyAMS(lookup, raw, h, sets[n].ams); st != StatusPass {
		out.Status, out.Reason = st, fmt.Sprintf("message signature %d: %s", n, why)
		return out
	}
	for i := n; i >= 1; i-- {
		if st, why := e.verifySeal(lookup, sets, i); st != StatusPass {
			out.Status, out.Reason = st, fmt.Sprintf("seal %d: %s", i, why)
			return out
		}
	}
	out.Status = StatusPass
	if slices.Contains(e.opt.TrustedSealers, out.Sealer) {
		out.Trusted = true
		out.Upstream = parseAAR(sets[n].aar.value)
	}
	return out
}

// arcSets groups the ARC fields by instance, 1..n. Any set missing a field,
// a duplicate, or a gap is a structural failure.
func arcSets(h header) (map[int]*arcSet, int, string) {
	sets := map[int]*arcSet{}
	max := 0
	for i := range h {
		f := &h[i]
		var slot func(*arcSet) **field
		switch strings.ToLower(f.name) {
		case "arc-authentication-results":
			slot = func(s *arcSet) **field { return &s.aar }
		case "arc-message-signature":
			slot = func(s *arcSet) **field { return &s.ams }
		case "arc-seal":
			slot = func(s *arcSet) **field { return &s.as }
		default:
			continue
		}
		inst, ok := instance(f.value)
		if !ok || inst < 1 || inst > maxARCSets {
			return nil, 1, "ARC field with a bad instance tag"
		}
		s := sets[inst]
		if s == nil {
			s = &arcSet{}
			sets[inst] = s
		}
		p := slot(s)
		if *p != nil {
			return nil, inst, fmt.Sprintf("two ARC fields of one kind in set %d", inst)
		}
		*p = f
		if inst > max {
			max = inst
		}
	}
	for i := 1; i <= max; i++ {
		s := sets[i]
		if s == nil || s.aar == nil || s.ams == nil || s.as == nil {
			return nil, max, fmt.Sprintf("ARC set %d incomplete", i)
		}
	}
	return sets, max, ""
}

// instance reads the i= tag that starts every ARC field's value.
func instance(v string) (int, bool) {
	tags := parseTags(v)
	if s, ok := tags["i"]; ok {
		n, err := strconv.Atoi(stripWSP(s))
		return n, err == nil
	}
	// ARC-Authentication-Results: "i=1; authserv-id; ..." parses the same.
	return 0, false
}

// verifyAMS checks an ARC-Message-Signature as a DKIM signature would be
// (RFC 8617 section 4.1.2), with its own field name in the hash.
func (e *Evaluator) verifyAMS(lookup func(string) ([]string, error), raw []byte, h header, ams *field) (Status, string) {
	tags := parseTags(ams.value)
	algo := stripWSP(tags["a"])
	hh, ch, err := newHash(algo)
	if err != nil || algo == "rsa-sha1" {
		return StatusFail, "unsupported algorithm"
	}
	headerC, bodyC := "simple", "simple"
	if c := stripWSP(tags["c"]); c != "" {
		headerC, bodyC, _ = strings.Cut(c, "/")
		if bodyC == "" {
			bodyC = "simple"
		}
	}
	body := canonBody(raw[bodyStart(raw):], bodyC == "relaxed")
	if ls, ok := tags["l"]; ok {
		if l, err := strconv.Atoi(stripWSP(ls)); err == nil && l >= 0 && l < len(body) {
			body = body[:l]
		}
	}
	bh, _, _ := newHash(algo)
	bh.Write(body)
	want, err := base64.StdEncoding.DecodeString(stripWSP(tags["bh"]))
	if err != nil || string(want) != string(bh.Sum(nil)) {
		return StatusFail, "body hash does not match"
	}
	canon := relaxedHeader
	if headerC == "simple" {
		canon = simpleHeader
	}
	used := map[string]int{}
	for _, name := range strings.Split(stripWSP(tags["h"]), ":") {
		if name == "" {
			continue
		}
		// Fields of one name are taken from the bottom up (RFC 6376 5.4.2).
		all := fieldsIdx(h, name)
		k := used[strings.ToLower(name)]
		used[strings.ToLower(name)]++
		if k >= len(all) {
			continue // a signed-absent field hashes as nothing
		}
		f := h[all[len(all)-1-k]]
		hh.Write([]byte(canon(f.name, f.value)))
	}
	self := canon(ams.name, withoutB(ams.value))
	hh.Write([]byte(strings.TrimSuffix(self, "\r\n")))
	return e.checkSignature(lookup, tags, algo, ch, hh.Sum(nil))
}

// verifySeal checks ARC-Seal i over the sets 1..i (RFC 8617 section 5.1.1):
// for each, its AAR, AMS and AS in relaxed form, the seal's own b= empty.
func (e *Evaluator) verifySeal(lookup func(string) ([]string, error), sets map[int]*arcSet, i int) (Status, string) {
	tags := parseTags(sets[i].as.value)
	algo := stripWSP(tags["a"])
	hh, ch, err := newHash(algo)
	if err != nil || algo == "rsa-sha1" {
		return StatusFail, "unsupported algorithm"
	}
	for j := 1; j <= i; j++ {
		s := sets[j]
		hh.Write([]byte(relaxedHeader(s.aar.name, s.aar.value)))
		hh.Write([]byte(relaxedHeader(s.ams.name, s.ams.value)))
		if j < i {
			hh.Write([]byte(relaxedHeader(s.as.name, s.as.value)))
		}
	}
	self := relaxedHeader(sets[i].as.name, withoutB(sets[i].as.value))
	hh.Write([]byte(strings.TrimSuffix(self, "\r\n")))
	return e.checkSignature(lookup, tags, algo, ch, hh.Sum(nil))
}

// checkSignature fetches d=/s='s key and verifies b= over digest.
func (e *Evaluator) checkSignature(lookup func(string) ([]string, error), tags map[string]string, algo string, h crypto.Hash, digest []byte) (Status, string) {
	d, s := normDomain(stripWSP(tags["d"])), stripWSP(tags["s"])
	if d == "" || s == "" {
		return StatusFail, "no d= or s="
	}
	key, err := e.lookupKey(lookup, d, s)
	switch {
	case err != nil && isTemp(err):
		return StatusTempError, "key lookup: " + err.Error()
	case err != nil:
		return StatusFail, "key: " + err.Error()
	}
	sig, err := base64.StdEncoding.DecodeString(stripWSP(tags["b"]))
	if err != nil {
		return StatusFail, "signature not base64"
	}
	if err := verifySig(key, algo, h, digest, sig); err != nil {
		return StatusFail, "signature does not verify"
	}
	return StatusPass, ""
}

// fieldsIdx returns the indexes of the fields called name, top first.
func fieldsIdx(h header, name string) []int {
	var out []int
	for i, f := range h {
		if strings.EqualFold(f.name, name) {
			out = append(out, i)
		}
	}
	return out
}

// parseAAR reads the DMARC result and header.from from an
// ARC-Authentication-Results value ("i=N; authserv-id; results").
func parseAAR(v string) *Upstream {
	_, rest, ok := strings.Cut(unfold(v), ";")
	if !ok {
		return nil
	}
	id, results, err := authres.Parse(strings.TrimSpace(rest))
	if err != nil && id == "" {
		return &Upstream{}
	}
	up := &Upstream{AuthservID: id}
	for _, r := range results {
		if d, ok := r.(*authres.DMARCResult); ok {
			up.DMARC = Status(d.Value)
			up.HeaderFrom = normDomain(d.From)
			break
		}
	}
	return up
}
