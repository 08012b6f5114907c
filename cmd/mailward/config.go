package main

import (
	"fmt"
	"io"

	"github.com/mailward/mailward/config"
)

// loadConfig loads path, or the local default when path is empty. Errors
// are printed one per line, each naming the key and its line.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	if path == "" {
		return config.Default(), true
	}
	c, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "mailward: %s: %v\n", path, err)
		return nil, false
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(stderr, "mailward: warning: %s: %s\n", path, w)
	}
	return c, true
}

func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check-config", stderr)
	path := fs.String("config", "", "config file")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "mailward check-config: -config FILE is required")
		return 2
	}
	if _, ok := loadConfig(*path, stderr); !ok {
		return 2
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return 0
}
