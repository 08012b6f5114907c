package pipeline

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

func finding(c string, score float64) scanner.Finding {
	return scanner.Finding{Category: scanner.Category(c), Scanner: "test", Score: score, Summary: "test"}
}

// TestApplyLists runs the default rules with allow and block entries: an
// allow entry delivers what only its categories held, never malware or
// unscannable; a block entry refuses or holds; the reason names the entry.
func TestApplyLists(t *testing.T) {
	cfg := config.Default()
	eng := rules.New(cfg.Rules, cfg.Scan.OnError)
	in := scanner.Envelope{From: "x@partner.example", To: []string{"t@localhost"}, Direction: scanner.Inbound,
		Client: netip.MustParseAddr("192.0.2.7")}
	allowAll := lists.Entry{ID: 1, Kind: lists.Allow, Match: "partner.example", Reason: "supplier"}
	allowChain := lists.Entry{ID: 2, Kind: lists.Allow, Match: "partner.example", Categories: []string{"chain_mail"}, Reason: "newsletter"}
	blockAll := lists.Entry{ID: 3, Kind: lists.Block, Match: "192.0.2.0/24", Action: lists.ActionReject, Reason: "spam run"}
	blockHold := lists.Entry{ID: 4, Kind: lists.Block, Match: "partner.example", Action: lists.ActionQuarantine, Reason: "watch"}
	blockOffensive := lists.Entry{ID: 5, Kind: lists.Block, Match: "partner.example", Categories: []string{"offensive_language"}, Action: lists.ActionReject, Reason: "abuse"}
	cases := []struct {
		name     string
		entries  []lists.Entry
		findings []scanner.Finding
		failures []scanner.Failure
		action   rules.Action
		rule     string
		reason   string // in the reason
	}{
		{"no entries", nil, []scanner.Finding{finding("suspicious_attachment", 0.9)}, nil, rules.Quarantine, "suspicious-attachment", ""},
		{"allow lets an attachment through", []lists.Entry{allowAll}, []scanner.Finding{finding("suspicious_attachment", 0.9)}, nil,
			rules.Deliver, RuleAllowList, "allow entry 1: domain partner.example"},
		{"allow never lets malware through", []lists.Entry{allowAll}, []scanner.Finding{finding("malware", 1)}, nil, rules.Quarantine, "malware", ""},
		{"allow never lets unscannable through", []lists.Entry{allowAll}, []scanner.Finding{finding("unscannable", 1)}, nil, rules.Quarantine, "unscannable", ""},
		{"allow of the rest keeps malware held", []lists.Entry{allowAll},
			[]scanner.Finding{finding("suspicious_attachment", 0.9), finding("malware", 1)}, nil, rules.Quarantine, "malware", ""},
		{"allow does not pass a scanner failure", []lists.Entry{allowAll}, []scanner.Finding{finding("suspicious_attachment", 0.9)},
			[]scanner.Failure{{Scanner: "clamav", Err: errors.New("down")}}, rules.Tempfail, rules.RuleScannerError, ""},
		{"allow of another category", []lists.Entry{allowChain}, []scanner.Finding{finding("suspicious_attachment", 0.9)}, nil,
			rules.Quarantine, "suspicious-attachment", ""},
		{"allow of its category, others tag", []lists.Entry{allowChain},
			[]scanner.Finding{finding("chain_mail", 0.9), finding("offensive_language", 0.7)}, nil, rules.Tag, "offensive-inbound", ""},
		{"block all mail", []lists.Entry{blockAll}, nil, nil, rules.Reject, RuleBlockList, "block entry 3: network 192.0.2.0/24"},
		{"block before allow", []lists.Entry{allowAll, blockHold}, nil, nil, rules.Quarantine, RuleBlockList, "reason: watch"},
		{"block of a category: none", []lists.Entry{blockOffensive}, []scanner.Finding{finding("offensive_language", 0.3)}, nil,
			rules.Tag, "any-finding", ""},
		{"block of a category: found", []lists.Entry{blockOffensive}, []scanner.Finding{finding("offensive_language", 0.8)}, nil,
			rules.Reject, RuleBlockList, "offensive_language finding scored 0.80"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.entries {
				if err := lists.Normalize(&c.entries[i]); err != nil {
					t.Fatal(err)
				}
			}
			res := scanner.Result{Findings: c.findings, Failures: c.failures}
			d := applyLists(lists.MatchAll(c.entries, in, time.Now()), res, func(r scanner.Result) rules.Decision { return eng.Decide(in, r) })
			if d.Action != c.action || d.Rule != c.rule || !strings.Contains(d.Reason, c.reason) {
				t.Errorf("got %s by %s (%s), want %s by %s naming %q", d.Action, d.Rule, d.Reason, c.action, c.rule, c.reason)
			}
		})
	}
}

// TestPipelineLists: a real pipeline reads the lists file that another
// handle (the review page, the CLI) writes, without a restart.
func TestPipelineLists(t *testing.T) {
	cfg := config.Default()
	dir := t.TempDir()
	cfg.Quarantine.Dir = dir
	cfg.Lists.Path = filepath.Join(dir, "lists", "lists.db")
	cfg.Lists.Refresh = config.Duration(100 * time.Millisecond)
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	exe := base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00 not really a program"))
	raw := []byte("From: x@partner.example\r\nTo: t@localhost\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.exe\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + exe + "\r\n--b--\r\n")
	env := scanner.Envelope{From: "x@partner.example", To: []string{"t@localhost"}, Direction: scanner.Inbound}
	v := p.Scan(context.Background(), raw, env)
	if v.Decision.Action != rules.Quarantine {
		t.Fatalf("without lists: %s by %s (%v)", v.Decision.Action, v.Decision.Rule, v.Result.Findings)
	}
	s, err := lists.OpenSQLite(cfg.Lists.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := s.Add(context.Background(), lists.Entry{Kind: lists.Allow, Match: "partner.example", Directions: []string{"inbound"},
		Categories: []string{"suspicious_attachment"}, Reason: "sends signed installers", CreatedBy: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v = p.Scan(context.Background(), raw, env)
		if v.Decision.Rule == RuleAllowList || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v.Decision.Action != rules.Deliver || !strings.Contains(v.Decision.Reason, "allow entry "+itoa(e.ID)) {
		t.Fatalf("with the allow entry: %s by %s (%s)", v.Decision.Action, v.Decision.Rule, v.Decision.Reason)
	}
	// Outbound mail from the same domain is not covered by the entry.
	out := env
	out.Direction = scanner.Outbound
	if v := p.Scan(context.Background(), raw, out); v.Decision.Action != rules.Quarantine {
		t.Errorf("outbound: %s by %s", v.Decision.Action, v.Decision.Rule)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
