// Command xlsx writes a JSON {"sheet": name, "rows": [[...]]} list to an .xlsx file.
package main

import (
	"encoding/json"
	"os"

	"github.com/xuri/excelize/v2"
)

type sheet struct {
	Name string     `json:"name"`
	Rows [][]string `json:"rows"`
}

func main() {
	var sheets []sheet
	if err := json.NewDecoder(os.Stdin).Decode(&sheets); err != nil {
		panic(err)
	}
	f := excelize.NewFile()
	for i, s := range sheets {
		if i == 0 {
			f.SetSheetName("Sheet1", s.Name)
		} else {
			f.NewSheet(s.Name)
		}
		for r, row := range s.Rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				f.SetCellValue(s.Name, cell, v)
			}
		}
	}
	if err := f.SaveAs(os.Args[1]); err != nil {
		panic(err)
	}
}
