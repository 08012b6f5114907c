package extract

import (
	"bytes"
	"encoding/base64"
	"math/rand"
	"strings"
	"testing"
)

func TestDecodeBase64(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 2, 3, 4, 100, 3071, 3072, 3073, 10000, 100001} {
		data := make([]byte, n)
		rng.Read(data)
		enc := base64.StdEncoding.EncodeToString(data)
		var wrapped strings.Builder
		for len(enc) > 76 {
			wrapped.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		wrapped.WriteString(enc + "\r\n")
		if got := decodeBase64([]byte(wrapped.String())); !bytes.Equal(got, data) {
			t.Errorf("n=%d: decoded %d bytes, differ", n, len(got))
		}
	}
	// Junk, missing padding and text after the padding, as real mail has.
	for in, want := range map[string]string{
		"aGVsbG8":               "hello",
		"aGVs\r\n bG8=\r\n":     "hello",
		"aGVsbG8=trailing junk": "hello",
		"aG!Vs*bG8=":            "hello",
		"a":                     "",
	} {
		if got := string(decodeBase64([]byte(in))); got != want {
			t.Errorf("decodeBase64(%q) = %q, want %q", in, got, want)
		}
	}
}
