package scanner

import (
	"net/textproto"
	"strings"

	_ "github.com/emersion/go-message/charset" // encoded words in every charset mail uses, not only UTF-8 and Latin-1
	"github.com/emersion/go-message/mail"
)

// Addresses returns the addresses of every instance of header field key,
// display names decoded from RFC 2047 encoded words in any charset
// go-message knows (net/mail alone reads UTF-8, US-ASCII and ISO-8859-1:
// a Windows-1252 or KOI8-R display name would be lost to every check
// that reads names). Addresses are lowercased. A field that does not parse
// as a list may still hold one address with a broken display name; a
// field that holds none is skipped.
func Addresses(h textproto.MIMEHeader, key string) []*mail.Address {
	var out []*mail.Address
	for _, v := range h.Values(key) {
		list, err := mail.ParseAddressList(v)
		if err != nil {
			a, err := mail.ParseAddress(v)
			if err != nil {
				continue
			}
			list = []*mail.Address{a}
		}
		for _, a := range list {
			a.Address = strings.ToLower(a.Address)
			out = append(out, a)
		}
	}
	return out
}
