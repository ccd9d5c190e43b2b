# maxent — make targets. `make test` is what CI runs (.ci/run).

GO        ?= go
PKGS      := ./...
FUZZTIME  ?= 3s
BENCHOUT  ?= bench.txt
QEMU_ARM64 := $(shell command -v qemu-aarch64-static 2>/dev/null || command -v qemu-aarch64 2>/dev/null)

.PHONY: all test check-fmt vet unit race purego cross arm64 fuzz gen-module bench benchstat demo fmt

all: test

## test: formatting, vet, unit tests (every backend), race, purego, cross-builds, arm64 under qemu, short fuzzing
test: check-fmt vet unit race purego cross arm64 fuzz gen-module
	@echo "make test: all checks passed"

check-fmt:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	GOARCH=arm64 $(GO) vet $(PKGS)
	GOARCH=386 $(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)

unit:
	$(GO) test -count=1 $(PKGS)

race:
	$(GO) test -count=1 -race -short ./kernel/

purego:
	$(GO) test -count=1 -short -tags purego $(PKGS)

cross:
	GOARCH=arm64 $(GO) build $(PKGS)
	GOARCH=386 $(GO) build $(PKGS)
	GOARCH=riscv64 $(GO) build $(PKGS)
	GOOS=js GOARCH=wasm $(GO) build $(PKGS)
	$(GO) build -tags purego $(PKGS)
	GOARCH=386 $(GO) test -count=1 -short ./fallback/ ./kernel/

arm64:
ifneq ($(QEMU_ARM64),)
	GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU_ARM64) $(PKGS)
else
	@echo "arm64: qemu-aarch64-static not found, skipping (apt-get install qemu-user-static)"
endif

FUZZ_KERNEL := $(shell grep -ho '^func Fuzz[A-Za-z0-9_]*' kernel/*_test.go | sed 's/func //')
FUZZ_DATA   := $(shell grep -ho '^func Fuzz[A-Za-z0-9_]*' kernel/data/*_test.go | sed 's/func //')

## fuzz: every fuzz target briefly (FUZZTIME each)
fuzz:
	@for f in $(FUZZ_KERNEL); do echo "fuzz $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./kernel/ >/dev/null || { $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./kernel/; exit 1; }; done
	@for f in $(FUZZ_DATA); do echo "fuzz $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./kernel/data/ >/dev/null || { $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./kernel/data/; exit 1; }; done

gen-module:
	cd gen && $(GO) vet ./... && $(GO) build ./...

## bench: the benchmark suite, raw output in $(BENCHOUT) (for benchstat)
bench:
	$(GO) test -run '^$$' -bench . -count 10 -timeout 60m ./bench/ | tee $(BENCHOUT)

## benchstat: compare the backends in $(BENCHOUT)
benchstat:
	$(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /isa $(BENCHOUT)

## demo: train and evaluate on the embedded digits, then predict with the saved model
demo:
	$(GO) run ./cmd/maxent train -o /tmp/maxent-digits.mxt
	$(GO) run ./cmd/maxent info

fmt:
	gofmt -w .
