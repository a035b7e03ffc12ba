# rasbeat - rhythmic auditory stimulation for JACK
#
#   make            build ./rasbeat (and the cue files in cues/)
#   make run        build and start a demo session (renders a WAV without JACK)
#   make check      CUnit suites (JACK, PipeWire included) and the evdev VM test
#   make check-evdev  only the VM test: real /dev/input devices via uinput
#   make check-asan   every suite under AddressSanitizer and UBSan
#   make check-valgrind  the unit suites under valgrind memcheck
#   make fuzz       libFuzzer on every parser, FUZZ_SECONDS (60) each (fuzz/)
#   make eval       detector accuracy on ../shared/data (BENCHMARKS.md)
#   make bench      benchmark against klick; see BENCHMARKS.md
#   make install    to $(PREFIX) (default /usr/local)
#
# Missing libraries are installed by scripts/install-deps (Debian).

VERSION := 0.1.0
PKGS := jack sndfile libevdev samplerate inih jansson fluidsynth rubberband aubio liblo ncursesw
TEST_PKGS := cunit libxml-2.0 libpng

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	  -Wno-missing-field-initializers -Iinclude -DRASBEAT_VERSION='"$(VERSION)"'
# Extra compile-and-link flags (make check-asan sets the sanitizers here).
SANITIZE ?=
CFLAGS += $(SANITIZE)

# Install the Debian packages first when pkg-config cannot find a library.
DEPS_OK := $(shell pkg-config --exists $(PKGS) $(TEST_PKGS) && echo yes)
ifneq ($(DEPS_OK),yes)
ifeq ($(filter help clean,$(MAKECMDGOALS)),)
$(info rasbeat: pkg-config is missing some of: $(PKGS) $(TEST_PKGS); running scripts/install-deps)
$(shell scripts/install-deps >&2)
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CUNIT_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
LIBS := $(PKG_LIBS) -lm -lpthread

