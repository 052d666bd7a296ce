# gentask — build the C module and the simulator; test, demo, deps, sanitize.
#
#   make                 build build/$(LUA)/gentask/core.so, build/gentask-sim and the C tests (build/tests/)
#   make LUA=5.1         the same for Lua 5.1 (LUA=5.4 | 5.1 | luajit)
#   make test            lint, then busted specs on every Lua version (concurrently, logs in build/test-*.log),
#                        one summary line at the end
#   make lint            luacheck over the Lua (lint-lua) and clang-format's check over the C (lint-c)
#   make docs            the HTML reference of the public Lua modules, by LDoc (config.ld), in build/docs; no warning
#   make demo            gentask batch --sim over examples/prompts.jsonl: images and index.html in build/demo
#   make deps            install the Debian packages a fresh machine lacks (needs root)
#   make rock-test       luarocks make both rocks, then install make dist's source rocks, into temporary trees
#                        (Lua 5.4, 5.1), one spec each (tools/rock-test.sh)
#   make dist            the release: archive, rockspecs and source rocks of _VERSION in build/dist (tools/dist.sh)
#   make rock, install   what `luarocks make gentask-scm-1.rockspec` runs (the library)
#   make sim-rock, sim-install  what `luarocks make gentask-sim-scm-1.rockspec` runs (the simulator)
#   make bench           gentask (5.4, LuaJIT) against Python and bare libcurl on one job (bench/run.sh)
#   make bench-tls       the same through nginx, HTTP/2 + TLS 1.3 (both: BENCH_N="100 1000" BENCH_REPEAT=3 …;
#                        BENCH_DIALECT=flora: the job in FLORA's dialect, whose key lets submits share connections)
#   make bench-counts    libcurl calls and allocations per request, gentask against the floor (bench/counts.sh)
#   make bench-shared    what the key's shared state costs per submit: none, SQLite file, Redis (bench/shared.sh)
#   make soak            SOAK_N tasks (10000) over the five dialects under seeded random faults, an outage and a
#                        simulator restart, checked against the simulator's record (tools/soak.lua;
#                        SOAK_N=1000 SOAK_SEED=7 …; not part of make test)
#   make depgraph        the core's file-to-file dependencies: files, levels, circles (tools/depgraph.lua)
#   make fuzz            libFuzzer targets (clang, ASan + UBSan) in fuzz/, each run SECONDS (10) seconds

LUA      ?= 5.4
VERSIONS ?= 5.4 5.1 luajit

ifeq ($(LUA),luajit)
  LUA_BIN    := luajit
  LUA_CFLAGS := $(shell pkg-config --cflags luajit 2>/dev/null || echo -I/usr/include/luajit-2.1)
else
  LUA_BIN    := lua$(LUA)
  LUA_CFLAGS := -I/usr/include/lua$(LUA)
endif

CC       ?= cc
OPT      ?= -O2 -g
# Every warning fails a development build (make, make test, make sanitize, make valgrind); the
# rock that users build with `luarocks make` gets the same warnings, not fatal: a newer compiler's
# new warning must not break their install.
WARN     := -Wall -Wextra
DEV_WARN := $(WARN) -Werror
CFLAGS   += -std=gnu11 $(OPT) $(DEV_WARN) -fPIC $(SAN)
LDFLAGS  += $(SAN)
CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson)
# sqlite3 and libcrypto: the journal (csrc/core/store/journal*.c) keeps tasks in SQLite, hashes with OpenSSL;
# hiredis: the key's shared state in Redis (csrc/core/store/redis_link.c, shared_redis.c)
CORE_LIBS := -lcurl -lcjson -lsqlite3 -lcrypto -lhiredis -lm
# the simulator's result PNGs: zlib writes them, libcrypto checksums them
SIM_LIBS  := -lmicrohttpd -lcjson -lpthread -lz -lcrypto

