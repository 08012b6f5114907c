package review

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailward/mailward/quarantine"
)

// The daily digest's "request release" link lets a recipient ask IT to
// release a message held for them, without a login: the link itself is the
// authority. It is
//
//	base64url("1|ID|RECIPIENT|EXPIRY-UNIX") "." base64url(HMAC-SHA256(key, that))
//
// so it names one message and one recipient, cannot be altered (any change
// breaks the MAC), stops working at its expiry (review.notices.
// digest_link_ttl), and works once: the request is recorded on the held
// message by compare-and-set, and a second use finds it there. Opening the
// link (GET) only shows a button; the request is the POST, so that mail
// scanners that follow links (Safe Links) request nothing.

// digestSigner holds the HMAC key, loaded on first use.
type digestSigner struct {
	once sync.Once
	key  []byte
	err  error
}

// Errors of a digest link, each with its own answer.
var (
	errLinkInvalid = errors.New("this link is not valid")
	errLinkExpired = errors.New("this link has expired")
	errLinkUsed    = errors.New("a release was already requested with this link")
	errLinkGone    = errors.New("this message is no longer held for you")
)

// digestKey returns review.notices.digest_key, or the key kept in
// quarantine.dir/digest.key, generating it the first time (written to a
// temporary file, fsynced and linked into place, so that two gateways
// starting at once agree on one key).
func (s *Server) digestKey() ([]byte, error) {
	d := &s.digest
	d.once.Do(func() {
		if k := s.rc.Notices.DigestKey; k != "" {
			d.key = []byte(k)
			return
		}
		d.key, d.err = loadOrCreateKey(filepath.Join(s.cfg.Quarantine.Dir, "digest.key"))
	})
	return d.key, d.err
}

func loadOrCreateKey(path string) ([]byte, error) {
	read := func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("digest key %s: not 32+ hex-encoded bytes", path)
		}
		return k, nil
	}
	if k, err := read(); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("digest key: %w", err)
	}
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, fmt.Errorf("digest key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".digest.key-*")
	if err != nil {
		return nil, fmt.Errorf("digest key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(hex.EncodeToString(k[:]) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("digest key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("digest key: %w", err)
	}
	tmp.Close()
	// Link fails if another process put its key there first: use that one.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("digest key: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return read()
}

func mac(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// digestToken signs a link for recipient rcpt of message id, valid until exp.
func (s *Server) digestToken(id, rcpt string, exp time.Time) (string, error) {
	key, err := s.digestKey()
	if err != nil {
		return "", err
	}
	payload := "1|" + id + "|" + strings.ToLower(rcpt) + "|" + strconv.FormatInt(exp.Unix(), 10)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac(key, payload)), nil
}

// digestLink is the full link, "" without review.base_url (the digest
// then asks the recipient to contact IT with the reference).
func (s *Server) digestLink(id, rcpt string, exp time.Time) string {
	if s.rc.BaseURL == "" {
		return ""
	}
	tok, err := s.digestToken(id, rcpt, exp)
	if err != nil {
		s.log.Warn("digest link not signed", "err", err)
		return ""
	}
	return strings.TrimSuffix(s.rc.BaseURL, "/") + "/digest/request?t=" + tok
}

// verifyDigestToken checks a link's MAC and expiry and returns what it
// names.
func (s *Server) verifyDigestToken(tok string, now time.Time) (id, rcpt string, exp time.Time, err error) {
	key, err := s.digestKey()
	if err != nil {
		return "", "", exp, err
	}
	enc := base64.RawURLEncoding
	p64, m64, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 2048 {
		return "", "", exp, errLinkInvalid
	}
	payload, err1 := enc.DecodeString(p64)
	sig, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, mac(key, string(payload))) {
		return "", "", exp, errLinkInvalid
	}
	f := strings.Split(string(payload), "|")
	if len(f) != 4 || f[0] != "1" || !quarantine.ValidID(f[1]) {
		return "", "", exp, errLinkInvalid
	}
	secs, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return "", "", exp, errLinkInvalid
	}
	exp = time.Unix(secs, 0)
	if !now.Before(exp) {
		return f[1], f[2], exp, errLinkExpired
	}
	return f[1], f[2], exp, nil
}

// digestFailures is how many refused digest links one address may send
// within review.login_window.
const digestFailures = 20

// requestWho is how a digest request appears in a record and the audit log.
func requestWho(rcpt string) string { return "recipient " + rcpt }

