module github.com/seed7bc074a2/maxent/gen

go 1.26