BUILD    := build$(BUILD_SUFFIX)
# Folders are the layers: csrc/core (no Lua), csrc/lua (the binding), csrc/sim (the simulator),
# csrc/tests (C programs testing core parts that have no Lua face yet; specs run them).
CORE_SRC := $(wildcard csrc/core/*/*.c)
CORE_HDR := $(wildcard csrc/core/*/*.h)
# the core's public API, the only header the binding sees
PUBLIC_DIR := csrc/include
PUBLIC_HDR := $(PUBLIC_DIR)/gentask.h
BIND_SRC := $(wildcard csrc/lua/*.c)
BIND_HDR := $(wildcard csrc/lua/*.h)
CORE_OBJ := $(patsubst csrc/core/%.c,$(BUILD)/obj/core/%.o,$(CORE_SRC))
BIND_OBJ := $(patsubst csrc/lua/%.c,$(BUILD)/$(LUA)/obj/lua/%.o,$(BIND_SRC))
MODULE   := $(BUILD)/$(LUA)/gentask/core.so
# the simulator reuses the core's timer heap, which depends on nothing else
# replay/*.json are compiled into the simulator (csrc/sim/replay_builtin.h): an installed
# gentask-sim serves them with no data directory to find
REPLAY_FILES   := $(sort $(wildcard replay/*.json))
REPLAY_BUILTIN := $(BUILD)/replay_builtin.c
SIM_SRC  := $(wildcard csrc/sim/*.c) csrc/core/loop/timerheap.c $(REPLAY_BUILTIN)
SIM      := $(BUILD)/gentask-sim
TEST_SRC := $(wildcard csrc/tests/*.c)
TESTS    := $(patsubst csrc/tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))

.PHONY: all test test-one spec-one demo deps depgraph clean sanitize valgrind rock install sim-rock sim-install \
        rock-test dist lint lint-lua lint-c lint-docs docs bench bench-tls bench-shared soak fuzz fuzz-deps options-doc \
        FORCE
all: $(MODULE) $(SIM) $(TESTS)

$(BUILD)/obj/core/%.o: csrc/core/%.c $(CORE_HDR) $(PUBLIC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CJSON_CFLAGS) -I$(PUBLIC_DIR) -c -o $@ $<

# the binding sees the core's public header only: csrc/include is its one include directory, so
# the build refuses a binding that reaches into the core (csrc/core is not on its path)
$(BUILD)/$(LUA)/obj/lua/%.o: csrc/lua/%.c $(BIND_HDR) $(PUBLIC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LUA_CFLAGS) -I$(PUBLIC_DIR) -c -o $@ $<

$(MODULE): $(CORE_OBJ) $(BIND_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

$(SIM): $(SIM_SRC) $(wildcard csrc/sim/*.h) csrc/core/loop/timerheap.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CJSON_CFLAGS) -Icsrc/sim $(LDFLAGS) -o $@ $(SIM_SRC) $(SIM_LIBS)

# Each file's bytes and a NUL, by the assembler's .incbin (the path is the checkout's, relative to
# where make runs): no tool beyond the compiler. Rewritten when the list of files changes.
$(REPLAY_BUILTIN): $(REPLAY_FILES) $(BUILD)/replay_files
	@mkdir -p $(@D)
	@{ echo '/* generated by the Makefile from the files in replay/: do not edit */'; \
	  echo '#include "replay_builtin.h"'; \
	  i=0; for f in $(REPLAY_FILES); do \
	    printf '__asm__(".section .rodata\\n.type replay_text_%d, @object\\nreplay_text_%d:\\n.incbin \\"%s\\"\\n.byte 0\\n.previous");\n' $$i $$i $$f; \
	    printf 'extern const char replay_text_%d[] __asm__("replay_text_%d");\n' $$i $$i; i=$$((i+1)); done; \
	  echo 'const struct replay_builtin replay_builtins[] = {'; \
	  i=0; for f in $(REPLAY_FILES); do printf '    {"%s", replay_text_%d},\n' $$f $$i; i=$$((i+1)); done; \
	  echo '    {0, 0}};'; \
	  echo "const size_t replay_builtin_count = $(words $(REPLAY_FILES));"; } > $@

$(BUILD)/replay_files: FORCE
	$(call remember_command,$(REPLAY_FILES))

# One program per file, linked with the core's objects; white-box tests, they see the core's insides.
$(BUILD)/tests/%: csrc/tests/%.c $(CORE_OBJ) $(CORE_HDR) $(PUBLIC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CJSON_CFLAGS) -I$(PUBLIC_DIR) -Icsrc/core $(LDFLAGS) -o $@ $< $(CORE_OBJ) $(CORE_LIBS)

# One Lua version: build, then run busted with that interpreter. The summary line of each run is
# appended to $(BUILD)/summary so that `make test` can total them. spec-one runs the specs alone,
# on what is built already (make test builds every version first).
test-one: all
	@$(MAKE) --no-print-directory spec-one

