# autoscale-sim -- build, test, benchmark, install.
#
#   make            build ./autoscale-sim (release: -O2)
#   make deps       install the Debian packages the build needs (apt-get, root)
#   make demo       run the bundled default scenario and draw its figures
#   make test       unit, validation and CLI tests (release build), golden files included
#   make test-unit  the C unit tests only;  make test-cli  the CLI tests only
#   make golden-update  rewrite tests/golden/ from this build (after an intended
#                   output change; review `git diff tests/golden`, commit)
#   make check      the same tests under AddressSanitizer + UBSan
#   make bench      speed figures (events/s, requests/s, memory)
#   make install    PREFIX=/usr/local DESTDIR=
#
# User CFLAGS/LDFLAGS are appended, never replaced.  V=1 shows full commands.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++
V       ?= 0

BUILD_PKGS = libgsl-dev libcjson-dev libcsv-dev libdouble-conversion-dev libre2-dev zlib1g-dev libyaml-dev libxxhash-dev g++ gnuplot-nox pkg-config
TEST_PKGS  = prometheus parallel chromium fonts-dejavu-core python3 curl iproute2

# Evaluated on first use, i.e. when the first compile or link runs, after
# `deps` (an order-only prerequisite of every object) has installed pkg-config
# and the libraries on a fresh machine; then cached.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags gsl libcjson zlib yaml-0.1 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs gsl libcjson yaml-0.1 2>/dev/null) \
              $(shell pkg-config --libs zlib 2>/dev/null || echo -lz) \
              $(shell pkg-config --libs libxxhash 2>/dev/null || echo -lxxhash) \
              $(shell pkg-config --libs libcsv 2>/dev/null || echo -lcsv) \
              $(shell pkg-config --libs re2 2>/dev/null || echo -lre2))$(PKG_LIBS)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wno-unused-parameter
BASE_CFLAGS = -std=c11 -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -MMD -MP -g $(PKG_CFLAGS)
OPT     = -O2

ifeq ($(SANITIZE),1)
BUILD  ?= build/asan
OPT     = -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_LDFLAGS = -fsanitize=address,undefined
else
BUILD  ?= build/release
endif

ALL_CFLAGS  = $(BASE_CFLAGS) $(OPT) $(CFLAGS)
# C++ is used only for thin wrappers over C++ libraries (sim/engine/dconv.cc, models/promql/regex.cc).
ALL_CXXFLAGS = -std=c++17 -I. -Wall -Wextra -Werror -MMD -MP -g $(OPT) $(CXXFLAGS)
ALL_LDFLAGS = $(SAN_LDFLAGS) $(LDFLAGS)
# double-conversion (sim/engine/dconv.cc) and RE2 (models/promql/regex.cc) are C++: link its runtime too.
LIBS        = $(PKG_LIBS) -lre2 -ldouble-conversion -lstdc++ -lm

ifeq ($(V),1)
Q =
else
Q = @
endif

LIB_SRC  = $(filter-out sim/cli/main.c,$(wildcard sim/*/*.c)) $(wildcard models/*/*.c)
LIB_CXX_SRC = $(wildcard sim/*/*.cc models/*/*.cc)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_CXX_SRC:%.cc=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/sim/cli/main.o
TEST_SRC = $(wildcard tests/test_*.c tests/unit/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC = $(wildcard tests/bench_*.c)
BENCH_BIN = $(BENCH_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all deps deps-test demo test test-unit test-cli golden-update check bench install uninstall clean fuzz tests-build

all: autoscale-sim

deps:
	@scripts/deps.sh $(BUILD_PKGS)

deps-test: deps
	@scripts/deps.sh $(TEST_PKGS)

autoscale-sim: $(BUILD)/autoscale-sim
	$(Q)cp $< $@

$(BUILD)/autoscale-sim: $(MAIN_OBJ) $(LIB_OBJ) | deps
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB_OBJ) $(LIBS)

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc | deps
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

tests-build: $(BUILD)/autoscale-sim $(TEST_BIN)

demo: autoscale-sim
	./autoscale-sim run --plot --report

# The whole suite: unit tests, validation against theory and real Prometheus,
# CLI tests.  Prints "N passed, N failed" last.
test: deps-test
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)cp $(BUILD)/autoscale-sim autoscale-sim
	$(Q)scripts/check_layers.sh
	$(Q)tests/run.sh $(BUILD)

test-unit test-cli: deps-test
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)cp $(BUILD)/autoscale-sim autoscale-sim
	$(Q)tests/run.sh $(BUILD) $(@:test-%=%)

