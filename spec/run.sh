#!/bin/sh
# spec/run.sh LUA_BIN MODULE_DIR — runs the busted specs with one Lua interpreter.
# Called by `make test-one`; LUA_WRAPPER (valgrind) and LUA_PRELOAD (ASan) come from make targets.
# The summary line goes to $GENTASK_SUMMARY (default $GENTASK_BUILD/summary): `make test`'s
# concurrent runs (spec/concurrent.sh) give each run its own.
set -u
lua_bin=$1
module_dir=$2
shift 2
build=${GENTASK_BUILD:-build}
summary=${GENTASK_SUMMARY:-$build/summary}
lines_before=$(cat "$summary" 2>/dev/null | wc -l)

busted_bin=$(command -v busted) || { echo "busted is not installed: run 'make deps'"; echo "$lua_bin 0 1 0" >> "$summary"; exit 1; }
echo "== specs on $($lua_bin -v 2>&1 | head -n 1)"
GENTASK_SUMMARY=$summary GENTASK_SIM=$build/gentask-sim \
  LD_PRELOAD=${LUA_PRELOAD:-} \
  ${LUA_WRAPPER:-} "$lua_bin" "$busted_bin" --cpath="$module_dir/?.so" "$@"
status=$?
# busted that died before its summary (a crash) still counts as a failed run
if [ "$(cat "$summary" 2>/dev/null | wc -l)" -eq "$lines_before" ]; then
  echo "$lua_bin 0 1 0" >> "$summary"
  status=1
fi
exit $status