spec-one:
	@GENTASK_BUILD=$(BUILD) GENTASK_LUA=$(LUA) sh spec/run.sh $(LUA_BIN) $(BUILD)/$(LUA)

# Each lint target ($(LINT_TARGETS)) counts as one test in the summary, passed or failed, and a failed
# one fails the run; the specs run anyway. Every module is built before any spec runs: host
# specs (Neovim runs LuaJIT) need theirs. Then the spec runs of every version and the installed-rock
# test run at the same time (spec/concurrent.sh): the specs spend most of their time waiting on
# the simulator, redis and polls, not on the CPU, so one after the other took three times as long.
# Each run's output is in $(BUILD)/test-<version>.log (test-rock.log), printed whole as it ends.
test:
	@rm -f $(BUILD)/summary $(BUILD)/summary.failures; mkdir -p $(BUILD)
	@for t in $(LINT_TARGETS); do \
	  if $(MAKE) --no-print-directory $$t; then r="1 0"; else r="0 1"; fi; echo "$$t $$r 0" >> $(BUILD)/summary; \
	done
	@for v in $(VERSIONS); do $(MAKE) --no-print-directory all LUA=$$v || exit 1; done
	@status=0; \
	GENTASK_BUILD=$(BUILD) MAKE="$(MAKE)" VERSIONS="$(VERSIONS)" ROCK_VERSIONS="$(ROCK_VERSIONS)" \
	  sh spec/concurrent.sh || status=1; \
	grep -q '^lint-[a-z]* 0 1 0$$' $(BUILD)/summary && status=1; \
	sh spec/total.sh $(BUILD)/summary; exit $$status

