package extract

// The bomb corpus: hostile messages generated here (never committed as
// large files). Each must end within its limit, with the limit recorded,
// and without holding more memory than the limits allow.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// deflateZeros is a raw deflate stream of n MiB of zeros, built quickly:
// once the compressor is in its steady state every flushed MiB of zeros
// compresses to the same bytes, so they are repeated rather than computed.
func deflateZeros(n int) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	chunk := make([]byte, 1<<20)
	var blocks [][]byte
	for i := 0; i < 3 && i < n; i++ {
		start := b.Len()
		fw.Write(chunk)
		fw.Flush()
		blocks = append(blocks, append([]byte(nil), b.Bytes()[start:]...))
	}
	out := bytes.NewBuffer(nil)
	for _, blk := range blocks {
		out.Write(blk)
	}
	for i := len(blocks); i < n; i++ {
		out.Write(blocks[len(blocks)-1])
	}
	out.Write([]byte{0x03, 0x00}) // an empty final block
	return out.Bytes()
}

// zipBomb is a zip whose one entry inflates to n MiB of zeros; declared is
// the uncompressed size its header claims (a liar claims little).
func zipBomb(n int, declared uint64) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	data := deflateZeros(n)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "zeros.bin", Method: zip.Deflate,
		CompressedSize64: uint64(len(data)), UncompressedSize64: declared})
	w.Write(data)
	zw.Close()
	return b.Bytes()
}

// nestedZips wraps data in depth zips of width copies each (42.zip style).
func nestedZips(data []byte, depth, width int) []byte {
	for d := 0; d < depth; d++ {
		var files []any
		for i := 0; i < width; i++ {
			files = append(files, fmt.Sprintf("layer%d-%d.zip", d, i), data)
		}
		data = zipOf(files...)
	}
	return data
}

