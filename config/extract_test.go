package config

import (
	"strings"
	"testing"
	"time"
)

func TestExtractAndClamAVKeys(t *testing.T) {
	c, err := Parse([]byte("extract:\n  max_depth: 3\n  max_entries: 50\n  max_parts: 200\n  max_bytes: 10485760\n  max_ratio: 20\n  max_text_bytes: 65536\n  budget: 5s\n" +
		"clamav:\n  address: unix:/run/clamav/clamd.ctl\n  timeout: 10s\n  connect_timeout: 1s\n  max_stream_bytes: 1048576\n"))
	if err != nil {
		t.Fatal(err)
	}
	x := c.Extract
	if x.MaxDepth != 3 || x.MaxEntries != 50 || x.MaxParts != 200 || x.MaxBytes != 10<<20 || x.MaxRatio != 20 || x.MaxTextBytes != 65536 || x.Budget.D() != 5*time.Second {
		t.Errorf("extract %+v", x)
	}
	if c.ClamAV.Timeout.D() != 10*time.Second || c.ClamAV.ConnectTimeout.D() != time.Second || c.ClamAV.MaxStreamBytes != 1<<20 {
		t.Errorf("clamav %+v", c.ClamAV)
	}

	d := Default()
	if d.Extract.MaxDepth != 5 || d.Extract.MaxEntries != 1000 || d.Extract.MaxParts != 1000 || d.Extract.MaxBytes != 100<<20 ||
		d.Extract.MaxRatio != 100 || d.Extract.Budget.D() != 20*time.Second || d.ClamAV.Timeout.D() != 30*time.Second || d.ClamAV.MaxStreamBytes != 25<<20 {
		t.Errorf("defaults %+v %+v", d.Extract, d.ClamAV)
	}

	for yaml, want := range map[string]string{
		"extract:\n  max_depth: -1\n":          "line 2: extract.max_depth",
		"extract:\n  max_ratio: 1\n":           "line 2: extract.max_ratio",
		"extract:\n  max_bytes: 10\n":          "line 2: extract.max_bytes",
		"extract:\n  budget: -1s\n":            "line 2: extract.budget",
		"clamav:\n  max_stream_bytes: 10\n":    "line 2: clamav.max_stream_bytes",
		"extract:\n  max_depht: 3\n":           "max_depht",
		"clamav:\n  address: 127.0.0.1:3310\n": "clamav.address",
	} {
		_, err := Parse([]byte(yaml))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", yaml, err, want)
		}
	}
}