# --- lint ------------------------------------------------------------------------------------
# luacheck reads .luacheckrc (std, host globals, line length per folder); clang-format reads
# .clang-format (one style for all of csrc/) and, with --dry-run -Werror, fails on any file it
# would change, showing the first few places in each; it changes nothing.
LINT_TARGETS ?= lint-lua lint-c lint-docs
LUACHECK     ?= luacheck
LINT_LUA     := lua spec examples bench tools bin/gentask
CLANG_FORMAT ?= clang-format
LINT_C       := $(wildcard csrc/include/*.h csrc/core/*/*.[ch] csrc/lua/*.[ch] csrc/sim/*.[ch] csrc/tests/*.[ch] fuzz/*.[ch])

lint: lint-lua lint-c lint-docs

lint-lua:
	$(LUACHECK) --no-color --quiet $(LINT_LUA)

lint-c:
	@echo "$(CLANG_FORMAT) --dry-run -Werror csrc/include csrc/core csrc/lua csrc/sim csrc/tests fuzz"
	@$(CLANG_FORMAT) --dry-run -Werror --ferror-limit=3 $(LINT_C) || \
	  { echo "make lint-c: not formatted as .clang-format says; clang-format -i FILE formats it" >&2; exit 1; }

# --- docs ------------------------------------------------------------------------------------
# LDoc (Debian's lua-ldoc) reads the public modules' doc
# comments (config.ld lists them; not the command's gentask.cli.*) and writes build/docs/.
# Any line beyond LDoc's two of progress is a warning, and fails it, as does a missing ldoc:
# make lint runs it (lint-docs), so a doc comment LDoc cannot read fails make test.
docs:
	@command -v ldoc >/dev/null 2>&1 || { echo "make docs: ldoc is not installed: make deps installs lua-ldoc" >&2; exit 1; }
	@rm -rf build/docs && mkdir -p build && status=0; \
	  ldoc --fatalwarnings --testing . > build/ldoc.log 2>&1 || status=1; cat build/ldoc.log; \
	  if [ $$status -ne 0 ] || grep -v -e '^reading configuration from config.ld$$' -e '^output written to ' build/ldoc.log | grep -q .; \
	  then echo "make docs: LDoc warned (above); fix the doc comment" >&2; exit 1; fi; \
	  [ -s build/docs/index.html ] || { echo "make docs: LDoc wrote no build/docs/index.html" >&2; exit 1; }

lint-docs: docs

demo: all
	@GENTASK_BUILD=$(BUILD) sh examples/demo.sh $(LUA_BIN) $(BUILD)/$(LUA)

deps:
	@sh tools/deps.sh

# Not part of make test. The floor is bench/floor.c, bare libcurl multi + cJSON.
BENCH_N ?= 100 1000 10000
BENCH_DIALECT ?= foxapi
bench bench-tls: $(BUILD)/bench/floor $(BUILD)/bench/rusage
	@for v in 5.4 luajit; do $(MAKE) --no-print-directory all LUA=$$v || exit 1; done
	@BENCH_N="$(BENCH_N)" BENCH_DIALECT="$(BENCH_DIALECT)" BENCH_TLS=$(if $(filter bench-tls,$@),1,$(BENCH_TLS)) \
	  sh bench/run.sh

# Not part of make test: the key's shared state per backend (none, file, Redis), per submit.
bench-shared: $(BUILD)/bench/rusage
	@$(MAKE) --no-print-directory all LUA=5.4
	@BENCH_N="$(or $(BENCH_N_SHARED),1000)" sh bench/shared.sh

# docs/options.md, made from gentask.core.options and tools/options_lua.lua (reference_spec checks it)
options-doc:
	@$(MAKE) --no-print-directory all LUA=5.4
	@LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$(BUILD)/5.4/?.so;;" lua5.4 tools/options_doc.lua > docs/options.md.tmp
	@mv docs/options.md.tmp docs/options.md

depgraph:
	@lua5.4 tools/depgraph.lua csrc/core

# Not part of make test: a few minutes at 10,000 tasks. Exits non-zero on any violation.
SOAK_N    ?= 10000
SOAK_SEED ?= 1
soak:
	@$(MAKE) --no-print-directory all LUA=5.4
	@GENTASK_ROOT=. GENTASK_BUILD=$(BUILD) SOAK_N=$(SOAK_N) SOAK_SEED=$(SOAK_SEED) lua5.4 tools/soak.lua

$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra $(CJSON_CFLAGS) -o $@ $< -lcurl -lcjson

# Not part of make test: libcurl calls and allocations per request, gentask against the floor (counts, not times)
.PHONY: bench-counts
bench-counts: $(BUILD)/bench/floor $(BUILD)/bench/counts.so
	@for v in 5.4 luajit; do $(MAKE) --no-print-directory all LUA=$$v || exit 1; done
	@sh bench/counts.sh

$(BUILD)/bench/counts.so: bench/counts.c
	@mkdir -p $(@D)
	$(CC) -O2 -fno-omit-frame-pointer -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

$(BUILD)/bench/rusage: bench/rusage.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -o $@ $<

# --- fuzzing (not part of make test) ------------------------------------------------------------
# Each fuzz/fuzz_*.c is a libFuzzer target built with clang under ASan + UBSan against the core
# (and, for fuzz_classify, the binding and Lua 5.4, which compile the built-in profiles). The
# corpus starts from spec/vectors/ (fuzz/seeds.lua) and grows in $(FUZZ_DIR)/corpus/; a crash
# leaves its input in $(FUZZ_DIR)/. make fuzz-deps installs clang the way make deps installs the rest.
SECONDS    ?= 10
FUZZ_CC    ?= clang
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(WARN) -Wno-unused-command-line-argument
FUZZ_SRC   := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))
FUZZ_CORE  := $(patsubst csrc/core/%.c,$(FUZZ_DIR)/obj/core/%.o,$(CORE_SRC))
FUZZ_BIND  := $(patsubst csrc/lua/%.c,$(FUZZ_DIR)/obj/lua/%.o,$(BIND_SRC))

fuzz-deps:
	@sh tools/deps.sh clang libclang-rt-14-dev

fuzz: $(FUZZ_BINS)
	@rm -rf $(FUZZ_DIR)/seeds && lua5.4 fuzz/seeds.lua $(FUZZ_DIR)/seeds
	@for t in $(notdir $(FUZZ_BINS)); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t; \
	  $(FUZZ_DIR)/$$t -max_total_time=$(SECONDS) -artifact_prefix=$(FUZZ_DIR)/$$t- -print_final_stats=1 \
	    $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t > $(FUZZ_DIR)/$$t.log 2>&1; rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$$t.log); \
	  if [ $$rc -eq 0 ]; then echo "$$t: $$runs executions in $(SECONDS) s, no crash"; \
	  else echo "$$t: FAILED after $$runs executions (see $(FUZZ_DIR)/$$t.log)"; status=1; fi; \
	done; exit $${status:-0}

$(FUZZ_DIR)/obj/core/%.o: csrc/core/%.c $(CORE_HDR) $(PUBLIC_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(CJSON_CFLAGS) -I$(PUBLIC_DIR) -c -o $@ $<

$(FUZZ_DIR)/obj/lua/%.o: csrc/lua/%.c $(BIND_HDR) $(PUBLIC_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -I/usr/include/lua5.4 -I$(PUBLIC_DIR) -c -o $@ $<

# the targets that read with the built-in profiles (fuzz/profiles.h) also link the binding and Lua
FUZZ_WITH_PROFILES := $(FUZZ_DIR)/fuzz_classify $(FUZZ_DIR)/fuzz_webhook
$(FUZZ_WITH_PROFILES): $(FUZZ_DIR)/%: fuzz/%.c fuzz/fuzz.h fuzz/profiles.h $(FUZZ_CORE) $(FUZZ_BIND)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -I/usr/include/lua5.4 -I$(PUBLIC_DIR) -Icsrc/core $(CJSON_CFLAGS) \
	  -o $@ $< $(FUZZ_CORE) $(FUZZ_BIND) $(CORE_LIBS) -llua5.4

# the simulator's replay reader and matcher, alone (no core, no MHD; render.c for its dotted paths)
FUZZ_REPLAY_SRC := csrc/sim/replay_load.c csrc/sim/replay_match.c csrc/sim/replay_fill.c csrc/sim/render.c
$(FUZZ_DIR)/fuzz_replay_match: fuzz/fuzz_replay_match.c fuzz/fuzz.h $(FUZZ_REPLAY_SRC) csrc/sim/replay.h csrc/sim/replay_fill.h \
                               csrc/sim/render.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $(CJSON_CFLAGS) -o $@ $< $(FUZZ_REPLAY_SRC) -lcjson

$(FUZZ_DIR)/%: fuzz/%.c fuzz/fuzz.h $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -I$(PUBLIC_DIR) -Icsrc/core $(CJSON_CFLAGS) -o $@ $< $(FUZZ_CORE) $(CORE_LIBS)

# AddressSanitizer + UndefinedBehaviorSanitizer over the specs (Lua 5.4, a separate build tree).
# Neither this nor valgrind runs the installed-rock test (ROCK_VERSIONS=): that one is unchanged;
# nor the lint (LINT_TARGETS=): the sources are the same.
sanitize:
	$(MAKE) test VERSIONS=5.4 ROCK_VERSIONS= LINT_TARGETS= BUILD_SUFFIX=-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LUA_PRELOAD="$$($(CC) -print-file-name=libasan.so)"

# valgrind over the specs (Lua 5.4): every leak or invalid access fails the run.
valgrind:
	$(MAKE) test VERSIONS=5.4 ROCK_VERSIONS= LINT_TARGETS= LUA_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --suppressions=tools/valgrind.supp"

# --- LuaRocks --------------------------------------------------------------------------------
# Two rocks, both build.type = "make". gentask-scm-1.rockspec (the library: Lua modules and
# gentask.core, no libmicrohttpd needed): `luarocks make` runs `make rock`, then `make install`,
# passing CC, ROCK_CFLAGS (its CFLAGS), LIBFLAG, LUA_INCDIR, where it found curl, cJSON, SQLite
# and OpenSSL, and (to install) INST_LUADIR, INST_LIBDIR. gentask-sim-scm-1.rockspec (the
# simulator): `make sim-rock`, then `make sim-install`, with CC, ROCK_CFLAGS, where it found
# libmicrohttpd, cJSON, zlib and OpenSSL, and INST_BINDIR. Each is built apart, the library in build/rock/<Lua headers' dir name>/, the
# simulator in build/rock/sim/, from the same wildcard sources as above, with the same warnings;
# each is rebuilt whenever a source, a header or its command line changes.
ROCK_VERSIONS ?= $(filter 5.4 5.1,$(VERSIONS))
ROCK_CFLAGS   ?= -O2 -fPIC
LIBFLAG       ?= -shared
LUA_INCDIR    ?= $(patsubst -I%,%,$(firstword $(filter -I%,$(LUA_CFLAGS))))
CURL_CONFIG   ?= curl-config
ROCK        := $(BUILD)/rock/$(notdir $(LUA_INCDIR))
ROCK_MODULE := $(ROCK)/gentask/core.so
ROCK_SIM_DIR := $(BUILD)/rock/sim
ROCK_SIM    := $(ROCK_SIM_DIR)/gentask-sim
# curl-config --cflags: empty on Debian (curl.h is on the compiler's multiarch include path)
ROCK_FLAGS   = $(ROCK_CFLAGS) -std=gnu11 $(WARN) -fPIC $(shell $(CURL_CONFIG) --cflags 2>/dev/null) \
               $(if $(CJSON_INCDIR),-I$(CJSON_INCDIR)/cjson,$(CJSON_CFLAGS))
# SQLite's and OpenSSL's headers: -I only where they are not on the compiler's own path
ROCK_CORE_CMD = $(CC) $(ROCK_FLAGS) -I$(LUA_INCDIR) -I$(PUBLIC_DIR) \
                $(addprefix -I,$(filter-out /usr/include,$(sort $(SQLITE3_INCDIR) $(OPENSSL_INCDIR) $(HIREDIS_INCDIR)))) $(LIBFLAG) \
                -o $(ROCK_MODULE) $(CORE_SRC) $(BIND_SRC) \
                $(addprefix -L,$(sort $(CURL_LIBDIR) $(CJSON_LIBDIR) $(SQLITE3_LIBDIR) $(OPENSSL_LIBDIR) $(HIREDIS_LIBDIR))) $(CORE_LIBS)
ROCK_SIM_CMD  = $(CC) $(ROCK_FLAGS) -Icsrc/sim $(addprefix -I,$(filter-out /usr/include,$(sort $(MHD_INCDIR) $(ZLIB_INCDIR) \
                $(OPENSSL_INCDIR)))) -o $(ROCK_SIM) $(SIM_SRC) \
                $(addprefix -L,$(sort $(MHD_LIBDIR) $(CJSON_LIBDIR) $(ZLIB_LIBDIR) $(OPENSSL_LIBDIR))) $(SIM_LIBS)

rock: $(ROCK_MODULE)
sim-rock: $(ROCK_SIM)

# A file holding a command line, rewritten only when the line changes: a change of flags rebuilds.
define remember_command
	@mkdir -p $(@D)
	@printf '%s\n' '$(1)' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
endef

$(ROCK)/commands: FORCE
	$(call remember_command,$(ROCK_CORE_CMD))

$(ROCK_SIM_DIR)/commands: FORCE
	$(call remember_command,$(ROCK_SIM_CMD))

$(ROCK_MODULE): $(CORE_SRC) $(BIND_SRC) $(CORE_HDR) $(BIND_HDR) $(ROCK)/commands
	@mkdir -p $(@D)
	$(ROCK_CORE_CMD)

$(ROCK_SIM): $(SIM_SRC) $(wildcard csrc/sim/*.h) csrc/core/loop/timerheap.h $(ROCK_SIM_DIR)/commands
	$(ROCK_SIM_CMD)

# Every .lua under lua/ (found here, listed nowhere) and gentask.core.
install: rock
	@[ -n "$(INST_LUADIR)" ] && [ -n "$(INST_LIBDIR)" ] || \
	  { echo "make install: set INST_LUADIR and INST_LIBDIR (luarocks make does)" >&2; exit 1; }
	@cd lua && for f in $$(find gentask -name '*.lua' | sort); do \
	  echo "install lua/$$f"; \
	  mkdir -p "$(INST_LUADIR)/$${f%/*}" && cp "$$f" "$(INST_LUADIR)/$$f" || exit 1; \
	done
	mkdir -p "$(INST_LIBDIR)/gentask"
	cp $(ROCK_MODULE) "$(INST_LIBDIR)/gentask/core.so"

sim-install: sim-rock
	@[ -n "$(INST_BINDIR)" ] || \
	  { echo "make sim-install: set INST_BINDIR (luarocks make does)" >&2; exit 1; }
	mkdir -p "$(INST_BINDIR)"
	cp $(ROCK_SIM) "$(INST_BINDIR)/gentask-sim"

# luarocks make both rocks into a temporary tree per Lua version, then spec/rock/installed.lua
rock-test:
	@rm -f $(BUILD)/rock-summary; mkdir -p $(BUILD)
	@GENTASK_SUMMARY=$(BUILD)/rock-summary sh tools/rock-test.sh $(ROCK_VERSIONS); status=$$?; \
	  sh spec/total.sh $(BUILD)/rock-summary; exit $$status

# the release archive, the versioned rockspecs and the source rocks (docs/release.md)
dist:
	@RELEASE_URL="$(RELEASE_URL)" sh tools/dist.sh $(BUILD)/dist

FORCE:

clean:
	rm -rf build build-asan
