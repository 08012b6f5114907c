package config

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// LogLevels are the values log.level takes (slog's levels).
var LogLevels = []string{"debug", "info", "warn", "error"}

// validateMore checks the values validate() long accepted without a look:
// enum-like fields, addresses, negative counts, files that serve would
// only fail on at start.
func validateMore(v *validator, c *Config) {
	validateTrustedNetworks(v, c)
	validateTrustedClients(v, c)
	if l := c.Log.Level; l != "" && !contains(LogLevels, strings.ToLower(l)) {
		v.errorf("log.level", "unknown level %q (want one of %s)", l, strings.Join(LogLevels, ", "))
	}
	if f := c.Log.Format; f != "" && f != "text" && f != "json" {
		v.errorf("log.format", "unknown format %q (want text or json)", f)
	}
	if c.Log.RetentionDays < 0 {
		v.errorf("log.retention_days", "must not be negative, got %d", c.Log.RetentionDays)
	}
	if _, _, err := splitHostPort(c.Metrics.Listen); err != nil {
		v.errorf("metrics.listen", "%v", err)
	}
	if strings.ContainsAny(c.Hostname, " \t\r\n<>[]@/\\") {
		v.errorf("hostname", "want a host name (it goes in the greeting and Received:), got %q", c.Hostname)
	}
	for i, a := range c.ReportAddresses {
		if !plainAddress(a) {
			v.errorf(fmt.Sprintf("report_addresses.%d", i), "want an address, got %q", a)
		}
	}
	for i, e := range c.BlockedExtension {
		if e == "" || strings.ContainsAny(e, "./\\ *") {
			v.errorf(fmt.Sprintf("blocked_extensions.%d", i), "want an extension without its dot (exe, js), got %q", e)
		}
	}
	if c.TLS.Cert != "" && c.TLS.Key != "" {
		if _, err := tls.LoadX509KeyPair(c.TLS.Cert, c.TLS.Key); err != nil {
			v.errorf("tls.cert", "%v", err)
		}
	}
	// Categories named by the review page: a typo would silently leave the
	// intended restriction out. Warnings, since held messages may carry
	// categories of other versions (never_display: [csam]).
	for cat := range c.Review.Read {
		if cat != "*" && !contains(Categories, cat) {
			v.warnf("review.read."+cat, "unknown category %q (known: %s)", cat, strings.Join(Categories, ", "))
		}
	}
	for i, u := range c.Review.Users {
		for j, cat := range u.Read {
			if !contains(Categories, cat) {
				v.warnf(fmt.Sprintf("review.users.%d.read.%d", i, j), "unknown category %q (known: %s)", cat, strings.Join(Categories, ", "))
			}
		}
	}
}