# The golden files (tests/golden/NAME/) from this build's outputs: one
# command after an intended change; tests/cli/test_golden.sh then checks them.
golden-update: autoscale-sim
	$(Q)scripts/golden.sh --update ./autoscale-sim

check: deps-test
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 BUILD=build/asan tests-build
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ASIM_SANITIZED=1 tests/run.sh build/asan

bench: autoscale-sim $(BENCH_BIN)
	$(Q)scripts/bench.sh $(BUILD)

install: autoscale-sim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/autoscale-sim/scenarios \
	    $(DESTDIR)$(PREFIX)/share/autoscale-sim/scripts $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 autoscale-sim $(DESTDIR)$(PREFIX)/bin/autoscale-sim
	install -m 644 scenarios/*.json $(DESTDIR)$(PREFIX)/share/autoscale-sim/scenarios/
	for d in traces policies; do [ -d scenarios/$$d ] || continue; \
	    install -d $(DESTDIR)$(PREFIX)/share/autoscale-sim/scenarios/$$d; \
	    install -m 644 scenarios/$$d/* $(DESTDIR)$(PREFIX)/share/autoscale-sim/scenarios/$$d/; done
	install -m 644 scripts/*.gp $(DESTDIR)$(PREFIX)/share/autoscale-sim/scripts/ 2>/dev/null || true
	install -m 644 doc/autoscale-sim.1 $(DESTDIR)$(PREFIX)/share/man/man1/autoscale-sim.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/autoscale-sim $(DESTDIR)$(PREFIX)/share/man/man1/autoscale-sim.1
	rm -rf $(DESTDIR)$(PREFIX)/share/autoscale-sim

clean:
	rm -rf build autoscale-sim

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- fuzzing ---------------------------------------------------------------
# make fuzz [FUZZ_TIME=60] [FUZZ_ONLY=fuzz_trace_csv]: builds every
# tests/fuzz/fuzz_*.c as a libFuzzer binary (clang, -fsanitize=fuzzer,address,
# undefined) into build/fuzz/ and runs each for FUZZ_TIME seconds on its corpus
# build/fuzz/corpus/<name>/ (seeded from tests/fuzz/corpus/<name>/).
# A crasher is left as build/fuzz/<name>-crash-* (or -timeout-*);
# keep it under tests/fuzz/regress/, where tests/test_trace.c replays it.
FUZZ_CC    ?= clang
FUZZ_BUILD  = build/fuzz
FUZZ_TIME  ?= 60
FUZZ_ONLY  ?=
FUZZ_CFLAGS = $(BASE_CFLAGS) -Wno-error -g -O1 -fno-omit-frame-pointer $(CFLAGS)
FUZZ_CXX   ?= clang++
FUZZ_OBJ    = $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(LIB_CXX_SRC:%.cc=$(FUZZ_BUILD)/%.o)
FUZZ_BIN    = $(if $(FUZZ_ONLY),$(FUZZ_BUILD)/$(FUZZ_ONLY),$(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%))

.SECONDARY: $(FUZZ_OBJ)

fuzz: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do n=$$(basename $$f); c=$(FUZZ_BUILD)/corpus/$$n; mkdir -p $$c; \
	    seeds=; [ -d tests/fuzz/corpus/$$n ] && seeds=tests/fuzz/corpus/$$n; \
	    echo "  FUZZ    $$n for $(FUZZ_TIME) s"; \
	    $$f -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	        -artifact_prefix=$(FUZZ_BUILD)/$$n- $$c $$seeds > $(FUZZ_BUILD)/$$n.log 2>&1 \
	        || { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
	    grep -E '^Done [0-9]+ runs' $(FUZZ_BUILD)/$$n.log | tail -1; done

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -c -o $@ $<

$(FUZZ_BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX     $< (fuzz)"
	$(Q)$(FUZZ_CXX) -std=c++17 -I. -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(FUZZ_OBJ) $(LIBS)
