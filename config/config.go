// Package config loads and validates mailward's YAML configuration.
//
// The keys are a contract (see DESIGN.md): operators and other tools depend on
// them, so unknown keys are errors and every error names the key and its line.
// Each section the issues add lives in its own file beside this one.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole of mailward's configuration.
type Config struct {
	Domains         []string `yaml:"domains"`
	TrustedNetworks []string `yaml:"trusted_networks"`
	// TrustedClients are trusted by TLS client certificate and tenant
	// check, for shared ranges (trust.go).
	TrustedClients   []TrustedClient `yaml:"trusted_clients"`
	ProxyNetworks    []string        `yaml:"proxy_networks"`
	Listen           string          `yaml:"listen"`
	Hostname         string          `yaml:"hostname"`
	MaxMessageBytes  int64           `yaml:"max_message_bytes"`
	NextHop          NextHop         `yaml:"next_hop"`
	Quarantine       Quarantine      `yaml:"quarantine"`
	Review           Review          `yaml:"review"`
	Metrics          Metrics         `yaml:"metrics"`
	Redis            Redis           `yaml:"redis"`
	ReportAddresses  []string        `yaml:"report_addresses"`
	ClamAV           ClamAV          `yaml:"clamav"`
	Tracker          Tracker         `yaml:"tracker"`
	TLS              TLS             `yaml:"tls"`
	Limits           Limits          `yaml:"limits"`
	Scan             Scan            `yaml:"scan"`
	Rules            []Rule          `yaml:"rules"`
	BlockedExtension BlockedExt      `yaml:"blocked_extensions"`
	Log              Log             `yaml:"log"`
	Extract          Extract         `yaml:"extract"`
	PupilData        PupilData       `yaml:"pupil_data"`
	Offensive        Offensive       `yaml:"offensive"`
	ChainMail        ChainMail       `yaml:"chain_mail"`
	Directory        Directory       `yaml:"directory"`
	Alerts           Alerts          `yaml:"alerts"`
	Milter           Milter          `yaml:"milter"`
	// Tracking is message tracking and the trend report (issue 14,
	// tracking.go).
	Tracking Tracking `yaml:"tracking"`
	// Lists are the allow and block lists (issue 14, lists.go).
	Lists Lists `yaml:"lists"`
	// Store is the shared PostgreSQL store (issue 15, store.go).
	Store Store `yaml:"store"`

	// Impersonation is the impersonation detector's section (issue 16).
	Impersonation Impersonation `yaml:"impersonation"`
	// Links and Credentials are the link and shared-password detectors'
	// sections (issue 16).
	Links       Links       `yaml:"links"`
	Credentials Credentials `yaml:"credentials"`
	// DNS and Authentication are the inbound SPF/DKIM/DMARC/ARC check's
	// resolver and settings (issue 16, config/auth.go).
	DNS            DNS            `yaml:"dns"`
	Authentication Authentication `yaml:"authentication"`

	// RulesMonitor runs the whole policy in log-only mode (issue 7): every
	// rule logs what it would do and mail is delivered (tagged), so a school
	// can trial the policy without holding mail.
	RulesMonitor bool `yaml:"rules_monitor"`

	// root keeps the parsed YAML so that validation errors can name a line.
	root *yaml.Node
	// Warnings are problems that do not stop mailward but that an operator
	// should hear about, such as a public range in trusted_networks.
	Warnings []string `yaml:"-"`
	// Source is the file the config came from, empty for the built-in default.
	Source string `yaml:"-"`
}

// NextHop says where accepted mail goes for each direction: smtp://host:port
// or maildir:DIR.
type NextHop struct {
	Inbound     string `yaml:"inbound"`
	Outbound    string `yaml:"outbound"`
	MaxSessions int    `yaml:"max_sessions"`
}

// Quarantine is where held mail is kept.
type Quarantine struct {
	Dir           string `yaml:"dir"`
	RetentionDays int    `yaml:"retention_days"`
}

// Metrics serves /metrics, /healthz and /readyz.
type Metrics struct {
	Listen string `yaml:"listen"`
}

