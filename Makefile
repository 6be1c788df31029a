# h3cli — one Makefile for the binary, the engine library, tools, tests, benchmarks.
# Sources are found by wildcard: a new core/foo.c joins libh3cli.a, a new
# tests/unit/x_test.c becomes a test, a new tests/tools/x.c becomes build/x.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
SHARED     ?= $(abspath ../shared)
BUILD      ?= build
DEPS_DIR   := build/deps
SAN        ?=

CC         ?= cc
WARN       := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
              -Wmissing-prototypes -Wvla -Wformat=2
OPT        ?= -O2 -g
CFLAGS_ALL := -std=c11 $(WARN) $(OPT) -D_DEFAULT_SOURCE -I. -I$(BUILD)/include \
              -DH3CLI_VERSION='"$(VERSION)"' -fno-strict-aliasing
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
endif

# Dependencies: deps/ installs missing Debian packages and builds wolfSSL with
# QUIC once; the result is cached in build/deps.mk (re-made only when deps/
# changes). Goals that need no compiler skip it.
DEPS_MK := build/deps.mk
# The deps.mk rule below comes first: without this a bare `make` would only
# refresh it and build nothing.
.DEFAULT_GOAL := all
NODEPS_GOALS := clean distclean help
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(DEPS_MK)
endif
$(DEPS_MK): deps/packages.txt deps/ensure-packages.sh deps/wolfssl.sh deps/config.sh
	@mkdir -p build
	@bash deps/config.sh $(DEPS_DIR) > $@.tmp && mv $@.tmp $@

CFLAGS_ALL += $(WOLFSSL_CFLAGS) $(EV_CFLAGS)
LIBS       := $(WOLFSSL_LIBS) -lm -lpthread

LIB_SRC    := $(sort $(wildcard core/*.c qpack/*.c h3/*.c))
CMD_SRC    := $(sort $(wildcard cmd/*.c))
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/*_test.c))
SUPPORT_SRC:= $(sort $(wildcard tests/unit/support/*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC  := $(sort $(wildcard bench/*.c))
PUB_HDRS   := core/quic.h qpack/qpack.h h3/h3.h

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB        := $(BUILD)/libh3cli.a
BIN        := $(BUILD)/h3cli
TOOLS      := $(patsubst tests/tools/%.c,$(BUILD)/%,$(TOOL_SRC))
UNITS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
FUZZ_REPLAY:= $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SRC))
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
INC_LINKS  := $(addprefix $(BUILD)/include/h3cli/,$(notdir $(wildcard $(PUB_HDRS))))

# Keep intermediate objects and header links (pattern rules would delete them).
.SECONDARY:

.PHONY: all check unit fuzz-replay demo bench install uninstall clean distclean format format-check help
all: $(BIN) $(LIB) $(TOOLS)

help:
	@echo "make            build $(BUILD)/h3cli, $(BUILD)/libh3cli.a and the test tools"
	@echo "make demo       build and run the main job"
	@echo "make check      run every test suite (unit, ASan+UBSan, fuzz replay, Bats, interop)"
	@echo "make bench      run the benchmarks"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=…"

# Public headers are reachable as <h3cli/quic.h> etc., as they are once installed.
$(BUILD)/include/h3cli/%.h: | $(BUILD)/include/h3cli
	@ln -sf $(abspath $(filter %/$*.h,$(PUB_HDRS))) $@
$(BUILD)/include/h3cli:
	@mkdir -p $@

$(BUILD)/obj/%.o: %.c $(DEPS_MK) | $(INC_LINKS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(call obj,$(LIB_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

# cmd/ minus main.c is an archive too, so unit tests can link its modules.
CMD_LIB := $(BUILD)/libh3cmd.a
$(CMD_LIB): $(call obj,$(filter-out cmd/main.c,$(CMD_SRC)))
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/obj/cmd/main.o $(CMD_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/cmd/main.o $(CMD_LIB) $(LIB) $(EV_LIBS) $(LIBS)

$(BUILD)/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# Test support code is an archive, so a test links only the parts it uses.
SUPPORT_LIB := $(BUILD)/libtestsupport.a
$(SUPPORT_LIB): $(call obj,$(SUPPORT_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_LIB) $(CMD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_LIB) $(CMD_LIB) $(LIB) $(CMOCKA_LIBS) $(EV_LIBS) $(LIBS)

# Fuzz targets: a plain main() replays the committed corpus (any compiler);
# `make fuzz T=name` builds the libFuzzer binary with clang.
$(BUILD)/tests/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
fuzz:
	@test -n "$(T)" || { echo "usage: make fuzz T=fuzz_name" >&2; exit 2; }
	+$(MAKE) BUILD=build/fuzz CC=clang SAN= OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build/fuzz/libh3cli.a
	clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -I. -Ibuild/fuzz/include \
	  $(WOLFSSL_CFLAGS) tests/fuzz/$(T).c build/fuzz/libh3cli.a $(LIBS) -o build/fuzz/$(T)
	@echo "run: build/fuzz/$(T) tests/fuzz/corpus/$(patsubst fuzz_%,%,$(T))"

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(NGHTTP3_LIBS) $(LIBS)

unit: $(UNITS)
fuzz-replay: $(FUZZ_REPLAY)

check: all unit fuzz-replay
	@bash deps/ensure-packages.sh deps/test-packages.txt
	@bash deps/interop.sh $(BUILD)
	+@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" unit fuzz-replay
	@bash tests/run.sh

demo: all
	@bash tests/demo.sh $(BIN)

bench: all $(BENCHES)
	@bash bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/h3cli $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/h3cli
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libh3cli.a
	install -m 644 $(wildcard $(PUB_HDRS)) $(DESTDIR)$(PREFIX)/include/h3cli/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 completions/h3cli.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/h3cli
	install -m 644 completions/_h3cli $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_h3cli
	install -m 644 completions/h3cli.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/h3cli.fish
	@# Our own static wolfSSL goes beside libh3cli.a, so the installed library
	@# does not depend on this build tree; a system wolfSSL is referenced.
	if [ -n "$(WOLFSSL_PKG_CONFIG_PATH)" ]; then \
	  install -d $(DESTDIR)$(PREFIX)/lib/h3cli && \
	  install -m 644 $(DEPS_DIR)/lib/libwolfssl.a $(DESTDIR)$(PREFIX)/lib/h3cli/ && \
	  wolf='-L$${libdir}/h3cli -lwolfssl'; \
	else wolf='$(WOLFSSL_PC_PRIVATE)'; fi; \
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  -e "s|@WOLFSSL_PRIVATE@|$$wolf|g" h3cli.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/h3cli.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/h3cli $(DESTDIR)$(PREFIX)/lib/libh3cli.a \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/h3cli.pc $(DESTDIR)$(PREFIX)/share/man/man1/h3cli*.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/h3cli \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_h3cli \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/h3cli.fish
	rm -rf $(DESTDIR)$(PREFIX)/include/h3cli $(DESTDIR)$(PREFIX)/lib/h3cli

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '_table\.c$$')
format-check:
	@clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h' | grep -v '_table\.c$$')

# clean keeps the wolfSSL build (build/deps); distclean removes everything.
clean:
	rm -rf $(filter-out build/deps,$(wildcard build/*))
distclean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
