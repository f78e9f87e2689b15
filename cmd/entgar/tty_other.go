//go:build !linux

package main

import "os"

// isTTY reports whether f looks like a terminal. Outside Linux entgar only
// checks for a character device, which /dev/null also is.
func isTTY(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