// Redis configures the shared tracker; an empty URL means the in-process one.
type Redis struct {
	URL string `yaml:"url"`
}

// TLS holds the certificate offered with STARTTLS.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA verifies the certificates clients present (trusted_clients):
	// a PEM bundle; empty means the system's roots.
	ClientCA string `yaml:"client_ca"`
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"`
	// Format is text (the default, key=value lines) or json (one object
	// per line, for log collectors).
	Format        string `yaml:"format"`
	RetentionDays int    `yaml:"retention_days"`
}

// Error is a configuration error that names the key and, where known, its line.
type Error struct {
	Key  string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Key, e.Msg)
}

// Errors is every problem found in one config.
type Errors []error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Load reads, defaults and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if c != nil {
		c.Source = path
	}
	return c, err
}

// Default is the local default that `mailward serve` runs with no config.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

// Parse decodes YAML strictly, applies defaults and validates.
func Parse(data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{fmt.Errorf("config: %w", err)}
	}
	c := &Config{root: &root}
	// Unknown keys and wrong types first, every one by key path and line
	// (schema.go); then the strict decode, which should find nothing more.
	if errs := checkSchema(&root, reflect.TypeFor[Config]()); len(errs) > 0 {
		return nil, append(errs, c.validateDespite(data, errs)...)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{fmt.Errorf("config: %w", err)}
	}
	c.applyDefaults()
	if errs := c.validate(); len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

