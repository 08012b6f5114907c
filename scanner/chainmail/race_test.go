//go:build race

package chainmail

// raceEnabled: the tests run under the race detector.
const raceEnabled = true
