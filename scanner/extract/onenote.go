package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// OneNote file signature and the GUIDs framing an embedded file
// (FileDataStoreObject, MS-ONESTORE 2.6.13), as stored on disk.
var (
	magicOneNote    = []byte{0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D, 0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3}
	oneFileDataHead = []byte{0xE7, 0x16, 0xE3, 0xBD, 0x65, 0x26, 0x11, 0x45, 0xA4, 0xC4, 0x8D, 0x4D, 0x0B, 0x7A, 0x9E, 0xAC}
)

// maxOneNoteFiles bounds the files taken from one OneNote section.
const maxOneNoteFiles = 200

// oneNoteItem extracts the files embedded in a OneNote section: since 2023
// a common wrapping for scripts behind a "click to view" picture.
func (w *walker) oneNoteItem(it *Item) {
	d := it.Data
	n := 0
	for n < maxOneNoteFiles {
		i := bytes.Index(d, oneFileDataHead)
		if i < 0 || i+16+8+4+8 > len(d) {
			return
		}
		d = d[i+16:]
		size := binary.LittleEndian.Uint64(d)
		d = d[8+4+8:]
		if size > uint64(len(d)) {
			w.incomplete(it, "OneNote embedded file cut short")
			return
		}
		if !w.deeper(it) {
			return
		}
		n++
		it.addTrait(TraitArchive)
		c := w.newItem(it, fmt.Sprintf("embedded%d", n), "", d[:size])
		w.inspect(c)
		d = d[size:]
	}
	if bytes.Contains(d, oneFileDataHead) {
		w.incomplete(it, fmt.Sprintf("OneNote embedded files beyond %d not read", maxOneNoteFiles))
	}
}
