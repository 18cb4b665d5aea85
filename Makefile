# Thin wrapper over CMake. The two set-up commands of README.md:
#   make check   builds everything and runs the corpus under gorace
#   make test    builds everything and runs every test (ctest)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build check test goker-full bench asan debugchecks clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@echo "== configure and build ($(BUILD))"
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The race corpus (two thirds of the programs) runs 10 seeds, not 50: its
# verdicts rest on happens-before, not on the schedule, and ctest's
# race_engines_agree runs it 20 more times free and under the TSan engine.
CORPUS_NONRACE = $(filter-out corpus/race/,$(sort $(wildcard corpus/*/)))

check: build
	@echo "== gorace check corpus/ (corpus/race/ with 10 seeds)"
	@$(BUILD)/harness/gorace check -j $(JOBS) $(CORPUS_NONRACE); a=$$?; \
	 $(BUILD)/harness/gorace check -j $(JOBS) --seeds 10 corpus/race; b=$$?; \
	 [ $$a -eq 0 ] && [ $$b -eq 0 ]

# The cluster test (a one-node Slurm cluster) runs on its own, after the
# rest, with one retry: a loaded machine has once kept slurmd from
# registering its node in time (2 runs in ~35), which says nothing about
# gorace. goker_full (the GoKer kernels with 200 seeds each, ~11 minutes
# on 2 cores) is left out: `make goker-full` runs it.
test: build
	@echo "== ctest"
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'cluster|goker_full'
	@cd $(BUILD) && ctest --output-on-failure -L cluster --repeat until-pass:2 --no-tests=ignore

goker-full: build
	@echo "== ctest -L goker_full (corpus/goker, 200 seeds each)"
	@cd $(BUILD) && ctest --output-on-failure -L goker_full

bench: build
	@bench/compare --build-dir $(BUILD)

# The runtime and its unit tests under AddressSanitizer + UBSan.
# ASan+UBSan with the checking build's lock-rank and goroutine-status
# checks on too: one extra build in CI covers both.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  CMAKE_FLAGS="-DGORACE_SANITIZE=ON -DGORACE_DEBUG_CHECKS=ON -DGORACE_BENCH=OFF -DGORACE_HARNESS=OFF" test

# The checking build: lock ranks (rt/lockrank.h) and goroutine status
# transitions (rt/proc.h) verified, with the unit, death, stress and
# detector tests.
debugchecks:
	@$(MAKE) --no-print-directory BUILD=build-debugchecks \
	  CMAKE_FLAGS="-DGORACE_DEBUG_CHECKS=ON -DGORACE_BENCH=OFF -DGORACE_HARNESS=OFF" test

clean:
	rm -rf build build-asan build-debugchecks
