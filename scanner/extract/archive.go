package extract

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bodgit/sevenzip"
	"github.com/nwaples/rardecode/v2"
)

// zipItem opens a zip: an Office Open XML or OpenDocument file is read as a
// document, any other zip as an archive of files.
func (w *walker) zipItem(it *Item) {
	zr, err := zip.NewReader(bytes.NewReader(it.Data), int64(len(it.Data)))
	if err != nil {
		w.localZip(it)
		return
	}
	registerDecompressors(zr)
	if isOOXML(zr) {
		w.ooxml(it, zr)
		return
	}
	if isODF(zr) {
		w.odf(it, zr)
		return
	}
	// Members that the directory does not list but whose local headers are
	// there (two zips joined, entries left out of the directory) are read
	// after the listed ones.
	known := map[int64]int64{}
	for _, f := range zr.File {
		if off, err := f.DataOffset(); err == nil {
			known[off] = int64(min(f.CompressedSize64, 1<<40))
		}
	}
	hidden, _ := localEntries(it.Data, known)
	if len(hidden) > 0 {
		w.problem(fmt.Sprintf("zip in attachment %d has %d members its directory does not list", it.Index, len(hidden)))
	}
	i := 0
	w.unpack(it, func() (*entry, error) {
		for i < len(zr.File) {
			f := zr.File[i]
			i++
			if f.FileInfo().IsDir() {
				continue
			}
			return &entry{
				name:   f.Name,
				size:   int64(min(f.UncompressedSize64, 1<<62)),
				packed: int64(min(f.CompressedSize64, 1<<62)),
				// Bit 0 of the general purpose flags: traditional or AES encryption.
				encrypted: f.Flags&0x1 != 0,
				method:    int(f.Method),
				open:      func() (io.Reader, error) { return f.Open() },
			}, nil
		}
		if len(hidden) > 0 {
			e := hidden[0]
			hidden = hidden[1:]
			return localEntryOf(it, e, w), nil
		}
		return nil, io.EOF
	})
}

// localZip reads a zip that archive/zip refuses (its central directory cut
// off or damaged) by walking its local file headers, as 7-Zip does. What is
// recovered is scanned, and the item is incomplete in any case: what the
// central directory would have listed cannot be known.
func (w *walker) localZip(it *Item) {
	es, _ := localEntries(it.Data, nil)
	if len(es) == 0 {
		it.addTrait(TraitArchive)
		it.addTrait(TraitUnreadable)
		w.incomplete(it, "zip could not be opened")
		return
	}
	w.incomplete(it, "zip directory missing or damaged, members read from local headers")
	i := 0
	w.unpack(it, func() (*entry, error) {
		if i >= len(es) {
			return nil, io.EOF
		}
		i++
		return localEntryOf(it, es[i-1], w), nil
	})
}

// localEntryOf makes an archive entry of a member found by its local header.
func localEntryOf(it *Item, e localEntry, w *walker) *entry {
	if e.truncated {
		w.incomplete(it, "member cut short")
	}
	size := e.size
	if e.flags&0x8 != 0 {
		size = 0 // deferred to a data descriptor: unknown here
	}
	return &entry{name: e.name, size: size, packed: int64(len(e.packed)), encrypted: e.flags&0x1 != 0,
		method: int(e.method), open: func() (io.Reader, error) { return openLocal(e) }}
}

// gzipItem unpacks a gzip stream into its one member.
func (w *walker) gzipItem(it *Item) {
	done := false
	w.unpack(it, func() (*entry, error) {
		if done {
			return nil, io.EOF
		}
		done = true
		zr, err := gzip.NewReader(bytes.NewReader(it.Data))
		if err != nil {
			return nil, err
		}
		// Every member, as gunzip reads them: a second member must not
		// pass unread behind the first.
		name := zr.Name
		if name == "" {
			name = strings.TrimSuffix(strings.TrimSuffix(it.FileName, ".gz"), ".tgz")
			if strings.HasSuffix(strings.ToLower(it.FileName), ".tgz") {
				name += ".tar"
			}
		}
		return &entry{name: name, open: func() (io.Reader, error) { return zr, nil }}, nil
	})
}

