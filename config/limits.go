package config

import "time"

// Limits bound every SMTP session. None may be zero: go-smtp reads zero as
// "unlimited", so defaults fill every gap.
type Limits struct {
	// MaxRecipients per message (452 4.5.3 beyond it). Default 100.
	MaxRecipients int `yaml:"max_recipients"`
	// MaxLineLength of any line, command or message (go-smtp applies one
	// limit to both). RFC 5321 says 1000 octets, but real senders exceed it
	// (long HTML lines), so the default is 10000; a longer line gets
	// 554 5.6.0.
	MaxLineLength int `yaml:"max_line_length"`
	// MaxConnections served at once; more wait in the listen queue's place
	// with a 421. Default 200.
	MaxConnections int `yaml:"max_connections"`
	// MaxConnectionsPerClient is the most connections one untrusted client
	// (an IPv4 address, an IPv6 /64) holds at once; more get 421. Trusted
	// clients are bounded by max_connections only. Default 20.
	MaxConnectionsPerClient int `yaml:"max_connections_per_client"`
	// TrustedReservedConnections of max_connections only trusted clients may
	// use, so the trust's own server always gets in while outsiders fill the
	// rest. Default 20; at most half of max_connections is ever reserved.
	TrustedReservedConnections int `yaml:"trusted_reserved_connections"`
	// MaxTransactionsPerClient is the most open transactions (each holding a
	// next-hop session from its first RCPT to its end) one untrusted client
	// holds at once; a RCPT beyond it gets 451 4.7.0. Default 10.
	MaxTransactionsPerClient int `yaml:"max_transactions_per_client"`
	// TrustedReservedSessions of next_hop.max_sessions only trusted clients'
	// transactions may use, so idle outsiders never fill the next-hop pool.
	// Default 10; at most half of next_hop.max_sessions is ever reserved.
	TrustedReservedSessions int `yaml:"trusted_reserved_sessions"`
	// MaxInflightBytes bounds the memory all messages being received,
	// scanned and relayed hold together, from the first byte of DATA to the
	// final reply. Each message byte is charged at what processing it costs
	// in memory (several copies: see smtp.inflightWeight); a DATA that would
	// pass the budget gets 451 4.3.1 (452 4.3.1 at MAIL when its SIZE
	// already does not fit) and the sender retries; one message is always
	// taken when nothing else is in flight. Peak memory stays near this
	// plus 256 MiB (the Go memory limit is set so, unless GOMEMLIMIT is).
	// Default 512 MiB.
	MaxInflightBytes int64 `yaml:"max_inflight_bytes"`
	// ProxyHeaderTimeout is how long a connection from proxy_networks may
	// take to send its PROXY protocol header; the client's address decides
	// admission, so the greeting waits for it. Default 10s.
	ProxyHeaderTimeout Duration `yaml:"proxy_header_timeout"`
	// MaxReceivedHeaders above which a message is looping (554 5.4.6). Default 50.
	MaxReceivedHeaders int `yaml:"max_received_headers"`
	// CommandTimeout waits for the client's next command. Default 5m.
	CommandTimeout Duration `yaml:"command_timeout"`
	// WriteTimeout bounds each reply written to the client. Default 1m.
	WriteTimeout Duration `yaml:"write_timeout"`
	// DataIdleTimeout is the longest pause between bytes during DATA. Default 2m.
	DataIdleTimeout Duration `yaml:"data_idle_timeout"`
	// DataTimeout caps the whole DATA upload. Default 10m.
	DataTimeout Duration `yaml:"data_timeout"`
	// NextHopTimeout bounds connecting to and each command with the next hop. Default 30s.
	NextHopTimeout Duration `yaml:"next_hop_timeout"`
	// ReplyDeadline is the most time between the end-of-data dot and the final
	// reply, whatever happens. Default 300s; sending MTAs give up near 600s.
	ReplyDeadline Duration `yaml:"reply_deadline"`
}

