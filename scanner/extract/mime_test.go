package extract

import (
	"bytes"
	"context"
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
		if got, pad := decodeBase64([]byte(wrapped.String())); !bytes.Equal(got, data) || pad {
			t.Errorf("n=%d: decoded %d bytes, differ (padding inside: %v)", n, len(got), pad)
		}
	}
	// Junk, missing padding, '=' where no group ends, and padding that ends
	// a group with more data after it (readers disagree: flagged).
	for _, tc := range []struct {
		in, want string
		pad      bool
	}{
		{"aGVsbG8", "hello", false},
		{"aGVs\r\n bG8=\r\n", "hello", false},
		{"aG!Vs*bG8=", "hello", false},
		{"a", "", false},
		{"aGVs=bG8=", "hello", false},        // '=' between whole groups: skipped by every reader
		{"aG=Vs bG8=", "hello", false},       // a lone '=' after two characters ends nothing
		{"aGVsbG8=\r\n\r\n", "hello", false}, // trailing padding
		{"aGk=aGk=", "hi\x1a\x1a", true},     // enmime reads on, Python stops at "hi"
		{"aGVsbG8=dHJhaWxpbmc", "hello\x1d\x1c\x98Z[\x1a[\x99", true},
	} {
		got, pad := decodeBase64([]byte(tc.in))
		if string(got) != tc.want || pad != tc.pad {
			t.Errorf("decodeBase64(%q) = %q, %v; want %q, %v", tc.in, got, pad, tc.want, tc.pad)
		}
	}
}

func TestUUDecode(t *testing.T) {
	// "Cat" uuencoded, and a broken block that stays text.
	text := "Hello,\nbegin 644 cat.txt\n#0V%T\n`\nend\nbye\nbegin 644 broken.bin\nnot uuencoded at all\n"
	got, files := uudecode(text)
	if len(files) != 1 || files[0].name != "cat.txt" || string(files[0].data) != "Cat" {
		t.Fatalf("files %+v", files)
	}
	if got != "Hello,\nbye\nbegin 644 broken.bin\nnot uuencoded at all\n" {
		t.Errorf("text %q", got)
	}
}

func TestEncryptedParts(t *testing.T) {
	raw := "From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n" +
		"--o\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIB\r\n" +
		"--o\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=e\r\n\r\n" +
		"--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\nhQEMA\r\n-----END PGP MESSAGE-----\r\n--e--\r\n" +
		"--o\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIB\r\n--o--\r\n"
	r, err := Extract(context.Background(), []byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var enc []bool
	for _, it := range r.Items {
		enc = append(enc, it.Encrypted)
	}
	if len(enc) != 3 || !enc[0] || !enc[1] || enc[2] {
		t.Errorf("encrypted flags %v, want [true true false]", enc)
	}
}
