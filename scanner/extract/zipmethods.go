package extract

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// Zip compression methods beyond archive/zip's Store (0) and Deflate (8)
// that 7-Zip, WinZip and bsdtar write and extract, and which a mail client's
// user can therefore open: each is read here, so that its member is scanned
// like any other. Any other method leaves the member unread, which makes
// the item incomplete (its name is still checked).
const (
	zipBzip2 = 12
	zipLZMA  = 14
	zipZstd  = 93
	zipXZ    = 95
)

// maxZipDict bounds the dictionary (window) a member's decoder may use:
// what the strongest 7-Zip settings write. The dictionary is allocated up
// front, so a hostile header must not choose it freely.
const maxZipDict = 64 << 20

// registerDecompressors makes zr read bzip2, LZMA, Zstandard and xz members.
func registerDecompressors(zr *zip.Reader) {
	// LZMA carries no size of its own in a zip; the decoder's dictionary is
	// cut to the member's declared size (a larger one can never be used).
	sizes := map[int64]uint64{}
	for _, f := range zr.File {
		if f.Method == zipLZMA {
			if off, err := f.DataOffset(); err == nil {
				sizes[off] = f.UncompressedSize64
			}
		}
	}
	zr.RegisterDecompressor(zipBzip2, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(bzip2.NewReader(r))
	})
	zr.RegisterDecompressor(zipLZMA, func(r io.Reader) io.ReadCloser {
		size := int64(-1)
		if sr, ok := r.(*io.SectionReader); ok {
			if _, off, _ := sr.Outer(); off >= 0 {
				if s, ok := sizes[off]; ok && s < 1<<62 {
					size = int64(s)
				}
			}
		}
		lr, err := zipLZMAReader(r, size)
		if err != nil {
			return io.NopCloser(&errReader{err})
		}
		return io.NopCloser(lr)
	})
	zr.RegisterDecompressor(zipZstd, func(r io.Reader) io.ReadCloser {
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZipDict),
			zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return io.NopCloser(&errReader{err})
		}
		return d.IOReadCloser()
	})
	zr.RegisterDecompressor(zipXZ, func(r io.Reader) io.ReadCloser {
		xr, err := xz.ReaderConfig{DictCap: maxZipDict, SingleStream: false}.NewReader(r)
		if err != nil {
			return io.NopCloser(&errReader{err})
		}
		return io.NopCloser(xr)
	})
}

// errReader fails every read with err: a decompressor that could not start.
type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

// zipLZMAReader reads a zip LZMA member (APPNOTE 5.8.8): a 2-byte version,
// a 2-byte properties size, the 5-byte LZMA properties, then the stream,
// with or without an end marker. size is the uncompressed size, -1 when
// unknown. The classic .lzma header is rebuilt for the decoder.
func zipLZMAReader(r io.Reader, size int64) (io.Reader, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("lzma member header: %w", err)
	}
	n := int(binary.LittleEndian.Uint16(h[2:]))
	if n != 5 {
		return nil, fmt.Errorf("lzma properties of %d bytes", n)
	}
	var hdr [13]byte
	if _, err := io.ReadFull(r, hdr[:5]); err != nil {
		return nil, fmt.Errorf("lzma properties: %w", err)
	}
	dict := int64(binary.LittleEndian.Uint32(hdr[1:5]))
	if size >= 0 && size < dict {
		dict = size
	}
	if dict < lzma.MinDictCap {
		dict = lzma.MinDictCap
	}
	if dict > maxZipDict {
		return nil, fmt.Errorf("lzma dictionary of %d bytes", dict)
	}
	binary.LittleEndian.PutUint32(hdr[1:5], uint32(dict))
	if size >= 0 {
		binary.LittleEndian.PutUint64(hdr[5:], uint64(size))
	} else {
		binary.LittleEndian.PutUint64(hdr[5:], ^uint64(0))
	}
	return lzma.ReaderConfig{DictCap: maxZipDict}.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), r))
}

// localEntry is a member found by walking local file headers.
type localEntry struct {
	name      string
	method    uint16
	flags     uint16
	packed    []byte
	size      int64
	truncated bool
}

// maxLocalScan bounds the local headers walked in one damaged zip.
const maxLocalScan = 100000

