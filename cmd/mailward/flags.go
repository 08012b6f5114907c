package main

import (
	"flag"
	"io"
	"strings"
)

// parseArgs parses flags wherever they appear among the arguments, so that
// `quarantine release ID -config F` and `quarantine release -config F ID`
// both work (DESIGN.md), and returns the positional arguments in order.
// A lone "-" is positional (stdin); "--" ends flag parsing.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at the first positional argument; take it and go on.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
		for len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
			pos = append(pos, args[0])
			args = args[1:]
		}
		if len(args) == 0 {
			return pos, nil
		}
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mailward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