// tarItem unpacks regular files from a tar.
func (w *walker) tarItem(it *Item) {
	tr := tar.NewReader(bytes.NewReader(it.Data))
	w.unpack(it, func() (*entry, error) {
		for {
			h, err := tr.Next()
			if err != nil {
				return nil, err
			}
			if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
				continue
			}
			return &entry{name: h.Name, size: h.Size, open: func() (io.Reader, error) { return tr, nil }}, nil
		}
	})
}

// sevenZipItem unpacks a 7z archive; encrypted ones are marked, not opened.
func (w *walker) sevenZipItem(it *Item) {
	zr, err := sevenzip.NewReader(bytes.NewReader(it.Data), int64(len(it.Data)))
	if err != nil {
		it.addTrait(TraitArchive)
		if isPasswordErr(err) || sevenEncrypted(err) {
			// Encrypted headers: not even the names can be read.
			it.Encrypted = true
			it.addTrait(TraitEncryptedEntry)
			return
		}
		it.addTrait(TraitUnreadable)
		w.incomplete(it, "7z archive could not be opened")
		return
	}
	i := 0
	w.unpack(it, func() (*entry, error) {
		for i < len(zr.File) {
			f := zr.File[i]
			i++
			if f.FileInfo().IsDir() {
				continue
			}
			return &entry{name: f.Name, size: int64(min(f.UncompressedSize, 1<<62)), open: func() (io.Reader, error) {
				rc, err := f.Open()
				if err != nil {
					if sevenEncrypted(err) {
						return nil, errors.New("encrypted entry: password required")
					}
					return nil, err
				}
				return &sevenEntry{rc: rc}, nil
			}}, nil
		}
		return nil, io.EOF
	})
}

// sevenEntry turns sevenzip's encryption read errors into password errors.
type sevenEntry struct{ rc io.ReadCloser }

func (s *sevenEntry) Read(p []byte) (int, error) {
	n, err := s.rc.Read(p)
	if err != nil && err != io.EOF && sevenEncrypted(err) {
		return n, errors.New("encrypted entry: password required")
	}
	return n, err
}

func (s *sevenEntry) Close() error { return s.rc.Close() }

func sevenEncrypted(err error) bool {
	var re sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return true
	}
	var rp *sevenzip.ReadError
	return errors.As(err, &rp) && rp.Encrypted
}

// rarItem unpacks a RAR (v1.5 to v5) archive.
func (w *walker) rarItem(it *Item) {
	rr, err := rardecode.NewReader(bytes.NewReader(it.Data))
	if err != nil {
		it.addTrait(TraitArchive)
		if isPasswordErr(err) {
			it.Encrypted = true
			it.addTrait(TraitEncryptedEntry)
			return
		}
		it.addTrait(TraitUnreadable)
		w.incomplete(it, "rar archive could not be opened")
		return
	}
	w.unpack(it, func() (*entry, error) {
		for {
			h, err := rr.Next()
			if err != nil {
				return nil, err
			}
			if h.IsDir {
				continue
			}
			size := h.UnPackedSize
			if h.UnKnownSize {
				size = 0
			}
			return &entry{name: h.Name, size: size, encrypted: h.Encrypted, open: func() (io.Reader, error) { return rr, nil }}, nil
		}
	})
}

func isOOXML(zr *zip.Reader) bool {
	for _, f := range zr.File {
		if f.Name == "[Content_Types].xml" {
			return true
		}
	}
	return false
}

func isODF(zr *zip.Reader) bool {
	for _, f := range zr.File {
		if f.Name == "mimetype" || path.Base(f.Name) == "content.xml" && f.Name == "content.xml" {
			return f.Name == "content.xml" || hasPrefixEntry(f, "application/vnd.oasis.opendocument")
		}
	}
	return false
}

func hasPrefixEntry(f *zip.File, prefix string) bool {
	if f.UncompressedSize64 > 256 {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 256))
	return strings.HasPrefix(string(b), prefix)
}