// localEntries walks the local file headers of a zip whose central
// directory is missing or damaged, as 7-Zip and streaming unzippers do:
// each header gives the member's name, method and (unless bit 3 of the
// flags defers them to a data descriptor) its sizes. A member whose size
// is deferred is found by inflating it (deflate knows where it ends) or,
// for other methods, by the next signature. damaged is set when some bytes
// could not be accounted for (a member cut short, junk between members) or
// no member was found.
//
// known maps the data offsets of members the central directory lists to
// their compressed sizes: those are stepped over, not returned, so that
// only members the directory does not list are (a zip concatenated to
// another, or with entries left out of its directory: readers disagree on
// which they show, so every one is scanned).
func localEntries(data []byte, known map[int64]int64) (es []localEntry, damaged bool) {
	sig := []byte("PK\x03\x04")
	p := bytes.Index(data, sig)
	for p >= 0 && len(es) < maxLocalScan {
		d := data[p:]
		if len(d) < 30 {
			return es, true
		}
		if n, ok := known[int64(p)+30+int64(binary.LittleEndian.Uint16(d[26:]))+int64(binary.LittleEndian.Uint16(d[28:]))]; ok {
			// Listed by the directory: step over its data.
			next := int64(p) + 30 + int64(binary.LittleEndian.Uint16(d[26:])) + int64(binary.LittleEndian.Uint16(d[28:])) + n
			if next > int64(len(data)) {
				return es, true
			}
			i := bytes.Index(data[next:], sig)
			if i < 0 {
				break
			}
			p = int(next) + i
			continue
		}
		flags := binary.LittleEndian.Uint16(d[6:])
		method := binary.LittleEndian.Uint16(d[8:])
		csize := int64(binary.LittleEndian.Uint32(d[18:]))
		usize := int64(binary.LittleEndian.Uint32(d[22:]))
		nlen := int(binary.LittleEndian.Uint16(d[26:]))
		xlen := int(binary.LittleEndian.Uint16(d[28:]))
		if 30+nlen+xlen > len(d) {
			return es, true
		}
		name := string(d[30 : 30+nlen])
		extra := d[30+nlen : 30+nlen+xlen]
		if csize == 0xFFFFFFFF || usize == 0xFFFFFFFF {
			usize, csize = zip64Sizes(extra, usize, csize)
		}
		body := d[30+nlen+xlen:]
		if known != nil && !plausibleLocal(d, nlen, csize, flags, int64(len(body))) {
			// A signature inside other data (an installer stub, a
			// comment): not a member.
			i := bytes.Index(data[p+4:], sig)
			if i < 0 {
				break
			}
			p += 4 + i
			continue
		}
		e := localEntry{name: name, method: method, flags: flags, size: usize}
		next := -1
		switch {
		case flags&0x8 == 0 || csize > 0:
			if csize < 0 || csize > int64(len(body)) {
				e.truncated = true
				csize = int64(len(body))
			}
			e.packed = body[:csize]
			next = 30 + nlen + xlen + int(csize)
		case method == zip.Deflate:
			// Sizes deferred: the deflate stream's own end tells. flate
			// reads a ByteReader byte by byte, so the count is exact.
			cr := &countReader{r: bytes.NewReader(body)}
			n, err := io.Copy(io.Discard, io.LimitReader(flate.NewReader(cr), maxLocalInflate+1))
			if err != nil || n > maxLocalInflate {
				e.truncated = true
			}
			e.packed = body[:cr.n]
			next = 30 + nlen + xlen + int(cr.n)
		default:
			// Another method with deferred sizes: up to the data descriptor
			// that gives this very size, else to the next signature.
			i := descriptorAt(body)
			if i < 0 {
				i = bytes.Index(body, sig)
			}
			if i < 0 {
				i = len(body)
				e.truncated = true
			}
			e.packed = body[:i]
			next = 30 + nlen + xlen + i
		}
		if name != "" && name[len(name)-1] != '/' {
			es = append(es, e)
		}
		rest := data[p+next:]
		i := bytes.Index(rest, sig)
		if i < 0 {
			break
		}
		if i > 0 && !bytes.HasPrefix(rest, []byte("PK\x07\x08")) && !bytes.HasPrefix(rest, []byte("PK\x01\x02")) {
			damaged = true // bytes between members that are no descriptor
		}
		p += next + i
	}
	return es, damaged || len(es) == 0
}

// descriptorAt finds the data descriptor ("PK\x07\x08", CRC, compressed
// size, size) that follows a member's data: the first whose compressed size
// is its own offset. -1 when there is none.
func descriptorAt(body []byte) int {
	for off := 0; ; {
		j := bytes.Index(body[off:], []byte("PK\x07\x08"))
		if j < 0 {
			return -1
		}
		at := off + j
		if at+16 <= len(body) && int64(binary.LittleEndian.Uint32(body[at+8:])) == int64(at) {
			return at
		}
		off = at + 4
	}
}

// plausibleLocal reports whether a local header looks written by a zip
// tool: a version it could need, a name of sane length and printable
// bytes, a known method and data that fits the file.
func plausibleLocal(d []byte, nlen int, csize int64, flags uint16, left int64) bool {
	if d[4] > 63 || nlen == 0 || nlen > 1024 || csize > left {
		return false
	}
	switch binary.LittleEndian.Uint16(d[8:]) {
	case zip.Store, zip.Deflate, 9, zipBzip2, zipLZMA, zipZstd, zipXZ, 98, 99:
	default:
		return false
	}
	for _, c := range d[30 : 30+nlen] {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return flags&0x8 == 0 || binary.LittleEndian.Uint16(d[8:]) == zip.Deflate || csize > 0
}

// zip64Sizes reads the sizes of a zip64 extra field (0x0001).
func zip64Sizes(extra []byte, usize, csize int64) (int64, int64) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			break
		}
		f := extra[4 : 4+n]
		if id == 1 {
			if usize == 0xFFFFFFFF && len(f) >= 8 {
				usize = int64(binary.LittleEndian.Uint64(f) & (1<<62 - 1))
				f = f[8:]
			}
			if csize == 0xFFFFFFFF && len(f) >= 8 {
				csize = int64(binary.LittleEndian.Uint64(f) & (1<<62 - 1))
			}
		}
		extra = extra[4+n:]
	}
	return usize, csize
}

// maxLocalInflate bounds the bytes inflated to find where a member with
// deferred sizes ends.
const maxLocalInflate = 256 << 20

// countReader counts the bytes read through it.
type countReader struct {
	r *bytes.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// openLocal decompresses a member found by localEntries.
func openLocal(e localEntry) (io.Reader, error) {
	r := bytes.NewReader(e.packed)
	switch e.method {
	case zip.Store:
		return r, nil
	case zip.Deflate:
		return flate.NewReader(r), nil
	case zipBzip2:
		return bzip2.NewReader(r), nil
	case zipLZMA:
		return zipLZMAReader(r, -1)
	case zipZstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZipDict))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case zipXZ:
		return xz.ReaderConfig{DictCap: maxZipDict}.NewReader(r)
	}
	return nil, zip.ErrAlgorithm
}
