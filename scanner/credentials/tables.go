package credentials

import (
	"regexp"
	"strings"
)

// passwordHeading and userHeading recognise the columns of a list of
// logins ("Username | Password", "Login | Initial password").
var (
	passwordHeading = regexp.MustCompile(`(?i)^(?:[\w-]+\s+){0,2}(?:pass\s*words?|passwd|pwd|pw|pass|pass\s*codes?|pins?)$`)
	userHeading     = regexp.MustCompile(`(?i)^(?:user\s*(?:names?|ids?)|userid|log-?(?:in|on)(?:\s*(?:names?|ids?))?|accounts?|e-?mail(?:\s+address)?|users?)$`)
)

// maxHeadingRow is how far down a sheet its heading row is looked for
// (title rows come first in many exports).
const maxHeadingRow = 5

// findTable returns the passwords in a table with a password column: one
// per row whose cell holds a value that would count after "Password:".
// A user name column beside it makes them login pairs.
func findTable(rows [][]string) []secret {
	for h := 0; h < len(rows) && h < maxHeadingRow; h++ {
		pwCol, userCol := -1, -1
		for i, cell := range rows[h] {
			c := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(cell), ":"))
			switch {
			case pwCol < 0 && passwordHeading.MatchString(c):
				pwCol = i
			case userCol < 0 && userHeading.MatchString(c):
				userCol = i
			}
		}
		if pwCol < 0 {
			continue
		}
		var out []secret
		for _, row := range rows[h+1:] {
			if pwCol >= len(row) || len(out) >= maxSecrets {
				continue
			}
			v := strings.TrimSpace(row[pwCol])
			if strings.ContainsAny(v, " \t") {
				continue // prose in a notes column, not a password
			}
			sc := valueScore(v, ":", true)
			if sc == 0 {
				continue
			}
			s := secret{hash: hash(cleanValue(v)), score: sc}
			if userCol >= 0 && userCol < len(row) && strings.TrimSpace(row[userCol]) != "" {
				s.pair = true
				s.score += 0.2
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}
