package pupildata_test

import (
	"context"
	"fmt"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/pupildata"
)

func ExampleValidUPN() {
	fmt.Println(pupildata.ValidUPN("H801200001001"), pupildata.ValidUPN("Z801200001001"))
	fmt.Println(pupildata.CheckUPN("G80120000101A").Temporary)
	// Output:
	// true false
	// true
}

func ExampleDetector_Scan() {
	d := pupildata.New(config.PupilData{})
	m := &scanner.Message{
		Envelope: scanner.Envelope{Direction: scanner.Outbound, To: []string{"someone@gmail.com"}},
		Texts: []scanner.Text{{Where: "body", Kind: scanner.KindPlain,
			Content: "UPNs for the transfer: H801200001001, B801200005001, G80120000101A"}},
	}
	fs, _ := d.Scan(context.Background(), m)
	for _, f := range fs {
		fmt.Printf("%s %.2f %q where=%s\n", f.Category, f.Score, f.Summary, f.Where)
	}
	// Output:
	// pupil_data 0.91 "3 UPNs in the body" where=body
}
