package pupildata

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mailward/mailward/config"
)

// TestXLSXDateCells sends a spreadsheet whose dates of birth are real date
// cells (not text) through the real extraction: whatever format the cells
// come out in, they count as dates of birth.
func TestXLSXDateCells(t *testing.T) {
	for _, format := range []string{"", "dd/mm/yyyy", "d mmm yyyy", "yyyy-mm-dd"} {
		t.Run("format "+format, func(t *testing.T) {
			f := excelize.NewFile()
			defer f.Close()
			style := 0
			if format != "" {
				s, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
				if err != nil {
					t.Fatal(err)
				}
				style = s
			}
			f.SetSheetRow("Sheet1", "A1", &[]any{"UPN", "Surname", "Forename", "DOB"})
			for i := 0; i < 8; i++ {
				cell := fmt.Sprintf("A%d", i+2)
				dob := time.Date(2014, time.Month(1+i), 10+i, 0, 0, 0, 0, time.UTC)
				f.SetSheetRow("Sheet1", cell, &[]any{upnFor(i), "Smith", "Jack", dob})
				if style != 0 {
					f.SetCellStyle("Sheet1", fmt.Sprintf("D%d", i+2), fmt.Sprintf("D%d", i+2), style)
				}
			}
			buf, err := f.WriteToBuffer()
			if err != nil {
				t.Fatal(err)
			}
			raw := "From: a@oakfield.sch.uk\r\nTo: b@gmail.com\r\nSubject: list\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nlist\r\n--b\r\n" +
				"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=l.xlsx\r\n" +
				"Content-Disposition: attachment; filename=l.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				base64.StdEncoding.EncodeToString(buf.Bytes()) + "\r\n--b--\r\n"
			m := parseForTest(t, []byte(raw), outbound("b@gmail.com"))
			fs, err := newTestDetector(config.PupilData{}).Scan(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || !strings.HasPrefix(fs[0].Summary, "8 UPNs, 8 DOBs") {
				var cells []string
				for _, tb := range m.Tables {
					if len(tb.Rows) > 1 {
						cells = append(cells, tb.Rows[1]...)
					}
				}
				t.Errorf("findings %+v (first row %q), want 8 UPNs, 8 DOBs", fs, cells)
			}
		})
	}
}