LIB_SRC := $(wildcard src/*/*.c)
BUILD ?= build
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c tests/*/test_*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/run_tests.o $(BUILD)/tests/rtcheck.o

.PHONY: all run check check-asan check-valgrind unit bench clean install install-deps
all: rasbeat cues/.stamp

$(BUILD)/%.o: %.c $(wildcard include/rasbeat/*.h) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -c $< -o $@

# libxml2 (the report tests parse SVG and HTML) keeps its headers apart.
$(BUILD)/tests/%.o: PKG_CFLAGS += $(TEST_CFLAGS)

$(BUILD)/librasbeat.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

rasbeat: $(BUILD)/src/main.o $(BUILD)/librasbeat.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# The same binary inside the build directory (make check-asan tests this
# one: the suites run $RASBEAT_BIN, ./rasbeat by default).
$(BUILD)/rasbeat: $(BUILD)/src/main.o $(BUILD)/librasbeat.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

cues/.stamp: rasbeat
	./rasbeat cues --out-dir cues --quiet
	@touch $@

run: all
	./rasbeat demo

$(BUILD)/run_tests: $(TEST_OBJ) $(BUILD)/librasbeat.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(CUNIT_LIBS) -lquadmath -ldl

# The tests need programs as well as libraries (jackd, PipeWire, a comma
# locale, qemu for the VM): install-deps is a quick no-op once all is there.
# The VM runs first so that CUnit's summary closes the output.
check: install-deps $(BUILD)/jackcap $(BUILD)/jackclock
	$(MAKE) $(BUILD)/run_tests all
	$(MAKE) check-evdev
	$(BUILD)/run_tests

# make check-asan: the whole suite (JACK and PipeWire included) with the
# library, the test runner, its helpers and the rasbeat binary the suites
# run (RASBEAT_BIN) all built with AddressSanitizer, LeakSanitizer and
# UBSan into build-asan. Any report fails: UBSan halts (exit 1, its report
# on stderr), ASan aborts, and ASan's and LSan's reports of every process
# (children whose output a test swallows too) go to build-asan/san-logs,
# printed at the end. Third-party leaks are
# suppressed in tests/lsan.supp, one commented entry per library.
# ./rasbeat (the normal build) only renders the cue files the suites read.
# verify_asan_link_order=0: the jack suite preloads librtpreload.so into
# rasbeat, ahead of the ASan runtime. About 4 min here (2 cores, build included).
ASAN_BUILD := build-asan
ASAN_SAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -fno-omit-frame-pointer
ASAN_LOGS := $(CURDIR)/$(ASAN_BUILD)/san-logs
ASAN_ENV := RASBEAT_BIN=$(ASAN_BUILD)/rasbeat \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:verify_asan_link_order=0:log_path=$(ASAN_LOGS)/asan \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check-asan: install-deps
	$(MAKE) all
	$(MAKE) BUILD=$(ASAN_BUILD) SANITIZE="$(ASAN_SAN)" $(ASAN_BUILD)/run_tests \
		$(ASAN_BUILD)/rasbeat
	@rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS)
	@$(ASAN_ENV) $(ASAN_BUILD)/run_tests; rc=$$?; \
	if [ -n "$$(ls $(ASAN_LOGS))" ]; then \
		cat $(ASAN_LOGS)/*; \
		echo "check-asan: FAILED: sanitizer reports above ($(ASAN_LOGS))" >&2; rc=1; \
	fi; exit $$rc

# make check-valgrind: the unit suites in the normal build under valgrind
# memcheck: no error, no definite or indirect leak (tests/valgrind.supp
# holds the third-party noise, commented). Each suite runs in its own
# valgrind. Left out:
#   jack, pipewire  servers, real-time deadlines and other processes: what
#                   they test of rasbeat runs in ./rasbeat, a child that
#                   valgrind does not follow (check-asan covers them)
#   song            time-stretches whole songs through Rubber Band: over
#                   15 min under valgrind, and its CPU-per-block test is a
#                   speed bound (check-asan covers it)
#   the VM test     (check-evdev) runs in qemu
# Suites that spawn ./rasbeat (main, cli's, report's chromium, console's
# tmux) check the runner's side only: the children run natively.
# somalloc=nouserintercepts: valgrind leaves the runner's own malloc & co.
# (tests/rtcheck.c counts real-time violations with them) in place and
# intercepts glibc's __libc_malloc they call; otherwise the real-time
# checks would count nothing. About 8 min here.
VALGRIND := valgrind --error-exitcode=1 --leak-check=full --num-callers=40 \
	--soname-synonyms=somalloc=nouserintercepts \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--track-origins=yes --child-silent-after-fork=yes \
	--suppressions=tests/valgrind.supp
VALGRIND_SUITES := schedule engine limiter sound spsc decimal tempomap tempo session program \
	cuefile render beatlog cli main detect evdev clocksync evemu gait measures steplog \
	stepsource walker record report sessionlog bed console osc midi-smf \
	midi-groove midi-synth

check-valgrind: install-deps
	$(MAKE) $(BUILD)/run_tests all
	@failed=""; for s in $(VALGRIND_SUITES); do \
		echo "== check-valgrind: $$s"; \
		$(VALGRIND) $(BUILD)/run_tests $$s || failed="$$failed $$s"; \
	done; \
	if [ -n "$$failed" ]; then echo "check-valgrind: FAILED:$$failed" >&2; exit 1; fi; \
	echo "check-valgrind: all $(words $(VALGRIND_SUITES)) suites clean"

$(BUILD)/bench: bench/bench.c $(BUILD)/librasbeat.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $^ $(LIBS) -lquadmath

bench: all $(BUILD)/bench
	BENCH=$(BUILD)/bench bench/run.sh

install-deps:
	scripts/install-deps

PREFIX ?= /usr/local
install: all
	install -D -m 755 rasbeat $(DESTDIR)$(PREFIX)/bin/rasbeat
	install -D -m 644 docs/rasbeat.1 $(DESTDIR)$(PREFIX)/share/man/man1/rasbeat.1
	install -d $(DESTDIR)$(PREFIX)/share/rasbeat/presets $(DESTDIR)$(PREFIX)/share/rasbeat/cues
	install -m 644 presets/*.map presets/*.ini $(DESTDIR)$(PREFIX)/share/rasbeat/presets
	install -m 644 cues/*.wav cues/*.flac cues/*.ogg $(DESTDIR)$(PREFIX)/share/rasbeat/cues

clean:
	rm -rf build build-asan rasbeat cues/*.wav cues/*.flac cues/*.ogg cues/.stamp

# PipeWire/JACK capture tool (tests)
# jackcap records a JACK client's inputs to a file; jackclock tells which
# system clock the server's time follows. libjack only, so under pw-jack they
# run on PipeWire's JACK (tests/audio/test_pipewire.c finds them beside
# $(BUILD)/run_tests).
JACK_LIBS := $(shell pkg-config --libs jack 2>/dev/null)

$(BUILD)/jackcap: tests/tools/jackcap.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(JACK_LIBS)

$(BUILD)/jackclock: tests/tools/jackclock.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(JACK_LIBS)

# The pipewire suite runs them: build them with the test runner.
$(BUILD)/run_tests: | $(BUILD)/jackcap $(BUILD)/jackclock

# rtpreload: preloaded into rasbeat play by the jack suite to prove its
# audio thread never allocates, locks, sleeps or does I/O. Sanitized along
# with rasbeat (make check-asan): it then counts with ASan's hooks.
$(BUILD)/librtpreload.so: tests/tools/rtpreload.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fPIC -shared -Wall $(SANITIZE) -o $@ $< -ldl -lpthread

$(BUILD)/run_tests: | $(BUILD)/librtpreload.so

# console_demo: the console over a made-up session, driven in tmux by
# tests/ui/test_console.c (found beside run_tests).
$(BUILD)/console_demo: tests/ui/console_demo.c $(BUILD)/librasbeat.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/run_tests: | $(BUILD)/console_demo

# make check-evdev: real input devices in a qemu VM
# tests/vm/run.sh boots Debian's stock kernel in qemu (TCG when KVM is not
# usable) with a tiny initramfs holding busybox and tests/vm/vm_evdev, which
# drives uinput devices through rasbeat's own reader: about 15 s a run under
# TCG (boot 2 s, the step patterns play in real time).
# A skip (no qemu, no kernel, no network to fetch them) exits 77, so
# make fails loudly; EVDEV_SKIP_OK=1 turns a skip into success.
.PHONY: check-evdev
$(BUILD)/src/sensor/evdev.o $(BUILD)/src/sensor/devices.o: src/sensor/evdev-priv.h

$(BUILD)/vm_evdev: tests/vm/vm_evdev.c $(BUILD)/librasbeat.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -o $@ $^ -Wl,--as-needed $(LIBS) $(CUNIT_LIBS)

check-evdev: $(BUILD)/vm_evdev
	@scripts/install-deps --vm $(BUILD)/vm/kernel || \
		echo "check-evdev: could not install what the VM needs (see above)" >&2
	@tests/vm/run.sh --build $(BUILD) $(BUILD)/vm_evdev; rc=$$?; \
	if [ $$rc = 77 ]; then \
		echo "check-evdev: SKIPPED: nothing was tested (the reason is above)" >&2; \
		if [ -n "$(EVDEV_SKIP_OK)" ]; then exit 0; fi; \
	fi; \
	exit $$rc

# make eval: detector accuracy on ../shared/data
# eval/convert turns each public gait record into an evemu recording plus
# its ground truth under $(BUILD)/eval/rec (the data are read where they
# sit, never copied into the tree); eval/evaluate replays them through
# ras_detector and scores them against the targets (BENCHMARKS.md,
# "Detector accuracy"). EVAL_STRICT=1 makes a missed target fail.
EVAL_DATA ?= ../shared/data
EVAL_OUT := $(BUILD)/eval/rec

$(BUILD)/eval/convert: eval/convert.c $(BUILD)/librasbeat.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/eval/evaluate: eval/evaluate.c $(BUILD)/librasbeat.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $^ $(LIBS)

.PHONY: eval
eval: $(BUILD)/eval/convert $(BUILD)/eval/evaluate
	@if [ ! -d "$(EVAL_DATA)" ]; then \
		echo "make eval: $(EVAL_DATA) is absent (the gait recordings sit beside the checkout as shared/data); nothing to evaluate."; \
	else \
		rm -rf $(EVAL_OUT) && \
		$(BUILD)/eval/convert $(EVAL_DATA) $(EVAL_OUT) && \
		$(BUILD)/eval/evaluate $(EVAL_OUT); \
	fi

# make fuzz: libFuzzer targets for every parser (fuzz/README.md)
# The library is compiled again with clang into $(FUZZ_BUILD) with ASan,
# UBSan and libFuzzer's coverage; each fuzz/fuzz_NAME.c links against it.
# `make fuzz` runs every target for FUZZ_SECONDS (default 60) each, one
# after the other, from a corpus of the project's own files (presets,
# grooves, evemu recordings, fuzz/corpus/NAME, and what fuzz/mkseeds
# writes). Any crash, leak, UB, timeout (10 s on one input: a hang) or
# use of over 2 GB fails it, naming the target and the reproducer (the
# other targets still run). FUZZ=NAME runs that one only (FUZZ="osc smf"
# those). `make fuzz-build` only builds.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_OBJ): $(FUZZ_BUILD)/%.o: %.c $(wildcard include/rasbeat/*.h) $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/librasbeat-fuzz.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $(FUZZ_BUILD)/librasbeat-fuzz.a
	$(FUZZ_CC) $(CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< \
		$(FUZZ_BUILD)/librasbeat-fuzz.a $(LIBS)

# Writes the binary seeds (OSC datagrams, MIDI and audio files, command
# lines); plain clang, no sanitizer.
$(FUZZ_BUILD)/mkseeds: fuzz/mkseeds.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%) $(FUZZ_BUILD)/mkseeds

fuzz: install-deps
	$(MAKE) fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ)
