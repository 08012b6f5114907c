package extract

import (
	"encoding/binary"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf16"
)

// BIFF8 record types read for tables (MS-XLS 2.3).
const (
	biffBOF        = 0x0809
	biffEOF        = 0x000A
	biffBoundSheet = 0x0085
	biffSST        = 0x00FC
	biffContinue   = 0x003C
	biffLabelSST   = 0x00FD
	biffLabel      = 0x0204
	biffNumber     = 0x0203
	biffRK         = 0x027E
	biffMulRK      = 0x00BD
	biffFilePass   = 0x002F
	biffXF         = 0x00E0
	biffFormat     = 0x041E
	biffDate1904   = 0x0022
)

// maxXLSCells bounds the cells read from one workbook.
const maxXLSCells = 2_000_000

type xlsCell struct {
	row, col int
	v        string
}

// xlsTables reads the sheets of a BIFF8 workbook stream (Excel 97-2003) as
// tables: shared strings, inline labels and numbers (numbers as plain
// decimals: date formats are not applied). Damaged records end the read;
// what was read so far is returned.
func xlsTables(b []byte) (names []string, sheets [][][]string) {
	type rec struct {
		typ  uint16
		data []byte
	}
	var recs []rec
	for i := 0; i+4 <= len(b); {
		typ := binary.LittleEndian.Uint16(b[i:])
		n := int(binary.LittleEndian.Uint16(b[i+2:]))
		if i+4+n > len(b) {
			break
		}
		recs = append(recs, rec{typ, b[i+4 : i+4+n]})
		i += 4 + n
	}
	var sst []string
	var cur []xlsCell
	var xfFormat []int           // number format of each XF (cell style)
	customDate := map[int]bool{} // custom FORMAT ids that show dates
	date1904 := false
	value := func(d []byte, f float64) string {
		ixfe := int(binary.LittleEndian.Uint16(d[4:]))
		if ixfe < len(xfFormat) && (builtinDate(xfFormat[ixfe]) || customDate[xfFormat[ixfe]]) {
			if s, ok := serialDate(f, date1904); ok {
				return s
			}
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	inSheet := false
	cells := 0
	flush := func() {
		if inSheet {
			sheets = append(sheets, cellRows(cur))
		}
		cur = nil
	}
	for k := 0; k < len(recs); k++ {
		r := recs[k]
		d := r.data
		switch r.typ {
		case biffFilePass:
			return nil, nil
		case biffXF:
			if !inSheet && len(d) >= 4 {
				xfFormat = append(xfFormat, int(binary.LittleEndian.Uint16(d[2:])))
			}
		case biffFormat:
			if len(d) >= 5 {
				f, _ := xlsString(d[2:])
				if dateFormat(f) {
					customDate[int(binary.LittleEndian.Uint16(d))] = true
				}
			}
		case biffDate1904:
			date1904 = len(d) >= 2 && binary.LittleEndian.Uint16(d) == 1
		case biffBoundSheet:
			if len(d) >= 8 {
				s, _ := xlsShortString(d[6:])
				names = append(names, s)
			}
		case biffSST:
			chunks := [][]byte{d}
			for k+1 < len(recs) && recs[k+1].typ == biffContinue {
				k++
				chunks = append(chunks, recs[k].data)
			}
			sst = readSST(chunks)
		case biffBOF:
			flush()
			inSheet = len(d) >= 4 && binary.LittleEndian.Uint16(d[2:]) == 0x0010
		case biffEOF:
			flush()
			inSheet = false
		case biffLabelSST:
			if inSheet && len(d) >= 10 {
				if i := int(binary.LittleEndian.Uint32(d[6:])); i < len(sst) {
					cur = append(cur, xlsCell{int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:])), sst[i]})
				}
			}
		case biffLabel:
			if inSheet && len(d) >= 9 {
				s, _ := xlsString(d[6:])
				cur = append(cur, xlsCell{int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:])), s})
			}
		case biffNumber:
			if inSheet && len(d) >= 14 {
				f := math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))
				cur = append(cur, xlsCell{int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:])), value(d, f)})
			}
		case biffRK:
			if inSheet && len(d) >= 10 {
				cur = append(cur, xlsCell{int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:])), value(d, rkValue(binary.LittleEndian.Uint32(d[6:])))})
			}
		case biffMulRK:
			if inSheet && len(d) >= 6 {
				row := int(binary.LittleEndian.Uint16(d))
				col := int(binary.LittleEndian.Uint16(d[2:]))
				for p := 4; p+6 <= len(d)-2; p += 6 {
					// Each entry is an XF index then an RK value, as in an RK record from offset 4.
					cur = append(cur, xlsCell{row, col, value(d[p-4:], rkValue(binary.LittleEndian.Uint32(d[p+2:])))})
					col++
				}
			}
		}
		cells = len(cur)
		if cells > maxXLSCells {
			break
		}
	}
	flush()
	return names, sheets
}

// cellRows lays cells out as rows, bounded like every other table.
func cellRows(cells []xlsCell) [][]string {
	sort.SliceStable(cells, func(i, j int) bool {
		if cells[i].row != cells[j].row {
			return cells[i].row < cells[j].row
		}
		return cells[i].col < cells[j].col
	})
	var rows [][]string
	last := -1
	for _, c := range cells {
		if c.col >= maxTableCols {
			continue
		}
		if c.row != last {
			if len(rows) >= maxTableRows {
				break
			}
			rows = append(rows, nil)
			last = c.row
		}
		r := rows[len(rows)-1]
		for len(r) < c.col {
			r = append(r, "")
		}
		rows[len(rows)-1] = append(r, c.v)
	}
	return rows
}