func (l *Limits) applyDefaults() {
	setInt(&l.MaxRecipients, 100)
	setInt(&l.MaxLineLength, 10000)
	setInt(&l.MaxConnections, 200)
	setInt(&l.MaxReceivedHeaders, 50)
	setInt(&l.MaxConnectionsPerClient, 20)
	setInt(&l.TrustedReservedConnections, 20)
	setInt(&l.MaxTransactionsPerClient, 10)
	setInt(&l.TrustedReservedSessions, 10)
	if l.MaxInflightBytes == 0 {
		l.MaxInflightBytes = 512 << 20
	}
	setDur(&l.ProxyHeaderTimeout, 10*time.Second)
	setDur(&l.CommandTimeout, 5*time.Minute)
	setDur(&l.WriteTimeout, time.Minute)
	setDur(&l.DataIdleTimeout, 2*time.Minute)
	setDur(&l.DataTimeout, 10*time.Minute)
	setDur(&l.NextHopTimeout, 30*time.Second)
	setDur(&l.ReplyDeadline, 300*time.Second)
}

func (l *Limits) validate(v *validator) {
	positive(v, "limits.max_recipients", l.MaxRecipients)
	positive(v, "limits.max_line_length", l.MaxLineLength)
	positive(v, "limits.max_connections", l.MaxConnections)
	positive(v, "limits.max_received_headers", l.MaxReceivedHeaders)
	positive(v, "limits.max_connections_per_client", l.MaxConnectionsPerClient)
	positive(v, "limits.trusted_reserved_connections", l.TrustedReservedConnections)
	positive(v, "limits.max_transactions_per_client", l.MaxTransactionsPerClient)
	positive(v, "limits.trusted_reserved_sessions", l.TrustedReservedSessions)
	if l.MaxInflightBytes < 1<<20 {
		v.errorf("limits.max_inflight_bytes", "must be at least 1 MiB, got %d", l.MaxInflightBytes)
	}
	if l.MaxLineLength > 0 && l.MaxLineLength < 512 {
		v.errorf("limits.max_line_length", "must be at least 512 (RFC 5321), got %d", l.MaxLineLength)
	}
	for key, d := range map[string]Duration{
		"limits.command_timeout": l.CommandTimeout, "limits.write_timeout": l.WriteTimeout,
		"limits.data_idle_timeout": l.DataIdleTimeout, "limits.data_timeout": l.DataTimeout,
		"limits.next_hop_timeout": l.NextHopTimeout, "limits.reply_deadline": l.ReplyDeadline,
		"limits.proxy_header_timeout": l.ProxyHeaderTimeout,
	} {
		if d <= 0 {
			v.errorf(key, "must be positive")
		}
	}
	if l.DataIdleTimeout > l.DataTimeout {
		v.errorf("limits.data_idle_timeout", "is longer than limits.data_timeout")
	}
}

// Scan configures the scanner pipeline.
type Scan struct {
	// Budget is the time all scanners together may take for one message. Default 60s.
	Budget Duration `yaml:"budget"`
	// OnError is the action when a scanner's backend is unreachable (clamd
	// down): tempfail (default), deliver or quarantine. Never a silent pass
	// unless an operator writes "deliver" here.
	OnError string `yaml:"on_error"`
}

func (s *Scan) applyDefaults() {
	setDur(&s.Budget, 60*time.Second)
	if s.OnError == "" {
		s.OnError = "tempfail"
	}
}

func (s *Scan) validate(v *validator) {
	if s.Budget <= 0 {
		v.errorf("scan.budget", "must be positive")
	}
	switch s.OnError {
	case "tempfail", "deliver", "quarantine":
	default:
		v.errorf("scan.on_error", "must be tempfail, deliver or quarantine, got %q", s.OnError)
	}
}

// BlockedExt lists attachment extensions that are always suspicious.
type BlockedExt []string

// DefaultBlockedExtensions are extensions Windows runs or mounts on a double-click.
var DefaultBlockedExtensions = []string{
	"exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "wsh", "hta",
	"ps1", "jar", "msi", "lnk", "iso", "img", "vhd", "vhdx", "cpl", "reg", "dll", "msc", "appx",
}

func (b *BlockedExt) applyDefaults() {
	if *b == nil {
		*b = append(BlockedExt(nil), DefaultBlockedExtensions...)
	}
}

func setInt(p *int, d int) {
	if *p == 0 {
		*p = d
	}
}

func setDur(p *Duration, d time.Duration) {
	if *p == 0 {
		*p = Duration(d)
	}
}

func positive(v *validator, key string, n int) {
	if n < 1 {
		v.errorf(key, "must be at least 1, got %d", n)
	}
}
