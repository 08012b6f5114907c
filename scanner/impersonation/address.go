package impersonation

import (
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// addrParser decodes encoded words in any charset the WHATWG index knows
// (net/mail alone reads only UTF-8, US-ASCII and ISO-8859-1).
var addrParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(cs)
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", cs, err)
	}
	return e.NewDecoder().Reader(r), nil
}}}

// addresses returns the addresses of every instance of a header field;
// fields that do not parse are skipped.
func addresses(h textproto.MIMEHeader, key string) []*mail.Address {
	var out []*mail.Address
	for _, v := range h.Values(key) {
		list, err := addrParser.ParseList(v)
		if err != nil {
			// A lone address with a broken display name still has an address.
			if a, err2 := addrParser.Parse(v); err2 == nil {
				list = []*mail.Address{a}
			}
		}
		for _, a := range list {
			a.Address = strings.ToLower(a.Address)
			out = append(out, a)
		}
	}
	return out
}
