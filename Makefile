# maxent — make targets. `make test` is what CI runs (.ci/run).

SHELL       := bash
.SHELLFLAGS := -o pipefail -c
GO        ?= go
PKGS      := ./...
FUZZTIME  ?= 3s
BENCHOUT  ?= bench.txt
# The backend the emulated legs must select: avx2 on a Haswell, neon on arm64.
HASWELL_BACKEND ?= avx2
ARM64_BACKEND ?= neon
QEMU_ARM64 := $(shell command -v qemu-aarch64-static 2>/dev/null || command -v qemu-aarch64 2>/dev/null)
QEMU_X86   := $(shell command -v qemu-x86_64-static 2>/dev/null || command -v qemu-x86_64 2>/dev/null)

.PHONY: fashion all test legs check-fmt vet lint unit race purego cross arm64 haswell fuzz gen-module bench-module generate check-generated bench benchstat roofline demo fmt textdata peers

all: test

# RUN386 says whether the cross leg runs GOARCH=386 go test: yes or no
# forces it (no: the notice, as on a kernel without IA-32 emulation); empty,
# the default, has the cross leg build a tiny 386 program and run it to find
# out (in its recipe, so that no other make command pays for the probe).
RUN386 ?=
# How many legs make test runs at once (TEST_JOBS=1: one after the other).
TEST_JOBS ?= 2

## test: formatting and the generated code first (regenerating rewrites
## asm/, which the other legs compile), then the other legs TEST_JOBS at a
## time, the longest first (haswell runs its emulated tests HASWELL_JOBS at
## a time; the other legs share the cores with it): vet, staticcheck, unit
## tests (every backend), race, purego, cross-builds, arm64 and Haswell under
## qemu, short fuzzing, the gen and bench modules. Each leg's output is
## printed in one piece when it ends; a failing leg fails make test once the
## legs already running have ended.
test:
	@$(MAKE) --no-print-directory check-fmt check-generated
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target legs
	@echo "make test: all checks passed"

legs: haswell arm64 race fuzz lint unit purego vet cross gen-module bench-module

check-fmt:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	GOARCH=arm64 $(GO) vet $(PKGS)
	GOARCH=386 $(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)

## lint: staticcheck (from the Go module proxy, pinned)
lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)
	cd gen && $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

unit:
	$(GO) test -count=1 $(PKGS)

race:
	$(GO) test -count=1 -race -short ./kernel/

purego:
	$(GO) test -count=1 -short -tags purego $(PKGS)

# The purego build (go build -tags purego) is the purego leg's: its go test
# -tags purego compiles every package and links every test binary.
TEST386 := GOARCH=386 $(GO) test -count=1 -short ./fallback/ ./kernel/ ./kernel/data/
SKIP386 := cross: this host cannot run 386 binaries, skipping GOARCH=386 go test
# CAN386 succeeds if a 386 program built into a temporary directory runs here.
CAN386 = ( d=$$(mktemp -d -t maxent-386.XXXXXX) || exit 1; trap 'rm -rf "$$d"' EXIT; \
	printf 'module probe\n\ngo 1.21\n' >"$$d/go.mod" && \
	printf 'package main\n\nfunc main() { print("386 ok") }\n' >"$$d/main.go" && \
	( cd "$$d" && GOWORK=off GOARCH=386 $(GO) build -o probe . ) >/dev/null 2>&1 && \
	[ "$$("$$d/probe" 2>&1)" = "386 ok" ] ) 2>/dev/null

cross:
	GOARCH=arm64 $(GO) build $(PKGS)
	GOARCH=386 $(GO) build $(PKGS)
	GOARCH=riscv64 $(GO) build $(PKGS)
	GOOS=js GOARCH=wasm $(GO) build $(PKGS)
ifeq ($(RUN386),no)
	@echo "$(SKIP386)"
else ifeq ($(RUN386),yes)
	$(TEST386)
else
	@if $(CAN386); then echo '$(TEST386)'; $(TEST386); else echo "$(SKIP386)"; fi
endif

arm64:
ifneq ($(QEMU_ARM64),)
	MAXENT_EXPECT_BACKEND=$(ARM64_BACKEND) GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU_ARM64) $(PKGS)
else
	@echo "arm64: qemu-aarch64-static not found, skipping (apt-get install qemu-user-static)"
endif

