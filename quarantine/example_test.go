package quarantine_test

import (
	"fmt"
	"time"

	"github.com/mailward/mailward/quarantine"
)

// A released message carries one extra header naming who released it; a
// login name cannot smuggle in a second header.
func ExampleReleasedByHeader() {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	fmt.Printf("%q\n", quarantine.ReleasedByHeader("alice", at))
	fmt.Printf("%q\n", quarantine.ReleasedByHeader("eve\r\nBcc: everyone@trust.example", at))
	// Output:
	// "X-Mailward-Released-By: alice; Mon, 23 Nov 2026 09:30:00 +0000\r\n"
	// "X-Mailward-Released-By: eve__Bcc: everyone@trust.example; Mon, 23 Nov 2026 09:30:00 +0000\r\n"
}

func ExampleValidID() {
	fmt.Println(quarantine.ValidID(quarantine.NewID()))
	fmt.Println(quarantine.ValidID("../../etc/passwd"))
	// Output:
	// true
	// false
}
