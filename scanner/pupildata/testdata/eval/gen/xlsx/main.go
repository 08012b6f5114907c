// Command xlsx writes the sheets given as JSON on stdin to the .xlsx file
// named by its argument: [{"name", "rows": [[...]], "merge": ["A1:H1"],
// "dates": ["D"]}]. Cells of the "dates" columns holding YYYY-MM-DD become
// real date cells shown as dd/mm/yyyy, as MIS exports write them.
package main

import (
	"encoding/json"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

type sheet struct {
	Name  string     `json:"name"`
	Rows  [][]string `json:"rows"`
	Merge []string   `json:"merge"`
	Dates []string   `json:"dates"`
}

func main() {
	var sheets []sheet
	if err := json.NewDecoder(os.Stdin).Decode(&sheets); err != nil {
		panic(err)
	}
	f := excelize.NewFile()
	fmtDate := "dd/mm/yyyy"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate})
	if err != nil {
		panic(err)
	}
	for i, s := range sheets {
		if i == 0 {
			f.SetSheetName("Sheet1", s.Name)
		} else if _, err := f.NewSheet(s.Name); err != nil {
			panic(err)
		}
		dateCol := map[int]bool{}
		for _, c := range s.Dates {
			n, _ := excelize.ColumnNameToNumber(c)
			dateCol[n] = true
		}
		for r, row := range s.Rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if d, err := time.Parse("2006-01-02", v); err == nil && dateCol[c+1] {
					f.SetCellValue(s.Name, cell, d)
					f.SetCellStyle(s.Name, cell, cell, style)
					continue
				}
				f.SetCellValue(s.Name, cell, v)
			}
		}
		for _, m := range s.Merge {
			a, b, _ := strings.Cut(m, ":")
			if err := f.MergeCell(s.Name, a, b); err != nil {
				panic(err)
			}
		}
	}
	if err := f.SaveAs(os.Args[1]); err != nil {
		panic(err)
	}
}