func TestBombs(t *testing.T) {
	tests := []struct {
		name  string
		build func() []byte
		lim   Limits
		// limit is a substring of the expected Limits entry ("" for none).
		limit string
		// maxAlloc bounds the bytes allocated while extracting.
		maxAlloc uint64
	}{
		{"zip bomb 4 GiB of zeros", func() []byte {
			return mail("bomb", "x", part{"bomb.zip", "application/zip", zipBomb(4096, 4<<30), false})
		}, Limits{}, "compression ratio above 100 in attachment 1", 100 << 20},
		{"zip bomb with a lying size is cut at the size it declares, unread beyond", func() []byte {
			return mail("bomb", "x", part{"bomb.zip", "application/zip", zipBomb(1024, 1000), false})
		}, Limits{}, "attachment 1 (zip): member could not be fully decompressed", 20 << 20},
		{"nested zip bomb 16^5", func() []byte {
			return mail("bomb", "x", part{"42.zip", "application/zip", nestedZips(zipBomb(4096, 4<<30), 5, 16), false})
		}, Limits{}, "compression ratio above 100 in attachment 1", 100 << 20},
		{"zip nested deeper than the limit", func() []byte {
			return mail("deep", "x", part{"deep.zip", "application/zip", nestedZips([]byte("hello"), 8, 1), false})
		}, Limits{}, "nesting deeper than 5 in attachment 1", 10 << 20},
		{"gzip bomb", func() []byte {
			// A gzip member declares no size up front: only the ratio stops it.
			b := bytes.NewBuffer([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
			b.Write(deflateZeros(256))
			b.Write(make([]byte, 8)) // CRC and size trailer, never reached
			return mail("bomb", "x", part{"a.txt", "text/plain", []byte("first"), false}, part{"zeros.gz", "application/gzip", b.Bytes(), false})
		}, Limits{}, "compression ratio above 100 in attachment 2", 320 << 20}, // 50 MB read into a doubling buffer; more under -race
		{"tar with 5000 entries", func() []byte {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			for i := 0; i < 5000; i++ {
				tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%d.txt", i), Size: 1, Mode: 0o644, Typeflag: tar.TypeReg})
				tw.Write([]byte("x"))
			}
			tw.Close()
			return mail("many", "x", part{"many.tar", "application/x-tar", b.Bytes(), false})
		}, Limits{}, "more than 1000 entries in an archive in attachment 1", 100 << 20},
		{"1,000 nested multiparts", func() []byte {
			var b strings.Builder
			b.WriteString("From: a@example.org\r\nSubject: nest\r\nMIME-Version: 1.0\r\n")
			for i := 0; i < 1000; i++ {
				fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
			}
			b.WriteString("Content-Type: text/plain\r\n\r\ninnermost\r\n")
			for i := 999; i >= 0; i-- {
				fmt.Fprintf(&b, "--b%d--\r\n", i)
			}
			return []byte(b.String())
		}, Limits{}, "MIME nesting deeper than 50", 200 << 20},
		{"1,000 nested multiparts, broken", func() []byte {
			// No closing delimiters: the fast reader refuses it, and enmime
			// (depth times size) must not be given it either.
			var b strings.Builder
			b.WriteString("From: a@example.org\r\nSubject: nest\r\nMIME-Version: 1.0\r\n")
			for i := 0; i < 1000; i++ {
				fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
			}
			b.WriteString("Content-Type: text/plain\r\n\r\n" + strings.Repeat("innermost\r\n", 100000))
			return []byte(b.String())
		}, Limits{}, "malformed MIME structure with more than 100 boundaries", 50 << 20},
		{"1,000 sibling parts", func() []byte {
			var ps []part
			for i := 0; i < 1000; i++ {
				ps = append(ps, part{fmt.Sprintf("n%d.txt", i), "text/plain", []byte("note"), false})
			}
			return mail("many", "x", ps...)
		}, Limits{}, "more than 1000 MIME parts", 200 << 20},
		{"1,000 nested forwarded messages", func() []byte {
			m := mail("innermost", "x")
			for i := 0; i < 1000; i++ {
				m = mail("fwd", "x", part{"fwd.eml", "message/rfc822", m, false})
			}
			return m
		}, Limits{}, "nesting deeper than 5 in attachment 1", 600 << 20},
		{"100k-line header", func() []byte {
			var b strings.Builder
			b.WriteString("From: a@example.org\r\nSubject: long\r\n")
			for i := 0; i < 100000; i++ {
				fmt.Fprintf(&b, "X-Junk-%d: some value that repeats\r\n", i)
			}
			b.WriteString("Received: from x\r\n")
			for i := 0; i < 100000; i++ {
				b.WriteString(" folded continuation line\r\n")
			}
			b.WriteString("\r\nbody\r\n")
			return []byte(b.String())
		}, Limits{}, "", 500 << 20},
		{"total bytes", func() []byte {
			return mail("big", "x", part{"a.bin", "application/octet-stream", bytes.Repeat([]byte("abcdefgh"), 512<<10), false})
		}, Limits{MaxBytes: 1 << 20}, "more than 1 MB extracted in attachment 1", 100 << 20},
		{"time budget", func() []byte {
			return mail("slow", "x", part{"a.zip", "application/zip", nestedZips([]byte("x"), 3, 10), false})
		}, Limits{Budget: time.Nanosecond}, "extraction time budget of 1ns spent", 50 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.build()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			w := newWalker(context.Background(), tc.lim)
			if err := w.run(raw); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			r := w.res
			if took > 15*time.Second {
				t.Errorf("took %s", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.maxAlloc {
				t.Errorf("allocated %d MB, bound %d MB", alloc>>20, tc.maxAlloc>>20)
			}
			if tc.limit == "" {
				if len(r.Limits) > 0 {
					t.Errorf("limits %v", r.Limits)
				}
				return
			}
			found := false
			for _, l := range r.Limits {
				found = found || strings.Contains(l, tc.limit)
			}
			if !found {
				t.Errorf("limits %v, want one containing %q", r.Limits, tc.limit)
			}
			t.Logf("%s in %s, %d items, limits %v", tc.name, took.Round(time.Millisecond), len(r.Items), r.Limits)
		})
	}
}
