package config

import (
	"strings"
	"testing"
)

// TestMilterConfig: milter.listen and milter.quarantine are checked, and a
// milter socket open beyond loopback or a private network is warned about.
func TestMilterConfig(t *testing.T) {
	tests := []struct {
		yaml       string
		err, warn  string
		quarantine string
	}{
		{yaml: "milter: {listen: 127.0.0.1:8891}", quarantine: MilterStore},
		{yaml: "milter: {listen: 10.1.2.3:8891, quarantine: hold}", quarantine: MilterHold},
		{yaml: "milter: {listen: 0.0.0.0:8891}", warn: "line 1: milter.listen: 0.0.0.0 is not a loopback or private address"},
		{yaml: "milter: {listen: 192.0.2.10:8891}", warn: "milter.listen: 192.0.2.10 is not a loopback or private address"},
		{yaml: "milter: {listen: localhost}", err: "milter.listen: bad address"},
		{yaml: "milter: {quarantine: discard}", err: `line 1: milter.quarantine: must be "store" or "hold", got "discard"`},
		{yaml: "milter: {listen: 127.0.0.1:8891, socket: x}", err: "socket"},
	}
	for _, tc := range tests {
		c, err := Parse([]byte(tc.yaml + "\n"))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.yaml, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.yaml, err)
			continue
		}
		if c.Milter.Quarantine != tc.quarantine && tc.quarantine != "" {
			t.Errorf("%s: quarantine %q", tc.yaml, c.Milter.Quarantine)
		}
		warned := strings.Join(c.Warnings, "\n")
		if tc.warn != "" && !strings.Contains(warned, tc.warn) || tc.warn == "" && strings.Contains(warned, "milter") {
			t.Errorf("%s: warnings %q, want %q", tc.yaml, warned, tc.warn)
		}
	}
}
