module github.com/seed7bc074a2/maxent/gen

go 1.26.0

require (
	github.com/mmcloughlin/avo v0.6.0
	github.com/seed7bc074a2/maxent v0.0.0
	golang.org/x/arch v0.33.0
)

require (
	golang.org/x/mod v0.27.0 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/tools v0.36.0 // indirect
)

replace github.com/seed7bc074a2/maxent => ../
