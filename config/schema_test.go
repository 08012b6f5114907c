package config

import (
	"strings"
	"testing"
)

// TestSchemaErrors: unknown keys and wrong types anywhere in the tree are
// reported by key path and line, all of them in one run, with a suggestion
// for a likely typo.
func TestSchemaErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
		not        []string
	}{
		{"type error names key and line", "domains: [trust.example]\nmax_size: 1\nmax_message_bytes: \"ten\"\n",
			[]string{`line 3: max_message_bytes: want a whole number, got "ten"`, `line 2: max_size: field max_size not found`}, nil},
		{"float into int is refused, not truncated", "limits:\n  max_recipients: 3.5\n",
			[]string{`line 2: limits.max_recipients: want a whole number, got "3.5"`}, nil},
		{"did you mean at nested level", "next_hop:\n  inbund: smtp://127.0.0.1:25\n",
			[]string{`line 2: next_hop.inbund: field inbund not found; did you mean "inbound"?`}, nil},
		{"top-level typo", "trusted_network: [10.0.0.0/8]\n",
			[]string{`line 1: trusted_network: field trusted_network not found; did you mean "trusted_networks"?`}, nil},
		{"no silly suggestion", "foo: 1\n", []string{`line 1: foo: field foo not found`}, []string{"did you mean"}},
		{"inside a list of rules", "rules:\n  - name: a\n    acton: tag\n",
			[]string{`line 3: rules.0.acton: field acton not found; did you mean "action"?`}, nil},
		{"inside a map of structs", "review:\n  notices:\n    templates:\n      expired: {subjet: x}\n",
			[]string{`line 4: review.notices.templates.expired.subjet: field subjet not found; did you mean "subject"?`}, nil},
		{"duration", "tracker:\n  chain_spread_window: soon\n",
			[]string{`line 2: tracker.chain_spread_window: bad duration "soon"`}, nil},
		{"wrong shape", "next_hop:\n  max_sessions: [1, 2]\ndomains: trust.example\n",
			[]string{`line 2: next_hop.max_sessions: want a whole number, got a list`, `line 3: domains: want a list, got "trust.example"`}, nil},
		{"bool", "rules_monitor: maybe\n", []string{`line 1: rules_monitor: want true or false, got "maybe"`}, nil},
		{"schema and validation errors together", "log:\n  levle: info\nlisten: nowhere\n",
			[]string{"line 2: log.levle", "line 3: listen: bad address"}, nil},
		{"anchors and aliases are followed", "x: &hop\n  inbound: smtp://127.0.0.1:25\nnext_hop: *hop\n",
			[]string{"line 1: x: field x not found"}, []string{"next_hop"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
			for _, w := range c.not {
				if strings.Contains(err.Error(), w) {
					t.Errorf("unexpected %q in:\n%v", w, err)
				}
			}
		})
	}
}

// TestSchemaAcceptsValid: a config using lists, maps, pointers, durations,
// anchors and nulls passes the walk untouched.
func TestSchemaAcceptsValid(t *testing.T) {
	y := `
domains: [trust.example]
next_hop: &h
  inbound: smtp://127.0.0.1:25
  max_sessions: 10
quarantine:
  dir:
tracker:
  chain_spread_window: 12h
  overrides:
    - sender: [a@trust.example]
      messages_per_hour: 5
review:
  secure_cookie: false
  notices:
    digest_hour: 6
    templates:
      expired: {subject: "s", body: "b"}
rules:
  - name: r
    action: tag
    headers: {X-School: "1"}
    min_score: 1
`
	if _, err := Parse([]byte(y)); err != nil {
		t.Fatal(err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"inbund", "inbound", 1}, {"kitten", "sitting", 3}, {"ä", "a", 1}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
