package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mailward/mailward/eval"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/smtp"
)

func init() { commands["eval"] = runEval }

// runEval measures one detector on labelled data through the same pipeline
// as scan: per label, how many items it found, precision, recall and F1,
// and a confusion table of labels against the severity found. Items are
// scanned as sent by a member of staff to an outside address unless
// -direction or the item says otherwise.
func runEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("eval", stderr)
	cfgPath := fs.String("config", "", "config file (default: the local default)")
	name := fs.String("scanner", "offensive", "detector to measure: offensive, pupildata, chainmail, attachment, clamav")
	dirFlag := fs.String("direction", "outbound", "direction of items that name none: inbound, outbound or internal")
	minScore := fs.Float64("min-score", 0, "count a finding only at or above this score")
	verbose := fs.Bool("v", false, "list the items the detector got wrong (names and labels only)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "mailward eval: no labelled files given")
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mailward eval: %v\n", err)
		return 2
	}
	defer p.Close()
	rep := eval.NewReport()
	for _, f := range files {
		items, err := eval.Load(f)
		if err != nil {
			fmt.Fprintf(stderr, "mailward eval: %v\n", err)
			return 2
		}
		for _, it := range items {
			env, err := evalEnvelope(cfg.Domains, it.Direction, *dirFlag)
			if err != nil {
				fmt.Fprintf(stderr, "mailward eval: %s: %v\n", it.Name, err)
				return 2
			}
			v := p.Scan(context.Background(), smtp.NormalizeNewlines(it.Raw), env)
			o := outcome(v.Result.Findings, *name, *minScore)
			rep.Add(it.Label, o)
			if *verbose && o.Found == eval.Negative(it.Label) {
				fmt.Fprintf(stdout, "wrong: %s label=%s found=%v %s\n", it.Name, it.Label, o.Found, o.Tier)
			}
		}
	}
	fmt.Fprintf(stdout, "scanner %s, %s\n\n", *name, strings.Join(files, " "))
	rep.Print(stdout)
	return 0
}

// outcome is what scanner name found among findings.
func outcome(fs []scanner.Finding, name string, minScore float64) eval.Outcome {
	var o eval.Outcome
	best := -1.0
	for _, f := range fs {
		if f.Scanner != name || f.Category == scanner.Unscannable || f.Score < minScore {
			continue
		}
		o.Found = true
		if f.Score > best {
			best = f.Score
			o.Tier = f.Severity
			if o.Tier == "" {
				o.Tier = string(f.Category)
			}
		}
	}
	return o
}

// evalEnvelope is a member of staff writing to an outside address
// (outbound), a colleague (internal), or an outsider writing in (inbound).
func evalEnvelope(domains []string, itemDir, runDir string) (scanner.Envelope, error) {
	d := itemDir
	if d == "" {
		d = runDir
	}
	dom := "localhost"
	if len(domains) > 0 {
		dom = strings.TrimPrefix(domains[0], "*.")
	}
	env := scanner.Envelope{Direction: scanner.Direction(d)}
	switch env.Direction {
	case scanner.Outbound:
		env.Trusted, env.From, env.To = true, "staff@"+dom, []string{"someone@example.com"}
	case scanner.Internal:
		env.Trusted, env.From, env.To = true, "staff@"+dom, []string{"colleague@" + dom}
	case scanner.Inbound:
		env.From, env.To = "someone@example.com", []string{"staff@" + dom}
	default:
		return env, fmt.Errorf("direction %q: want inbound, outbound or internal", d)
	}
	return env, nil
}