// validateDespite decodes what it can of a config that has schema errors
// and validates it, so that one run of check-config reports every problem;
// keys the schema errors already name are left out.
func (c *Config) validateDespite(data []byte, schemaErrs Errors) Errors {
	_ = yaml.Unmarshal(data, c) // type errors are already reported
	c.applyDefaults()
	bad := map[string]bool{}
	for _, e := range schemaErrs {
		if ce, ok := e.(*Error); ok {
			bad[ce.Key] = true
		}
	}
	var out Errors
	for _, e := range c.validate() {
		if ce, ok := e.(*Error); ok && bad[ce.Key] {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (c *Config) applyDefaults() {
	if len(c.Domains) == 0 {
		c.Domains = []string{"localhost"}
	}
	if c.TrustedNetworks == nil {
		c.TrustedNetworks = []string{"127.0.0.1/32"}
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:2525"
	}
	if c.Hostname == "" {
		c.Hostname = "mailward.localhost"
		if h, err := os.Hostname(); err == nil && h != "" {
			c.Hostname = h
		}
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 25 << 20
	}
	if c.NextHop.Inbound == "" {
		c.NextHop.Inbound = "maildir:./var/delivered"
	}
	if c.NextHop.Outbound == "" {
		if c.root != nil && !strings.HasPrefix(c.NextHop.Inbound, "maildir:") {
			c.Warnings = append(c.Warnings, "next_hop.outbound: not set, so outbound mail goes to next_hop.inbound ("+c.NextHop.Inbound+")")
		}
		c.NextHop.Outbound = c.NextHop.Inbound
	}
	if c.NextHop.MaxSessions == 0 {
		c.NextHop.MaxSessions = 100
	}
	if c.Quarantine.Dir == "" {
		c.Quarantine.Dir = "./var/quarantine"
	}
	if c.Quarantine.RetentionDays == 0 {
		c.Quarantine.RetentionDays = 30
	}
	if c.Review.Listen == "" {
		c.Review.Listen = "127.0.0.1:8025"
	}
	if c.Metrics.Listen == "" {
		c.Metrics.Listen = "127.0.0.1:9025"
	}
	if c.Log.RetentionDays == 0 {
		c.Log.RetentionDays = 90
	}
	c.Tracker.applyDefaults()
	c.Limits.applyDefaults()
	c.Scan.applyDefaults()
	c.BlockedExtension.applyDefaults()
	c.Extract.applyDefaults()
	c.PupilData.applyDefaults()
	c.Offensive.applyDefaults()
	c.ChainMail.applyDefaults()
	c.Alerts.applyDefaults()
	c.Tracking.applyDefaults(c.Quarantine.Dir)
	c.Lists.applyDefaults(c.Quarantine.Dir)
	c.ClamAV.applyDefaults()
	c.Review.applyDefaults()
	c.Directory.applyDefaults()
	c.Milter.applyDefaults()
	c.Links.applyDefaults()
	c.Credentials.applyDefaults()
	c.DNS.applyDefaults()
	c.Authentication.applyDefaults(c.Hostname)
	if c.Rules == nil {
		c.Rules = DefaultRules()
	}
}

// validator collects errors while validation walks the config.
type validator struct {
	c    *Config
	errs Errors
}

func (v *validator) errorf(key, format string, args ...any) {
	v.errs = append(v.errs, &Error{Key: key, Line: v.c.Line(key), Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) warnf(key, format string, args ...any) {
	e := &Error{Key: key, Line: v.c.Line(key), Msg: fmt.Sprintf(format, args...)}
	v.c.Warnings = append(v.c.Warnings, e.Error())
}

func (c *Config) validate() Errors {
	v := &validator{c: c}
	for i, d := range c.Domains {
		if _, err := NormalizeDomain(strings.TrimPrefix(d, "*.")); err != nil || d == "" {
			v.errorf(fmt.Sprintf("domains.%d", i), "bad domain %q", d)
		}
	}
	validateMore(v, c) // trusted_networks, trusted_clients, proxy_networks, ... (checks.go)
	if _, _, err := splitHostPort(c.Listen); err != nil {
		v.errorf("listen", "%v", err)
	}
	if c.MaxMessageBytes < 1024 {
		v.errorf("max_message_bytes", "must be at least 1024, got %d", c.MaxMessageBytes)
	}
	for _, hop := range []struct{ key, url string }{{"next_hop.inbound", c.NextHop.Inbound}, {"next_hop.outbound", c.NextHop.Outbound}} {
		if _, err := ParseHop(hop.url); err != nil {
			v.errorf(hop.key, "%v", err)
		}
	}
	if c.NextHop.MaxSessions < 1 {
		v.errorf("next_hop.max_sessions", "must be at least 1")
	}
	if c.Quarantine.RetentionDays < 1 {
		v.errorf("quarantine.retention_days", "must be at least 1")
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		v.errorf("tls", "cert and key must be given together")
	}
	if c.Redis.URL != "" && !strings.HasPrefix(c.Redis.URL, "redis://") && !strings.HasPrefix(c.Redis.URL, "rediss://") && !strings.HasPrefix(c.Redis.URL, "unix://") {
		v.errorf("redis.url", "must start with redis://, rediss:// or unix://")
	}
	if c.ClamAV.Address != "" && !strings.HasPrefix(c.ClamAV.Address, "tcp://") && !strings.HasPrefix(c.ClamAV.Address, "unix:") {
		v.errorf("clamav.address", "must be tcp://host:port or unix:/path")
	}
	c.Tracker.validate(v)
	c.Limits.validate(v)
	c.Scan.validate(v)
	validateRules(v, c.Rules)
	c.Extract.validate(v)
	c.PupilData.validate(v)
	c.Offensive.validate(v)
	c.ChainMail.validate(v)
	c.Alerts.validate(v)
	c.ClamAV.validate(v)
	c.Review.validate(v)
	c.Directory.validate(v)
	c.Milter.validate(v)
	c.Impersonation.validate(v)
	c.Links.validate(v)
	c.Credentials.validate(v)
	c.Tracking.validate(v)
	c.Lists.validate(v)
	c.Store.validate(v)
	c.DNS.validate(v)
	c.Authentication.validate(v)
	return v.errs
}

// Line returns the line in the source YAML of a dotted key such as
// "next_hop.inbound" or "trusted_networks.2", or 0 when unknown.
func (c *Config) Line(key string) int {
	if c.root == nil || len(c.root.Content) == 0 {
		return 0
	}
	n := c.root.Content[0]
	line := 0
	for _, part := range strings.Split(key, ".") {
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == part {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscanf(part, "%d", &idx); err != nil || idx < 0 || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		default:
			return line
		}
	}
	return line
}

// Duration is a time.Duration that reads "90s" or "24h" from YAML.
type Duration time.Duration

// UnmarshalYAML accepts Go duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in Go's notation.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
