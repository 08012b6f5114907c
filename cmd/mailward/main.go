// Command mailward is an email gateway content scanner for school trusts: a
// before-queue SMTP proxy that scans every message against the trust's
// acceptable-use policy and delivers, tags, holds, refuses or defers it.
//
//	mailward serve [-config FILE]
//	mailward scan [-config FILE] [-direction D] [-from ADDR] [-to ADDR[,ADDR]] [-client IP] [-explain] FILE...
//	mailward quarantine list|show ID|release ID|delete ID [-config FILE]
//	mailward check-config -config FILE
//	mailward hash-password [-cost N]
//	mailward health [-config FILE] [-url URL]
//	mailward track [-from ADDR] [-to ADDR] [-since D] [-until D] [-action A] [-category C] [-queue-id ID] [-json]
//	mailward report [-since D] [-until D] [-format html|json|pdf] [-o FILE]
//	mailward version
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// commands maps each subcommand to its implementation; each returns the exit
// code: 0 fine, 1 runtime failure, 2 bad usage or config.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"serve":         runServe,
	"scan":          runScan,
	"check-config":  runCheckConfig,
	"hash-password": runHashPassword,
	"health":        runHealth,
	"version": func(_ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, "mailward", version)
		return 0
	},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "mailward: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  mailward serve [-config FILE]
  mailward scan [-config FILE] [-direction D] [-from ADDR] [-to ADDR[,ADDR]] [-client IP] [-explain] FILE...
  mailward quarantine list|show ID|release ID|delete ID [-config FILE]
  mailward check-config -config FILE
  mailward hash-password [-cost N] < password-file   (or at a prompt, without echo)
  mailward health [-config FILE] [-url URL]   (exit 0 when /readyz says ready)
  mailward track [-from ADDR|@DOMAIN] [-to ADDR|@DOMAIN] [-since D] [-until D] [-action A] [-category C] [-queue-id ID] [-json] [-config FILE]
  mailward report [-since D] [-until D] [-format html|json|pdf] [-o FILE] [-config FILE]
  mailward eval [-config FILE] [-scanner NAME] [-direction D] [-min-score X] [-v] LABELLED...
  mailward lists show|add allow|block MATCH -reason TEXT ...|remove ID [-config FILE]
  mailward version
`)
}
