package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/smtp"
)

// scanLine is one line of `mailward scan` output (DESIGN.md contract).
type scanLine struct {
	File      string            `json:"file"`
	Direction string            `json:"direction"`
	Action    string            `json:"action"`
	Rule      string            `json:"rule"`
	Findings  []scanner.Finding `json:"findings"`
	Explain   string            `json:"explain,omitempty"`
	Trace     []string          `json:"trace,omitempty"`
	Error     string            `json:"error,omitempty"`
}

// runScan scans .eml files, and every file under the folders given,
// offline through the same pipeline and rules as serve. It never writes to
// the tracker and never sends mail. Exit 0 whatever the verdicts; 2 when
// the config is bad or any file could not be read (the rest are scanned).
func runScan(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("scan", stderr)
	cfgPath := fs.String("config", "", "config file (default: the local default)")
	dirFlag := fs.String("direction", "", "inbound, outbound or internal (default: from -from/-to/-client)")
	from := fs.String("from", "", "envelope sender")
	to := fs.String("to", "", "envelope recipients, comma-separated")
	client := fs.String("client", "", "client IP address")
	explain := fs.Bool("explain", false, "say which rule matched and why")
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "mailward scan: no files given (use - for stdin)")
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	env, err := scanEnvelope(cfg, *dirFlag, *from, *to, *client)
	if err != nil {
		fmt.Fprintf(stderr, "mailward scan: %v\n", err)
		return 2
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mailward scan: %v\n", err)
		return 2
	}
	defer p.Close()

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	code := 0
	inputs, dirs := expandInputs(files, cfg.MaxMessageBytes)
	var sum scanSummary
	for _, in := range inputs {
		f := in.name
		if in.skip != "" {
			fmt.Fprintf(stderr, "mailward scan: skipped %s: %s\n", f, in.skip)
			sum.skipped++
			if in.unreadable {
				code = 2
			}
			continue
		}
		raw, err := readInput(f)
		if err != nil {
			fmt.Fprintf(stderr, "mailward scan: skipped %s: %s\n", f, readReason(err))
			sum.skipped++
			code = 2
			continue
		}
		v := p.Scan(context.Background(), smtp.NormalizeNewlines(raw), env)
		sum.add(string(v.Decision.Action))
		line := scanLine{File: f, Direction: string(env.Direction), Action: string(v.Decision.Action),
			Rule: v.Decision.Rule, Findings: v.Result.Findings}
		if line.Findings == nil {
			line.Findings = []scanner.Finding{}
		}
		if *explain {
			line.Explain, line.Trace = v.Decision.Reason, v.Decision.Trace
		}
		if err := enc.Encode(line); err != nil {
			fmt.Fprintf(stderr, "mailward scan: %v\n", err)
			return 1
		}
	}
	if dirs > 0 || len(inputs) > 1 {
		sum.print(stderr)
	}
	return code
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

// scanEnvelope builds the envelope `scan` pretends the message came with.
// Without -client, a sender in the trust's domains counts as coming from a
// trusted client and any other as untrusted (DESIGN.md).
func scanEnvelope(cfg *config.Config, dir, from, to, client string) (scanner.Envelope, error) {
	env := scanner.Envelope{From: from}
	for _, r := range strings.Split(to, ",") {
		if r = strings.TrimSpace(r); r != "" {
			env.To = append(env.To, r)
		}
	}
	if client != "" {
		a, err := netip.ParseAddr(client)
		if err != nil {
			return env, fmt.Errorf("-client %q: %v", client, err)
		}
		env.Client = a
		for _, n := range cfg.TrustedNetworks {
			if p, err := netip.ParsePrefix(n); err == nil && p.Contains(a.Unmap()) {
				env.Trusted = true
			}
		}
	} else {
		env.Trusted = from != "" && smtp.IsOurDomain(cfg.Domains, from)
	}
	switch scanner.Direction(dir) {
	case scanner.Inbound, scanner.Outbound, scanner.Internal:
		env.Direction = scanner.Direction(dir)
		return env, nil
	case "":
	default:
		return env, fmt.Errorf("-direction %q: want inbound, outbound or internal", dir)
	}
	env.Direction = scanner.Inbound
	switch {
	case len(env.To) > 0:
		// The relay splits a mixed recipient list into one transaction per
		// direction; scan judges the part that leaves the trust: outbound
		// when any recipient's direction is outbound, else the first's,
		// with that transaction's recipients only.
		dirs := make([]scanner.Direction, len(env.To))
		first := true
		for i, r := range env.To {
			d, ok := smtp.DirectionFor(cfg.Domains, env.Trusted, r)
			if !ok {
				continue
			}
			dirs[i] = d
			if first || d == scanner.Outbound {
				env.Direction = d
				first = false
			}
		}
		if !first {
			var part []string
			for i, r := range env.To {
				if dirs[i] == env.Direction {
					part = append(part, r)
				}
			}
			env.To = part
		}
	case env.Trusted:
		env.Direction = scanner.Outbound
	}
	return env, nil
}
