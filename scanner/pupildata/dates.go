package pupildata

import (
	"strconv"
	"strings"
	"time"
)

// Dates of birth: a date counts when it parses in a form schools write
// (12/03/2014, 12-03-14, 2014-03-12, 12 March 2014, 12-Mar-2014, and in a
// DOB column an Excel serial day number) and makes the person of school age
// at scan time.

var months = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// schoolAge reports whether someone born on t is between the ages.
func schoolAge(t time.Time, o textOptions) bool {
	y, m, d := o.now.Date()
	age := y - t.Year()
	if m < t.Month() || m == t.Month() && d < t.Day() {
		age--
	}
	return age >= o.minAge && age <= o.maxAge
}

// parseDateCell parses a whole table cell as a date. Day-first is tried
// before month-first (spreadsheets exported with a US format write
// mm-dd-yy); two-digit years are this century unless that is in the future.
func parseDateCell(s string, now time.Time, serial bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i > 0 && strings.Contains(s[i:], ":") {
		s = s[:i] // "2014-03-12 00:00:00"
	}
	if t, n, ok := dateAt(s, 0, now); ok && n == len(s) {
		return t, true
	}
	if serial && len(s) == 5 && isDigits(s) {
		// Excel serial day: 1899-12-30 plus n days.
		n, _ := strconv.Atoi(s)
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), true
	}
	return time.Time{}, false
}

// dateAt parses a date starting at text[i]; it returns the date and the end.
func dateAt(text string, i int, now time.Time) (time.Time, int, bool) {
	a, p := digitsAt(text, i, 4)
	if p == i {
		return time.Time{}, 0, false
	}
	if p-i == 4 { // yyyy-mm-dd or yyyy/mm/dd
		if p >= len(text) || (text[p] != '-' && text[p] != '/') {
			return time.Time{}, 0, false
		}
		sep := text[p]
		m, q := digitsAt(text, p+1, 2)
		if q == p+1 || q >= len(text) || text[q] != sep {
			return time.Time{}, 0, false
		}
		d, r := digitsAt(text, q+1, 2)
		if r == q+1 || (r < len(text) && isDigit(text[r])) {
			return time.Time{}, 0, false
		}
		return mkDate(a, m, d, r)
	}
	if p-i > 2 {
		return time.Time{}, 0, false
	}
	if p < len(text) && (text[p] == '/' || text[p] == '-' || text[p] == '.') {
		sep := text[p]
		if m, q := digitsAt(text, p+1, 2); q > p+1 && q < len(text) && text[q] == sep {
			y, r := digitsAt(text, q+1, 4)
			if (r-q-1 != 2 && r-q-1 != 4) || (r < len(text) && isDigit(text[r])) {
				return time.Time{}, 0, false
			}
			y = fullYear(y, r-q-1, now)
			if t, n, ok := mkDate(y, m, a, r); ok {
				return t, n, ok
			}
			return mkDate(y, a, m, r) // month first
		}
		// 12-Mar-2014
		if mon, q := monthAt(text, p+1); q > 0 && q < len(text) && text[q] == sep {
			y, r := digitsAt(text, q+1, 4)
			if (r-q-1 != 2 && r-q-1 != 4) || (r < len(text) && isDigit(text[r])) {
				return time.Time{}, 0, false
			}
			return mkDate(fullYear(y, r-q-1, now), int(mon), a, r)
		}
		return time.Time{}, 0, false
	}
	// 12 March 2014, 12th March 2014
	q := p
	if q+2 <= len(text) {
		switch strings.ToLower(text[q : q+2]) {
		case "st", "nd", "rd", "th":
			q += 2
		}
	}
	if q >= len(text) || text[q] != ' ' {
		return time.Time{}, 0, false
	}
	mon, r := monthAt(text, q+1)
	if r < 0 || r >= len(text) || text[r] != ' ' {
		return time.Time{}, 0, false
	}
	y, e := digitsAt(text, r+1, 4)
	if e-r-1 != 4 || (e < len(text) && isDigit(text[e])) {
		return time.Time{}, 0, false
	}
	return mkDate(y, int(mon), a, e)
}

func fullYear(y, digits int, now time.Time) int {
	if digits == 4 {
		return y
	}
	if 2000+y > now.Year() {
		return 1900 + y
	}
	return 2000 + y
}

func mkDate(y, m, d, end int) (time.Time, int, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200 {
		return time.Time{}, 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, 0, false // 31 February
	}
	return t, end, true
}

// digitsAt reads up to max digits at i; it returns the value and the end.
func digitsAt(text string, i, max int) (int, int) {
	v, p := 0, i
	for p < len(text) && p-i < max && isDigit(text[p]) {
		v = v*10 + int(text[p]-'0')
		p++
	}
	return v, p
}

// monthAt reads an English month name or abbreviation at i.
func monthAt(text string, i int) (time.Month, int) {
	p := i
	for p < len(text) && p-i < 9 && (text[p]|0x20 >= 'a' && text[p]|0x20 <= 'z') {
		p++
	}
	if p < len(text) && isAlnum(text[p]) {
		return 0, -1
	}
	m, ok := months[strings.ToLower(text[i:p])]
	if !ok {
		return 0, -1
	}
	return m, p
}

// datesAfter counts school-age dates that start within the window after a
// DOB keyword. Overlapping windows are merged so no date counts twice.
func datesAfter(text string, kw []int, o textOptions) count {
	var c count
	from, to := -1, -1
	flush := func() {
		for i := from; i < to && i < len(text); i++ {
			if !isDigit(text[i]) || (i > 0 && isAlnum(text[i-1])) {
				continue
			}
			t, end, ok := dateAt(text, i, o.now)
			if !ok {
				continue
			}
			c.candidates++
			if schoolAge(t, o) {
				c.valid++
				c.conf += 0.7
			}
			i = end
		}
	}
	for _, p := range kw {
		if p <= to {
			to = p + o.window
			continue
		}
		if from >= 0 {
			flush()
		}
		from, to = p, p+o.window
	}
	if from >= 0 {
		flush()
	}
	return c
}
