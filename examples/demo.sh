#!/bin/sh
# examples/demo.sh LUA_BIN MODULE_DIR — `make demo`: the gentask command's batch over
# examples/prompts.jsonl against a simulator it starts and stops itself (--sim), the images and
# the contact sheet (index.html) written to build/demo, and the summary printed.
set -eu
lua_bin=$1
module_dir=$2
build=${GENTASK_BUILD:-build}
out=$build/demo

rm -rf "$out"   # a fresh run each time: the same directory again would resume, paying nothing
LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$module_dir/?.so;;" GENTASK_SIM="$build/gentask-sim" \
  "$lua_bin" bin/gentask batch examples/prompts.jsonl --sim -o "$out" && status=0 || status=$?
echo "make demo: the images and index.html are in $out (open $out/index.html)"
# one line refused by moderation on purpose: exit status 1 ("some failed") is the expected outcome
[ "$status" -le 1 ] || exit "$status"
