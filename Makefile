# gentask — build the C module and the simulator; test, demo, deps, sanitize.
#
#   make                 build build/$(LUA)/gentask/core.so and build/gentask-sim
#   make LUA=5.1         the same for Lua 5.1 (LUA=5.4 | 5.1 | luajit)
#   make test            busted specs on every Lua version, one summary line at the end
#   make demo            start the simulator, run examples/pipeline.lua, stop the simulator
#   make deps            install the Debian packages a fresh machine lacks (needs root)

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
WARN     := -Wall -Wextra -Werror
CFLAGS   += -std=gnu11 $(OPT) $(WARN) -fPIC $(SAN)
LDFLAGS  += $(SAN)
CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson)
CORE_LIBS := -lcurl -lcjson -lm
SIM_LIBS  := -lmicrohttpd -lcjson -lpthread

BUILD    := build$(BUILD_SUFFIX)
BIND_SRC := $(wildcard csrc/l*.c)
CORE_SRC := $(filter-out $(BIND_SRC),$(wildcard csrc/*.c))
CORE_OBJ := $(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(CORE_SRC))
BIND_OBJ := $(patsubst csrc/%.c,$(BUILD)/$(LUA)/obj/%.o,$(BIND_SRC))
MODULE   := $(BUILD)/$(LUA)/gentask/core.so
SIM_SRC  := $(wildcard csrc/sim/*.c)
SIM      := $(BUILD)/gentask-sim

.PHONY: all test test-one demo deps clean sanitize valgrind
all: $(MODULE) $(SIM)

$(BUILD)/obj/%.o: csrc/%.c $(wildcard csrc/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CJSON_CFLAGS) -c -o $@ $<

$(BUILD)/$(LUA)/obj/%.o: csrc/%.c $(wildcard csrc/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CJSON_CFLAGS) $(LUA_CFLAGS) -c -o $@ $<

$(MODULE): $(CORE_OBJ) $(BIND_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

$(SIM): $(SIM_SRC) $(wildcard csrc/sim/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CJSON_CFLAGS) $(LDFLAGS) -o $@ $(SIM_SRC) $(SIM_LIBS)

# One Lua version: build, then run busted with that interpreter. The summary line of each run is
# appended to $(BUILD)/summary so that `make test` can total them.
test-one: all
	@GENTASK_BUILD=$(BUILD) GENTASK_LUA=$(LUA) sh spec/run.sh $(LUA_BIN) $(BUILD)/$(LUA)

# Every module is built before any spec runs: host specs (Neovim runs LuaJIT) need theirs.
test:
	@rm -f $(BUILD)/summary
	@for v in $(VERSIONS); do $(MAKE) --no-print-directory all LUA=$$v || exit 1; done
	@status=0; for v in $(VERSIONS); do \
	  $(MAKE) --no-print-directory test-one LUA=$$v || status=1; \
	done; \
	sh spec/total.sh $(BUILD)/summary; exit $$status

demo: all
	@GENTASK_BUILD=$(BUILD) sh examples/demo.sh $(LUA_BIN) $(BUILD)/$(LUA)

deps:
	@sh tools/deps.sh

# AddressSanitizer + UndefinedBehaviorSanitizer over the specs (Lua 5.4, a separate build tree).
sanitize:
	$(MAKE) test VERSIONS=5.4 BUILD_SUFFIX=-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LUA_PRELOAD="$$($(CC) -print-file-name=libasan.so)"

# valgrind over the specs (Lua 5.4): every leak or invalid access fails the run.
valgrind:
	$(MAKE) test VERSIONS=5.4 LUA_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --suppressions=tools/valgrind.supp"

clean:
	rm -rf build build-asan
