package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as one indented JSON object (durations in
// nanoseconds, rates 0..1, -1 for a category without verdicts).
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}
