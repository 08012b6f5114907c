//go:build race

package offensive

const raceEnabled = true
