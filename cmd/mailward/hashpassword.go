package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

// stdin is where commands read their input; tests replace it.
var stdin *os.File = os.Stdin

// minPasswordLen is the shortest password hash-password takes: the review
// page shows pupil data, and login attempts are throttled, not impossible.
const minPasswordLen = 12

// runHashPassword prints the bcrypt hash that review.users[].password_hash
// takes. The password comes from a prompt without echo (asked twice) when
// stdin is a terminal, else from the first line of stdin, so that it never
// appears in the shell history or the process list.
func runHashPassword(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("hash-password", stderr)
	cost := fs.Int("cost", 12, "bcrypt cost (10..16); each step doubles the work of a login and of a guess")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintln(stderr, "mailward hash-password: the password is read from stdin or a prompt, never from the command line")
		return 2
	}
	if *cost < 10 || *cost > 16 {
		fmt.Fprintf(stderr, "mailward hash-password: -cost %d: want 10..16\n", *cost)
		return 2
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mailward hash-password: %v\n", err)
		return 2
	}
	if len([]rune(string(pw))) < minPasswordLen {
		fmt.Fprintf(stderr, "mailward hash-password: the password must have at least %d characters\n", minPasswordLen)
		return 2
	}
	if len(pw) > 72 {
		// bcrypt reads 72 bytes; the rest would be silently ignored.
		fmt.Fprintln(stderr, "mailward hash-password: the password must be at most 72 bytes (bcrypt reads no more)")
		return 2
	}
	h, err := bcrypt.GenerateFromPassword(pw, *cost)
	if err != nil {
		fmt.Fprintf(stderr, "mailward hash-password: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(h))
	return 0
}

// readPassword prompts twice without echo on a terminal, or reads the
// first line of anything else.
func readPassword(in *os.File, stderr io.Writer) ([]byte, error) {
	if fd := int(in.Fd()); term.IsTerminal(fd) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		if !bytes.Equal(a, b) {
			return nil, errors.New("the passwords differ")
		}
		return a, nil
	}
	line, err := bufio.NewReader(in).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading the password from stdin: %w", err)
	}
	return bytes.TrimRight(line, "\r\n"), nil
}
