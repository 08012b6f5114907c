package textnorm_test

import (
	"fmt"

	"github.com/mailward/mailward/scanner/textnorm"
)

func ExampleNormalize() {
	fmt.Println(textnorm.Normalize("F.U.C.K this sh1t, ｆｕｃｋ it, fuuuuck!"))
	fmt.Println(textnorm.Normalize("Scunthorpe's assessment: who're Dickens' fans?"))
	// Output:
	// fuck this shit fuck it fuuck
	// scunthorpe assessment who dickens fans
}

func ExampleTokenizer_Words() {
	var z textnorm.Tokenizer
	for _, w := range z.Words("my words\n> quoted f*ck") {
		fmt.Println(z.String(w), w.Flags&textnorm.Quoted != 0, w.Flags&textnorm.Masked != 0)
	}
	// Output:
	// my false false
	// words false false
	// quoted true false
	// f*ck true true
}
