package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealth asks a running serve's /readyz (on metrics.listen from the
// config, or -url) and exits 0 when it is ready, 1 when not or when it
// cannot be reached: the Dockerfile's HEALTHCHECK, which has no curl.
func runHealth(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("health", stderr)
	cfgPath := fs.String("config", "", "config file (default: the local default)")
	url := fs.String("url", "", "readiness URL (default: http://METRICS_LISTEN/readyz from the config)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *url == "" {
		cfg, ok := loadConfig(*cfgPath, io.Discard)
		if !ok {
			loadConfig(*cfgPath, stderr) // print why
			return 2
		}
		*url = "http://" + dialable(cfg.Metrics.Listen) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "mailward health: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "mailward health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	io.Copy(stdout, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// dialable turns a listen address into one to connect to: a wildcard host
// (0.0.0.0, ::, empty) becomes the loopback address.
func dialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