# pkg:Target for every fuzz target of these packages
FUZZ_PKGS    := kernel kernel/data kernel/data/text kernel/onnx
FUZZ_TARGETS := $(foreach p,$(FUZZ_PKGS),$(addprefix $(p):,$(shell grep -ho '^func Fuzz[A-Za-z0-9_]*' $(p)/*_test.go 2>/dev/null | sed 's/func //')))

## fuzz: every fuzz target briefly (FUZZTIME each). A failure is shown and
## the target run once more: a failing input the fuzzer found is saved in
## testdata/fuzz/ and fails the second run too, while a crash of the fuzzing
## machinery itself (seen once on a loaded machine, no input saved) does not
## turn CI red.
fuzz:
	@echo "fuzz: $(words $(FUZZ_TARGETS)) targets, $(FUZZTIME) each"
	@d=$$(mktemp -d -t maxent-fuzz.XXXXXX); trap 'rm -rf "$$d"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=./$${t%%:*}/; f=$${t#*:}; log=$$d/$$f.log; echo "fuzz $$f"; \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg >$$log 2>&1 && continue; \
		cat $$log; echo "fuzz $$f failed; running it again"; \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

## haswell: the amd64 tests on an emulated AVX2-only CPU (no AVX-512), which
## must select the avx2 backend (MAXENT_EXPECT_BACKEND) and prove that no
## AVX-512 instruction leaked into it. The test binaries are built into a
## temporary directory of this run; their tests (go test -list, less the
## benchmarks) run in batches of HASWELL_BATCH, HASWELL_JOBS batches at a
## time, each batch in its own qemu process; a failing batch's output is
## printed. The subtests of the generic backend are skipped (HASWELL_SKIP):
## they run the same instructions as in the unit leg, natively; make haswell
## HASWELL_SKIP= runs them too.
HASWELL_JOBS  ?= 2
HASWELL_BATCH ?= 3
HASWELL_SKIP  ?= /^(isa=)?generic(\#[0-9]+)?$$
# One batch: $$1 is a file $$HASWELL_DIR/<package>.batch.<n> of test names.
define haswell_batch
b=$1; p=${b##*/}; p=${p%%.batch.*}; names=$(paste -sd' ' "$b")
env=(); [ "$p" = kernel ] && env=(MAXENT_EXPECT_BACKEND="$HASWELL_BACKEND")
t0=$SECONDS
if (cd "$p" && env "${env[@]}" "$QEMU_X86" -cpu Haswell "$HASWELL_DIR/$p.test" -test.short -test.count=1 \
	-test.run "^($(paste -sd'|' "$b"))\$" -test.skip "$HASWELL_SKIP") >"$b.log" 2>&1; then
	echo "ok   $p $((SECONDS-t0))s: $names"
else
	echo "FAIL $p: $names"; grep -v "TCG doesn't support" "$b.log"; exit 1
fi
endef
haswell: export HASWELL_BATCH_SH := $(value haswell_batch)
haswell:
ifneq ($(QEMU_X86),)
	@d=$$(mktemp -d -t maxent-haswell.XXXXXX) && trap 'rm -rf "$$d"' EXIT && \
	export HASWELL_DIR=$$d QEMU_X86='$(QEMU_X86)' HASWELL_BACKEND='$(HASWELL_BACKEND)' HASWELL_SKIP='$(HASWELL_SKIP)' && \
	echo "$(GO) test -c -o $$d/ ./kernel/ ./asm/" && $(GO) test -c -o "$$d/" ./kernel/ ./asm/ && \
	for p in kernel asm; do \
		( cd $$p && $(QEMU_X86) -cpu Haswell "$$d/$$p.test" -test.list . 2>/dev/null ) | grep -v '^Benchmark' | tac | \
		split -l $(HASWELL_BATCH) - "$$d/$$p.batch." || exit 1; \
	done && \
	echo "haswell: $$(cat "$$d"/*.batch.* | wc -l) tests in $$(ls "$$d"/*.batch.* | wc -l) batches, $(HASWELL_JOBS) at a time, on $(QEMU_X86) -cpu Haswell (skipping subtests $(HASWELL_SKIP))" && \
	ls "$$d"/kernel.batch.* "$$d"/asm.batch.* | xargs -P $(HASWELL_JOBS) -n 1 bash -c "$$HASWELL_BATCH_SH" haswell-batch
else
	@echo "haswell: qemu-x86_64-static not found, skipping (apt-get install qemu-user-static)"
endif

gen-module:
	cd gen && $(GO) vet ./... && $(GO) test -count=1 ./...

bench-module:
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -short ./...

## generate: regenerate the assembly in asm/ from gen/ (avo for amd64, our
## own emitter for arm64)
generate:
	cd gen && $(GO) run ./amd64/linalg -dir ../asm
	cd gen && $(GO) run ./amd64/softmax -dir ../asm
	cd gen && $(GO) run ./amd64/softmax -predict -dir ../asm
	cd gen && $(GO) run ./amd64/sparse -out ../asm/sparse_amd64.s
	cd gen && $(GO) run ./arm64 -out ../asm/neon_arm64.s
	cd gen && $(GO) run ./arm64 -sparse-out ../asm/sparse_arm64.s

## check-generated: regenerate and fail if anything in asm/ changed
check-generated: generate
	@git diff --exit-code -- 'asm/*.s' asm/shapes_amd64.go && test -z "$$(git status --porcelain -- 'asm/*.s' asm/shapes_amd64.go)" || { echo "asm/ is not what gen/ generates: run make generate and commit"; exit 1; }
	@$(MAKE) --no-print-directory asm-size

include gen/budget.mk

## bench: the benchmark suite, raw output in $(BENCHOUT) (for benchstat)
bench:
	cd bench && $(GO) test -run '^$$' -bench . -count 10 -timeout 60m ./... | tee ../$(BENCHOUT)

## roofline: the same suite in-process (maxent bench): comparison table,
## raw results in $(BENCHOUT) and a roofline chart in roofline.svg
roofline:
	$(GO) run ./cmd/maxent bench -count 10 -o $(BENCHOUT) -svg roofline.svg

## benchstat: compare the backends in $(BENCHOUT)
benchstat:
	$(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /isa $(BENCHOUT)

FASHION ?= /usr/share/datasets/fashion-mnist
# sklearn's LogisticRegression(C=1) objective on 60,000 rows: λ = 1/n.
FASHION_L2 ?= 1.6666667e-5

## fashion: Fashion-MNIST end to end (installs the Debian package
## dataset-fashion-mnist if missing): one JSON line per run on stdout.
## L-BFGS keeps 40 pairs, so 55 iterations do what 100 with SciPy's 10 do
## (the fewest that reach both of issue 5's targets, log-loss ≤ 0.389 and
## test accuracy ≥ 0.843; 50 stop at 0.8426); SGD runs on 1 and on 2
## workers and reports each epoch's seconds, on the pixels as 8-bit codes
## (the default, "rows":"codes") and then on float32 rows (-codes off).
fashion:
	@test -e $(FASHION)/train-images-idx3-ubyte.gz || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; }
	@d=$$(mktemp -d -t maxent-fashion.XXXXXX) && trap 'rm -rf "$$d"' EXIT && m=$$d/maxent && \
	$(GO) build -o $$m ./cmd/maxent && \
	$$m train -data $(FASHION) -solver lbfgs -l2 $(FASHION_L2) -memory 40 -iters 55 -json && \
	$$m train -data $(FASHION) -solver sgd -epochs 5 -batch 64 -lr 0.05 -l2 $(FASHION_L2) -workers 1 -json && \
	$$m train -data $(FASHION) -solver sgd -epochs 5 -batch 64 -lr 0.05 -l2 $(FASHION_L2) -workers 2 -json && \
	$$m train -data $(FASHION) -solver sgd -epochs 5 -batch 64 -lr 0.05 -l2 $(FASHION_L2) -workers 1 -codes off -json && \
	$$m train -data $(FASHION) -solver sgd -epochs 5 -batch 64 -lr 0.05 -l2 $(FASHION_L2) -workers 2 -codes off -json

TEXTDATA ?= /tmp/textdata

## textdata: the text corpus of the sparse and text benchmarks, from the Go
## source tree (bench/textdata/make_textdata.py: Debian's python3-sklearn)
textdata:
	@/usr/bin/python3 -c 'import sklearn' 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn; }
	/usr/bin/python3 bench/textdata/make_textdata.py "$$($(GO) env GOROOT)" $(TEXTDATA)

## peers: liblinear, fastText and maxent on the text corpus in one run
## (installs liblinear-tools and fasttext if missing): one table
peers: textdata
	@command -v liblinear-train >/dev/null && command -v fasttext >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblinear-tools fasttext; }
	bash bench/textdata/peers.sh $(TEXTDATA)

## demo: train on the embedded digits, save the model, evaluate it and predict with it
## (the model and the predictions go to a temporary directory of this run)
demo:
	@d=$$(mktemp -d -t maxent-demo.XXXXXX) && trap 'rm -rf "$$d"' EXIT && set -x && \
	$(GO) run ./cmd/maxent info && \
	$(GO) run ./cmd/maxent train -o $$d/digits.mxt && \
	$(GO) run ./cmd/maxent eval -model $$d/digits.mxt -data kernel/data/digits.csv.gz && \
	$(GO) run ./cmd/maxent predict -model $$d/digits.mxt -data kernel/data/digits.csv.gz -proba > $$d/digits-pred.csv && \
	head -3 $$d/digits-pred.csv

fmt:
	gofmt -w .