// requestFromDigest records recipient rcpt's release request on message
// id, once.
func (s *Server) requestFromDigest(ctx context.Context, id, rcpt string) error {
	now := s.now().UTC()
	who := requestWho(rcpt)
	_, err := s.store.Update(ctx, id, func(r *quarantine.Record) error {
		if slices.ContainsFunc(r.ReleaseRequests, func(n quarantine.Note) bool { return n.Who == who }) {
			return errLinkUsed
		}
		if r.Status != quarantine.Held || r.SuspectedIllegal != nil ||
			!slices.ContainsFunc(r.HeldRcpts(), func(a string) bool { return strings.EqualFold(a, rcpt) }) {
			return errLinkGone
		}
		r.ReleaseRequests = append(r.ReleaseRequests, quarantine.Note{Who: who, At: now, Reason: "requested from the daily digest"})
		r.Audit = append(r.Audit, quarantine.AuditEntry{Time: now, Who: who, What: "request-release", Detail: "daily digest link"})
		return nil
	})
	if errors.Is(err, quarantine.ErrNotFound) {
		return errLinkGone
	}
	return err
}

// linkStatus is the HTTP answer to a refused link.
func linkStatus(err error) int {
	switch {
	case errors.Is(err, errLinkInvalid):
		return http.StatusBadRequest
	case errors.Is(err, errLinkExpired), errors.Is(err, errLinkGone):
		return http.StatusGone
	case errors.Is(err, errLinkUsed):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func linkMessage(err error) string {
	for _, e := range []error{errLinkInvalid, errLinkExpired, errLinkUsed, errLinkGone} {
		if errors.Is(err, e) {
			return strings.ToUpper(e.Error()[:1]) + e.Error()[1:] + "."
		}
	}
	return "Something went wrong: please contact IT support."
}

// digestPage shows what a link would request, with the button that
// requests it. No login: the link is the authority.
func (s *Server) digestPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	id, rcpt, exp, err := s.verifyDigestToken(tok, s.now())
	d := map[string]any{"Title": "Request release"}
	if err == nil {
		var rec *quarantine.Record
		rec, err = s.store.Get(r.Context(), id)
		switch {
		case errors.Is(err, quarantine.ErrNotFound):
			err = errLinkGone
		case err != nil:
		case slices.ContainsFunc(rec.ReleaseRequests, func(n quarantine.Note) bool { return n.Who == requestWho(rcpt) }):
			err = errLinkUsed
		case rec.Status != quarantine.Held || rec.SuspectedIllegal != nil:
			err = errLinkGone
		default:
			d["From"], d["Received"], d["ID"], d["Rcpt"], d["Token"], d["Expires"] = rec.From, rec.Received, id, rcpt, tok, exp
		}
	}
	code := http.StatusOK
	if err != nil {
		code = linkStatus(err)
		d["Error"] = linkMessage(err)
	}
	s.render(w, code, "digest.html", d)
}

// digestPost records the request and says so.
//
// Refused links count against the client address (20 within
// review.login_window), so that guessing costs time and a flood of bad
// links cannot fill the audit log: past the limit, requests from there get
// 429 and one audit record per lockout.
func (s *Server) digestPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	key := limitKey{"digest-ip:" + remoteIP(r), digestFailures}
	if blocked, first := s.limits.blocked(s.now(), key); blocked {
		if first {
			s.store.AppendAudit(r.Context(), quarantine.AuditEvent{Time: s.now().UTC(), What: "denied", Remote: remoteIP(r),
				Detail: "digest link: too many refused links from this address"})
		}
		s.render(w, http.StatusTooManyRequests, "digest.html", map[string]any{"Title": "Request release",
			"Error": "Too many attempts from your address: try again later, or contact IT support."})
		return
	}
	tok := r.PostFormValue("t")
	id, rcpt, _, err := s.verifyDigestToken(tok, s.now())
	if err == nil {
		err = s.requestFromDigest(r.Context(), id, rcpt)
	}
	e := quarantine.AuditEvent{Time: s.now().UTC(), Who: rcpt, Role: "recipient", ID: id, Remote: remoteIP(r)}
	d := map[string]any{"Title": "Request release"}
	if err != nil {
		s.limits.fail(s.now(), key)
		e.What, e.Detail = "denied", "digest link: "+err.Error()
		if linkStatus(err) == http.StatusInternalServerError {
			s.log.Error("digest release request", "id", id, "err", err)
		}
		s.store.AppendAudit(r.Context(), e)
		d["Error"] = linkMessage(err)
		s.render(w, linkStatus(err), "digest.html", d)
		return
	}
	e.What, e.Detail = "request-release", "daily digest link"
	if aerr := s.store.AppendAudit(r.Context(), e); aerr != nil {
		s.log.Error("audit log write failed", "what", e.What, "id", id, "err", aerr)
	}
	s.log.Info("release requested from the daily digest", "id", id, "rcpt", rcpt)
	d["Requested"], d["ID"] = true, id
	s.render(w, http.StatusOK, "digest.html", d)
}