// rkValue decodes an RK number (MS-XLS 2.5.217).
func rkValue(rk uint32) float64 {
	var f float64
	if rk&2 != 0 {
		f = float64(int32(rk) >> 2)
	} else {
		f = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		f /= 100
	}
	return f
}

// builtinDate reports Excel's built-in date and time number formats.
func builtinDate(id int) bool { return id >= 14 && id <= 22 || id >= 45 && id <= 47 }

// dateFormat reports a custom number format that shows a date: it has a
// day, month or year code outside quoted text and brackets.
func dateFormat(f string) bool {
	quoted, bracket := false, false
	for _, r := range f {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case bracket:
		case r == 'd' || r == 'D' || r == 'y' || r == 'Y' || r == 'm' || r == 'M':
			return true
		}
	}
	return false
}

// serialDate turns an Excel date serial into YYYY-MM-DD (1900 system, with
// its phantom 29 February 1900, or the 1904 system).
func serialDate(f float64, date1904 bool) (string, bool) {
	if f < 1 || f > 2958465 || math.IsNaN(f) {
		return "", false
	}
	days := int(f)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if days < 61 {
		base = base.AddDate(0, 0, 1)
	}
	return base.AddDate(0, 0, days).Format("2006-01-02"), true
}

// xlsShortString reads a ShortXLUnicodeString (8-bit length).
func xlsShortString(d []byte) (string, int) {
	if len(d) < 2 {
		return "", len(d)
	}
	return xlsChars(d[2:], int(d[0]), d[1]&1 != 0)
}

// xlsString reads an XLUnicodeString (16-bit length).
func xlsString(d []byte) (string, int) {
	if len(d) < 3 {
		return "", len(d)
	}
	return xlsChars(d[3:], int(binary.LittleEndian.Uint16(d)), d[2]&1 != 0)
}

func xlsChars(d []byte, n int, wide bool) (string, int) {
	if wide {
		n = min(n, len(d)/2)
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(d[2*i:])
		}
		return string(utf16.Decode(u)), 2 * n
	}
	n = min(n, len(d))
	r := make([]rune, n)
	for i, c := range d[:n] {
		r[i] = rune(c)
	}
	return string(r), n
}

// readSST reads the shared string table from an SST record and its
// CONTINUE records; a string split across records restarts with a new
// option byte in the next one (MS-XLS 2.5.293).
func readSST(chunks [][]byte) []string {
	c := &sstCursor{chunks: chunks}
	if len(c.take(8)) < 8 {
		return nil
	}
	unique := int(binary.LittleEndian.Uint32(chunks[0][4:8]))
	var out []string
	for i := 0; i < unique && i < 1_000_000 && !c.done(); i++ {
		h := c.take(3)
		if len(h) < 3 {
			break
		}
		n := int(binary.LittleEndian.Uint16(h))
		flags := h[2]
		var runs, ext int
		if flags&0x08 != 0 {
			runs = int(binary.LittleEndian.Uint16(c.take(2)))
		}
		if flags&0x04 != 0 {
			e := c.take(4)
			if len(e) == 4 {
				ext = int(binary.LittleEndian.Uint32(e))
			}
		}
		wide := flags&1 != 0
		u := make([]uint16, 0, n)
		for len(u) < n && !c.done() {
			if c.atChunkStart() {
				wide = c.take(1)[0]&1 != 0
			}
			if wide {
				b := c.take(2)
				if len(b) < 2 {
					break
				}
				u = append(u, binary.LittleEndian.Uint16(b))
			} else {
				b := c.take(1)
				if len(b) < 1 {
					break
				}
				u = append(u, uint16(b[0]))
			}
		}
		out = append(out, string(utf16.Decode(u)))
		c.skip(4*runs + ext)
	}
	return out
}

// sstCursor reads across an SST record and its CONTINUE records.
type sstCursor struct {
	chunks [][]byte
	i, off int
	// fresh is set right after moving to a new chunk.
	fresh bool
}

func (c *sstCursor) done() bool { return c.i >= len(c.chunks) }

func (c *sstCursor) atChunkStart() bool {
	c.normalize()
	return c.fresh && c.off == 0 && c.i > 0
}

func (c *sstCursor) normalize() {
	for c.i < len(c.chunks) && c.off >= len(c.chunks[c.i]) {
		c.i++
		c.off = 0
		c.fresh = true
	}
}

func (c *sstCursor) take(n int) []byte {
	var out []byte
	for len(out) < n {
		c.normalize()
		if c.done() {
			break
		}
		ch := c.chunks[c.i]
		m := min(n-len(out), len(ch)-c.off)
		out = append(out, ch[c.off:c.off+m]...)
		c.off += m
		c.fresh = false
	}
	return out
}

func (c *sstCursor) skip(n int) {
	for n > 0 {
		c.normalize()
		if c.done() {
			return
		}
		m := min(n, len(c.chunks[c.i])-c.off)
		c.off += m
		n -= m
		c.fresh = false
	}
}
