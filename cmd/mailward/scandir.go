package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// scanInput is one file `scan` reads: a name given on the command line or
// found under a folder given there.
type scanInput struct {
	name string
	// skip says why the file is not scanned ("" when it is).
	skip string
	// unreadable marks a skip that makes the exit code 2 (the contract:
	// a file that could not be read).
	unreadable bool
}

// expandInputs turns the command line into the files to scan, in order:
// a folder is walked recursively in lexical order (every regular file,
// .eml or not; names starting with a dot are left out, as are .git and
// similar folders), "-" is stdin, anything else a file. Files larger than
// maxBytes are skipped: the relay would refuse them (552) unread, and
// reading a stray disk image whole would exhaust memory.
func expandInputs(args []string, maxBytes int64) (inputs []scanInput, dirs int) {
	for _, a := range args {
		if a == "-" {
			inputs = append(inputs, scanInput{name: a})
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			inputs = append(inputs, scanInput{name: a, skip: readReason(err), unreadable: true})
			continue
		}
		if !fi.IsDir() {
			inputs = append(inputs, checkSize(a, fi, maxBytes))
			continue
		}
		dirs++
		filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				inputs = append(inputs, scanInput{name: p, skip: readReason(err), unreadable: true})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if p != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			fi, err := d.Info()
			if err == nil && d.Type()&fs.ModeSymlink != 0 {
				// A link to a file is scanned; links to folders are not
				// followed (no loops).
				fi, err = os.Stat(p)
			}
			if err == nil && !fi.Mode().IsRegular() {
				return nil // folders behind links, sockets, pipes
			}
			if err != nil {
				inputs = append(inputs, scanInput{name: p, skip: readReason(err), unreadable: true})
				return nil
			}
			inputs = append(inputs, checkSize(p, fi, maxBytes))
			return nil
		})
	}
	return inputs, dirs
}

func checkSize(name string, fi fs.FileInfo, maxBytes int64) scanInput {
	if maxBytes > 0 && fi.Size() > maxBytes {
		return scanInput{name: name, skip: fmt.Sprintf("%d bytes, more than max_message_bytes (%d): the relay would refuse it", fi.Size(), maxBytes)}
	}
	return scanInput{name: name}
}

// readReason says briefly why a file could not be read.
func readReason(err error) string {
	switch {
	case os.IsPermission(err):
		return "permission denied"
	case os.IsNotExist(err):
		return "no such file"
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// scanSummary counts what one `scan` run did, for the line on stderr after
// a folder or several files.
type scanSummary struct {
	files   int
	actions map[string]int
	skipped int
}

func (s *scanSummary) add(action string) {
	if s.actions == nil {
		s.actions = map[string]int{}
	}
	s.files++
	s.actions[action]++
}

func (s *scanSummary) print(w io.Writer) {
	names := make([]string, 0, len(s.actions))
	for a := range s.actions {
		names = append(names, a)
	}
	sort.Strings(names)
	parts := []string{fmt.Sprintf("%d scanned", s.files)}
	for _, a := range names {
		parts = append(parts, fmt.Sprintf("%d %s", s.actions[a], a))
	}
	parts = append(parts, fmt.Sprintf("%d skipped", s.skipped))
	fmt.Fprintf(w, "mailward scan: summary: %s\n", strings.Join(parts, ", "))
}
