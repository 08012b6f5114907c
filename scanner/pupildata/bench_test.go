package pupildata

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"net/textproto"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// benchRows builds an MIS export of about size bytes.
func benchRows(size int) ([][]string, int) {
	rows := [][]string{{"UPN", "Legal Surname", "Legal Forename", "DOB", "Gender", "Year", "Reg", "SEN Status", "FSM", "EAL", "Ethnicity", "Postcode", "Contact phone"}}
	n := 0
	for i := 0; n < size; i++ {
		r := []string{upnFor(i), "Robinson-Smith", "Alexander", fmt.Sprintf("%02d/%02d/2013", 1+i%28, 1+i%12), "M", "8", "8B", "N", "Y", "N", "WBRI", "ME14 1XX", "07700 900123"}
		for _, c := range r {
			n += len(c) + 1
		}
		rows = append(rows, r)
	}
	return rows, n
}

// benchProse is size bytes of ordinary prose with numbers, dates, names and
// the odd keyword, as staff mail is.
func benchProse(size int) string {
	rng := rand.New(rand.NewSource(1))
	words := strings.Fields(`the school trip to the museum will leave at 9am on Monday and return by 4pm please
		make sure your child brings a packed lunch invoice 4500012345 order reference 1000000043 Year 7 football
		Mr Walker said the NHS advice is clear Dear Parent Carer the governors met on 12/03/2026 and agreed the
		budget of £12,400 for the new library books ISBN 0306406152 Oliver Hughes won the chess final in 4B
		please call 01622 123456 or email office@oakfield.sch.uk data protection policy review SEN report`)
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(words[rng.Intn(len(words))])
		if rng.Intn(12) == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// BenchmarkSpreadsheet5MB: a 5 MB MIS export as extraction hands it over
// (Message.Tables), outbound to a personal mailbox.
func BenchmarkSpreadsheet5MB(b *testing.B) {
	rows, n := benchRows(5 << 20)
	a := &scanner.Attachment{Index: 1, FileName: "export.xlsx"}
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
		Attachments: []*scanner.Attachment{a}, Tables: []scanner.Table{{Where: "1", Attachment: a, Rows: rows}}}
	benchScan(b, m, n)
}

// BenchmarkCSVFallback5MB: the same export as a CSV attachment without a
// table, read by the detector's own CSV fallback.
func BenchmarkCSVFallback5MB(b *testing.B) {
	rows, _ := benchRows(5 << 20)
	var sb strings.Builder
	for _, r := range rows {
		sb.WriteString(strings.Join(r, ",") + "\r\n")
	}
	a := &scanner.Attachment{Index: 1, FileName: "export.csv", DeclaredType: "text/csv", Data: []byte(sb.String())}
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{}, Attachments: []*scanner.Attachment{a}}
	benchScan(b, m, sb.Len())
}

// BenchmarkPlainText5MB: 5 MB of prose in the body.
func BenchmarkPlainText5MB(b *testing.B) {
	s := benchProse(5 << 20)
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
		Texts: []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: s}}}
	benchScan(b, m, len(s))
}

// BenchmarkTypicalMessage: a short body, the common case.
func BenchmarkTypicalMessage(b *testing.B) {
	s := benchProse(4 << 10)
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
		Texts: []scanner.Text{{Where: "subject", Kind: scanner.KindSubject, Content: "Year 7 trip"}, {Where: "body", Kind: scanner.KindPlain, Content: s}}}
	benchScan(b, m, len(s))
}

func benchScan(b *testing.B, m *scanner.Message, n int) {
	d := newTestDetector(config.PupilData{})
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := d.Scan(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	// MB/s per CPU second of the process (all threads, GC included): on a
	// shared machine wall-clock MB/s swings with the load, this much less.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds()/1e6, "cpuMB/s")
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkXLSX5MB compares the detector with the extraction before it on
// the same 5 MB spreadsheet attachment (issue 4: the detector must not be
// the slowest stage). The xlsx is built with excelize at setup.
func BenchmarkXLSX5MB(b *testing.B) {
	rows, _ := benchRows(5 << 20)
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	var eml strings.Builder
	eml.WriteString("From: a@oakfield.sch.uk\r\nTo: b@gmail.com\r\nSubject: list\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nlist\r\n--b\r\n" +
		"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=list.xlsx\r\n" +
		"Content-Disposition: attachment; filename=list.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		eml.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	eml.WriteString(enc + "\r\n--b--\r\n")
	raw := []byte(eml.String())
	env := outbound("b@gmail.com")
	b.Logf("xlsx %d bytes, message %d bytes", len(data), len(raw))

	b.Run("extract", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for i := 0; i < b.N; i++ {
			if _, err := scanner.Parse(raw, env); err != nil {
				b.Fatal(err)
			}
		}
	})
	m, err := scanner.Parse(raw, env)
	if err != nil {
		b.Fatal(err)
	}
	if len(m.Tables) == 0 {
		b.Skip("extraction produced no table for the xlsx")
	}
	b.Run("pupildata", func(b *testing.B) { benchScan(b, m, len(raw)) })
}

// BenchmarkXMLExport5MB: a 5 MB census-style XML export attached as
// application/xml, read as a table of its records by the detector.
func BenchmarkXMLExport5MB(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0"?><Message xmlns="urn:census"><Pupils>`)
	for i := 0; sb.Len() < 5<<20; i++ {
		fmt.Fprintf(&sb, `<PupilOnRoll><PupilIdentifiers><UPN>%s</UPN><Surname>Robinson-Smith</Surname><Forename>Alexander</Forename>`+
			`<DOB>2013-%02d-%02d</DOB><Gender>M</Gender></PupilIdentifiers><PupilCharacteristics><Ethnicity>WBRI</Ethnicity>`+
			`<FSMeligible>true</FSMeligible><NCyearActual>8</NCyearActual></PupilCharacteristics><SpecialEducationalNeeds>`+
			`<SENprovision>K</SENprovision></SpecialEducationalNeeds></PupilOnRoll>`, upnFor(i), 1+i%12, 1+i%28)
	}
	sb.WriteString(`</Pupils></Message>`)
	a := &scanner.Attachment{Index: 1, FileName: "census.xml", DeclaredType: "application/xml", Data: []byte(sb.String())}
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{}, Attachments: []*scanner.Attachment{a}}
	benchScan(b, m, sb.Len())
}
