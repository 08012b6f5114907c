package clamav

import (
	"errors"
	"testing"

	"github.com/mailward/mailward/scanner"
)

func TestParseReply(t *testing.T) {
	v, err := parseReply("stream: Win.Test.EICAR_HDB-1 FOUND")
	if err != nil || !v.Infected || v.Signature != "Win.Test.EICAR_HDB-1" {
		t.Errorf("FOUND: %+v %v", v, err)
	}
	if v, err := parseReply("stream: OK"); err != nil || v.Infected {
		t.Errorf("OK: %+v %v", v, err)
	}
	if _, err := parseReply("INSTREAM size limit exceeded. ERROR"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size: %v", err)
	}
	if _, err := parseReply("Something broke. ERROR"); !errors.Is(err, scanner.ErrUnavailable) {
		t.Errorf("error: %v", err)
	}
}
