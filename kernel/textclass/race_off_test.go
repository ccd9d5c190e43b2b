//go:build !race

package textclass

const raceOn = false
