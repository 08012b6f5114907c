package mailauth

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// This file holds the DKIM primitives that ARC (RFC 8617) reuses and that
// go-msgauth does not export: header and body canonicalisation (RFC 6376
// section 3.4), removal of the b= value, key records and signature checks.

// relaxedHeader canonicalises one field (RFC 6376 section 3.4.2):
// lowercase name, unfolded value, runs of white space as one space, none
// at the ends or around the colon.
func relaxedHeader(name, value string) string {
	v := strings.ReplaceAll(value, "\r\n", "")
	v = strings.ReplaceAll(v, "\n", "")
	var b strings.Builder
	space := false
	for _, r := range v {
		if r == ' ' || r == '\t' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return strings.ToLower(strings.TrimSpace(name)) + ":" + b.String() + "\r\n"
}

// simpleHeader is the field exactly as received, with its CRLF.
func simpleHeader(name, value string) string { return name + ":" + value + "\r\n" }

// canonBody canonicalises a body ("simple" or "relaxed") per RFC 6376
// section 3.4.3 and 3.4.4.
func canonBody(body []byte, relaxed bool) []byte {
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	lines := bytes.Split(body, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the final CRLF
	}
	var out bytes.Buffer
	for _, l := range lines {
		if relaxed {
			l = compressWSP(l)
		}
		out.Write(l)
		out.WriteString("\r\n")
	}
	b := out.Bytes()
	for bytes.HasSuffix(b, []byte("\r\n\r\n")) {
		b = b[:len(b)-2]
	}
	if bytes.Equal(b, []byte("\r\n")) || len(b) == 0 {
		if relaxed {
			return nil
		}
		return []byte("\r\n")
	}
	return b
}

// compressWSP reduces runs of space and tab to one space and drops them at
// the end of a line.
func compressWSP(l []byte) []byte {
	var out []byte
	space := false
	for _, c := range l {
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space {
			out = append(out, ' ')
		}
		space = false
		out = append(out, c)
	}
	return out
}

// withoutB returns a signature field's value with the value of its b= tag
// emptied (RFC 6376 section 3.7), everything else unchanged.
func withoutB(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && strings.TrimSpace(k) == "b" {
			parts[i] = p[:strings.IndexByte(p, '=')+1]
		}
	}
	return strings.Join(parts, ";")
}

// pubKey is a key from a DKIM key record.
type pubKey struct {
	rsa     *rsa.PublicKey
	ed25519 ed25519.PublicKey
}

// errRevoked marks a key record with an empty p= (RFC 6376 3.6.1).
var errRevoked = errors.New("key revoked")

// lookupKey fetches selector._domainkey.domain and parses the key. DNS
// trouble comes back as a temporary *net.DNSError (see Resolver).
func (e *Evaluator) lookupKey(ctxLookup func(string) ([]string, error), domain, selector string) (*pubKey, error) {
	txts, err := ctxLookup(selector + "._domainkey." + domain)
	if err != nil {
		return nil, err
	}
	if len(txts) == 0 {
		return nil, errors.New("no key record")
	}
	tags := parseTags(strings.Join(txts, ""))
	if v, ok := tags["v"]; ok && v != "DKIM1" {
		return nil, errors.New("key record version not DKIM1")
	}
	p := stripWSP(tags["p"])
	if p == "" {
		return nil, errRevoked
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("key not base64: %w", err)
	}
	switch k := stripWSP(tags["k"]); k {
	case "", "rsa":
		pk, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			if r, err2 := x509.ParsePKCS1PublicKey(der); err2 == nil {
				pk, err = r, nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		r, ok := pk.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("key is not rsa")
		}
		if r.Size()*8 < 1024 {
			return nil, fmt.Errorf("rsa key of %d bits, under 1024", r.Size()*8)
		}
		return &pubKey{rsa: r}, nil
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, errors.New("bad ed25519 key size")
		}
		return &pubKey{ed25519: ed25519.PublicKey(der)}, nil
	default:
		return nil, fmt.Errorf("unknown key type %q", k)
	}
}

// newHash returns the hash of algorithm a ("rsa-sha256", "ed25519-sha256";
// "rsa-sha1" only where the caller allows it).
func newHash(a string) (hash.Hash, crypto.Hash, error) {
	switch a {
	case "rsa-sha256", "ed25519-sha256":
		return sha256.New(), crypto.SHA256, nil
	case "rsa-sha1":
		return sha1.New(), crypto.SHA1, nil
	}
	return nil, 0, fmt.Errorf("unsupported algorithm %q", a)
}

// verifySig checks sig over the digest with the key the algorithm names.
func verifySig(k *pubKey, algo string, h crypto.Hash, digest, sig []byte) error {
	switch {
	case strings.HasPrefix(algo, "rsa-") && k.rsa != nil:
		return rsa.VerifyPKCS1v15(k.rsa, h, digest, sig)
	case strings.HasPrefix(algo, "ed25519-") && k.ed25519 != nil:
		if !ed25519.Verify(k.ed25519, digest, sig) {
			return errors.New("ed25519 signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("key type does not match algorithm %s", algo)
}
