package impersonation

import (
	"net/mail"
	"net/textproto"

	"github.com/mailward/mailward/scanner"
)

// addresses returns the addresses of every instance of a header field,
// display names decoded in any charset (scanner.Addresses).
func addresses(h textproto.MIMEHeader, key string) []*mail.Address {
	return scanner.Addresses(h, key)
}
