module github.com/seed7bc074a2/maxent/bench

go 1.26.0

require (
	github.com/seed7bc074a2/maxent v0.0.0
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/seed7bc074a2/maxent => ../
